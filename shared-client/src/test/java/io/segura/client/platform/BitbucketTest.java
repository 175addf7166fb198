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

class BitbucketTest {

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

    private final Bitbucket bitbucket = new Bitbucket();
    private final String stepToken = token("bitbucket");

    @Test
    void identityWhenOidcStepThenTheStepToken() throws Exception {
        var env = TestJobs.job(CiJobs.bitbucket(stepToken, null), dir).env;

        assertThat(bitbucket.detect(env)).isTrue();
        String jwt = TestJobs.jwt(bitbucket.identity(env, "https://segura.example.com"));
        assertThat(TestJobs.verified(issuer, jwt).getAudience()).containsExactly("https://segura.example.com");
    }

    @Test
    void identityWhenStepWithoutOidcThenSaysToAddIt() {
        var env = TestJobs.job(CiJobs.bitbucket(null, null), dir).env;

        assertThatThrownBy(() -> bitbucket.identity(env, "https://segura.example.com"))
                .isInstanceOf(PlatformException.class)
                .hasMessageContaining("oidc: true")
                .hasMessageContaining("audiences: [\"https://segura.example.com\"]");
    }

    @Test
    void exportWhenRunningAsPipeThenOwnerOnlyFileInSharedStorage() throws Exception {
        Path shared = dir.resolve("pipes-shared");
        TestJobs job = TestJobs.job(CiJobs.bitbucket(stepToken, shared), dir.resolve("work"));

        String note = bitbucket.export(job.env, "API_KEY", "k3y'with\"quotes");

        Path file = shared.resolve("segura.env");
        TestJobs.assertOwnerOnly(file);
        assertThat(TestJobs.sourced(file, "API_KEY")).isEqualTo("k3y'with\"quotes");
        assertThat(note).contains("shared storage");
        assertThat(Files.exists(dir.resolve("work/.segura/segura.env"))).isFalse();
    }

    @Test
    void exportWhenNotAPipeThenOwnerOnlyFileInWorkingDirectory() throws Exception {
        TestJobs job = TestJobs.job(CiJobs.bitbucket(stepToken, null), dir);

        bitbucket.export(job.env, "API_KEY", "value-1");
        bitbucket.export(job.env, "OTHER", "value-2");

        Path file = dir.resolve(".segura/segura.env");
        TestJobs.assertOwnerOnly(file);
        assertThat(TestJobs.sourced(file, "API_KEY")).isEqualTo("value-1");
        assertThat(TestJobs.sourced(file, "OTHER")).isEqualTo("value-2");
        assertThat(bitbucket.maskNatively(job.env, "value-1")).isFalse();
    }

    @Test
    void describeThenRunFactsAndNeverTheToken() {
        Map<String, String> facts = bitbucket.describe(TestJobs.job(CiJobs.bitbucket(stepToken, null), dir).env);

        assertThat(facts).containsEntry("platform", "bitbucket")
                .containsEntry("repository", "acme/web")
                .containsEntry("repository_id", "{437da666-0d5c-4c1f-9c4e-1f2e3d4c5b6a}")
                .containsEntry("ref", "refs/heads/main")
                .containsEntry("run_id", "42");
        assertThat(String.join("\n", facts.values())).doesNotContain(stepToken);
    }
}
