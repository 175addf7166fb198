// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segura.testkit.oidc.Fixtures;
import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.platform.CiJobs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JenkinsTest {

    private static IssuerSimulator issuer;

    @TempDir
    Path dir;

    @BeforeAll
    static void startIssuer() {
        issuer = IssuerSimulator.start();
    }

    @AfterAll
    static void stopIssuer() {
        issuer.close();
    }

    private static String token(String preset) {
        Map<String, Object> claims = Fixtures.claims(preset);
        claims.remove("iat");
        claims.remove("nbf");
        claims.remove("exp");
        return issuer.mint(claims);
    }

    private final Jenkins jenkins = new Jenkins();

    @Test
    void detectWhenJenkinsUrlAndBuildNumberThenDetected() {
        assertThat(jenkins.detect(TestJobs.job(CiJobs.jenkins(null), dir).env)).isTrue();
        assertThat(jenkins.detect(TestJobs.job(Map.of("JENKINS_URL", "https://j/"), dir).env)).isFalse();
    }

    @Test
    void identityWhenIdTokenBoundThenThatToken() throws Exception {
        String idToken = token("jenkins");

        String jwt = TestJobs.jwt(jenkins.identity(TestJobs.job(CiJobs.jenkins(idToken), dir).env, null));

        assertThat(TestJobs.verified(issuer, jwt).getSubject())
                .isEqualTo("https://jenkins.example.com/job/team/job/app/job/main/");
    }

    @Test
    void identityWhenIdTokenFileCredentialThenReadsTheFile() throws Exception {
        String idToken = token("jenkins");
        Path file = Files.writeString(dir.resolve("id-token"), idToken + "\n");
        Map<String, String> vars = CiJobs.jenkins(null);
        vars.put("SEGURA_TOKEN_FILE", file.toString());

        assertThat(TestJobs.jwt(jenkins.identity(TestJobs.job(vars, dir).env, null))).isEqualTo(idToken);
    }

    @Test
    void identityWhenClientCredentialsThenClientSecretIdentity() throws Exception {
        Map<String, String> vars = CiJobs.jenkins(null);
        vars.put("SEGURA_CLIENT_ID", "jenkins-prod");
        vars.put("SEGURA_CLIENT_SECRET", "client-secret-value");

        Identity identity = jenkins.identity(TestJobs.job(vars, dir).env, null);

        assertThat(identity).isEqualTo(new Identity.ClientSecret("jenkins-prod", "client-secret-value"));
        assertThat(identity.toString()).doesNotContain("client-secret-value");
    }

    @Test
    void identityWhenClientCertificateThenCertificateIdentity() throws Exception {
        Map<String, String> vars = CiJobs.jenkins(null);
        vars.put("SEGURA_CLIENT_ID", "jenkins-prod");
        vars.put("SEGURA_CLIENT_CERT", "/certs/client.pem");
        vars.put("SEGURA_CLIENT_KEY", "/certs/client-key.pem");

        assertThat(jenkins.identity(TestJobs.job(vars, dir).env, null)).isEqualTo(
                new Identity.ClientCertificate("jenkins-prod", "/certs/client.pem", "/certs/client-key.pem"));
    }

    @Test
    void identityWhenNothingBoundThenSaysWhatToBind() {
        var env = TestJobs.job(CiJobs.jenkins(null), dir).env;

        assertThatThrownBy(() -> jenkins.identity(env, "https://segura.example.com"))
                .isInstanceOf(PlatformException.class)
                .hasMessageContaining("withCredentials")
                .hasMessageContaining("SEGURA_CLIENT_ID");
    }

    @Test
    void exportThenOwnerOnlyFileAndNoNativeMasking() throws Exception {
        TestJobs job = TestJobs.job(CiJobs.jenkins(null), dir);

        assertThat(jenkins.maskNatively(job.env, "s3cr3t-value")).isFalse();
        jenkins.export(job.env, "TOKEN", "s3cr3t-value");

        TestJobs.assertOwnerOnly(dir.resolve(".segura/segura.env"));
        assertThat(TestJobs.sourced(dir.resolve(".segura/segura.env"), "TOKEN")).isEqualTo("s3cr3t-value");
    }

    @Test
    void describeThenRunFactsAndNeverTheToken() {
        String idToken = token("jenkins");
        Map<String, String> facts = jenkins.describe(TestJobs.job(CiJobs.jenkins(idToken), dir).env);

        assertThat(facts).containsEntry("platform", "jenkins")
                .containsEntry("pipeline", "https://jenkins.example.com/job/team/job/app/job/main/")
                .containsEntry("run_id", "42")
                .containsEntry("ref", "refs/heads/main");
        assertThat(String.join("\n", facts.values())).doesNotContain(idToken);
    }
}
