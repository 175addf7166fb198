// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins;

import static org.assertj.core.api.Assertions.assertThat;

import com.cloudbees.plugins.credentials.CredentialsScope;
import com.cloudbees.plugins.credentials.SystemCredentialsProvider;
import hudson.model.Result;
import io.jenkins.plugins.oidc_provider.IdTokenStringCredentials;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.jupiter.api.Test;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

/**
 * Job OIDC with the oidc-provider plugin (-Pjenkins only): the broker trusts this Jenkins' issuer
 * ({@code ${JENKINS_URL}oidc}, preset {@code jenkins}) and a role bound to the job URL; {@code withSegura} reads the
 * "OpenID Connect id token" credential in the build (a fresh, build-scoped token) and exchanges it by RFC 8693.
 */
@WithJenkins
class OidcProviderTest {

    static final String AUDIENCE = "https://segura.example.com";

    @Test
    void withSeguraWhenOidcProviderIdTokenThenJobUrlRoleAndRevoked(JenkinsRule r) throws Exception {
        String issuer = r.getURL() + "oidc";
        String jobUrl = r.getURL() + "job/p/";
        String issuers = String.join("\n",
                "issuers:",
                "  - name: jenkins",
                "    preset: jenkins",
                "    issuer: " + issuer,
                "    audiences: [\"" + AUDIENCE + "\"]",
                "");
        String roles = String.join("\n",
                "  - name: deploy-oidc",
                "    issuers: [jenkins]",
                "    bound-claims:",
                "      sub: \"" + jobUrl + "\"",
                "    secrets: [\"db/prod/*\"]");
        try (TestBroker broker = TestBroker.start("OidcProviderTest", issuers, roles)) {
            broker.configure("segura-id-token");
            IdTokenStringCredentials token = new IdTokenStringCredentials(CredentialsScope.GLOBAL, "segura-id-token",
                    "id token for Segura");
            token.setAudience(AUDIENCE);
            SystemCredentialsProvider.getInstance().getCredentials().add(token);
            SystemCredentialsProvider.getInstance().save();

            WorkflowJob p = r.createProject(WorkflowJob.class, "p");
            p.setDefinition(new CpsFlowDefinition(String.join("\n",
                    "node {",
                    "  withSegura(role: 'deploy-oidc', secrets: 'db/prod/password > DB_PASSWORD') {",
                    "    sh 'echo \"oidc $DB_PASSWORD\"'",
                    "  }",
                    "}"), true));
            WorkflowRun b = r.buildAndAssertStatus(Result.SUCCESS, p);
            r.assertLogContains("oidc ***", b);
            r.assertLogNotContains(TestBroker.PASSWORD, b);
            assertThat(broker.activeLeases(jobUrl)).isEmpty();
            assertThat(broker.broker.events("session.revoked", jobUrl)).isNotEmpty();
        }
    }
}
