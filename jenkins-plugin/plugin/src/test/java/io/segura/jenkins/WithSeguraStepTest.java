// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins;

import static org.assertj.core.api.Assertions.assertThat;

import hudson.model.Result;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.BuildWatcherExtension;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

/**
 * {@code withSegura} in a real Pipeline (JenkinsRule, -Pjenkins only) against a live https broker: values in the
 * body's {@code sh}, every form masked in the build log, the session revoked when the block ends, also when the body
 * fails; a bad credentials id fails the build with the fix and no stack trace.
 */
@WithJenkins
class WithSeguraStepTest {

    @RegisterExtension
    private static final BuildWatcherExtension BUILD_WATCHER = new BuildWatcherExtension();

    static TestBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = TestBroker.start("WithSeguraStepTest", "", "");
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    WorkflowRun run(JenkinsRule r, Result expected, String script) throws Exception {
        WorkflowJob p = r.createProject(WorkflowJob.class, "p");
        p.setDefinition(new CpsFlowDefinition(script, true));
        return r.buildAndAssertStatus(expected, p);
    }

    @Test
    void withSeguraWhenClientSecretThenValuesInShMaskedEverywhereAndRevoked(JenkinsRule r) throws Exception {
        broker.configure(null);
        WorkflowRun b = run(r, Result.SUCCESS, String.join("\n",
                "node {",
                "  withSegura(role: 'deploy', credentialsId: 'segura-client',",
                "             secrets: 'db/prod/password > DB_PASSWORD\\ntls/prod/key > TLS_KEY') {",
                "    sh 'echo \"password=$DB_PASSWORD\"; printf \"%s\\n\" \"$TLS_KEY\";'",
                "    sh 'printf %s \"$DB_PASSWORD\" | base64'",
                "  }",
                "}"));
        String log = JenkinsRule.getLog(b);
        assertThat(log).contains("password=***", "withSegura: revoked lease");
        assertThat(log.contains(TestBroker.PASSWORD)).isFalse();
        assertThat(log.contains("line-two-of-the-jenkins-key")).isFalse();
        assertThat(log.contains(Base64.getEncoder().encodeToString(
                TestBroker.PASSWORD.getBytes(StandardCharsets.UTF_8)))).isFalse();
        assertThat(broker.activeLeases("client:" + TestBroker.CLIENT_ID)).isEmpty();
    }

    @Test
    void withSeguraWhenCertificateCredentialThenMtlsAndRevoked(JenkinsRule r) throws Exception {
        broker.configure("segura-cert");
        WorkflowRun b = run(r, Result.SUCCESS, String.join("\n",
                "node {",
                "  withSegura(role: 'deploy', secrets: 'db/prod/password > DB_PASSWORD') {",
                "    sh 'test -n \"$DB_PASSWORD\" && echo \"got $DB_PASSWORD\"'",
                "  }",
                "}"));
        r.assertLogContains("got ***", b);
        assertThat(broker.activeLeases("client:jenkins-mtls")).isEmpty();
    }

    @Test
    void withSeguraWhenBodyFailsThenBuildFailsAndSessionRevoked(JenkinsRule r) throws Exception {
        broker.configure("segura-client");
        WorkflowRun b = run(r, Result.FAILURE, String.join("\n",
                "node {",
                "  withSegura(role: 'deploy', secrets: 'db/prod/password') {",
                "    sh 'echo $DB_PROD_PASSWORD; exit 3'",
                "  }",
                "}"));
        r.assertLogContains("withSegura: revoked lease", b);
        r.assertLogNotContains(TestBroker.PASSWORD, b);
        assertThat(broker.activeLeases("client:" + TestBroker.CLIENT_ID)).isEmpty();
    }

    @Test
    void withSeguraWhenCredentialsUnknownThenFailsWithTheFixAndNoStackTrace(JenkinsRule r) throws Exception {
        broker.configure(null);
        WorkflowRun b = run(r, Result.FAILURE, String.join("\n",
                "withSegura(role: 'deploy', credentialsId: 'nope', secrets: 'db/prod/password') {",
                "  echo 'never'",
                "}"));
        r.assertLogContains("credentials 'nope' not found", b);
        r.assertLogContains("Fix: ", b);
        r.assertLogNotContains("\tat ", b);
        r.assertLogNotContains("never", b);
    }

    @Test
    void withSeguraWhenRoleRefusesTheClientThenBrokerReasonInTheLog(JenkinsRule r) throws Exception {
        broker.configure("segura-client");
        WorkflowRun b = run(r, Result.FAILURE, String.join("\n",
                "withSegura(role: 'no-such-role', secrets: 'db/prod/password') {",
                "  echo 'never'",
                "}"));
        r.assertLogContains("invalid_scope", b);
        r.assertLogContains("Fix: check role:", b);
        r.assertLogNotContains("\tat ", b);
    }
}
