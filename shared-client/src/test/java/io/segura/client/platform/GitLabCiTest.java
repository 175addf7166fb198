// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segura.testkit.oidc.Fixtures;
import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.platform.CiJobs;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GitLabCiTest {

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

    private final GitLabCi gitlab = new GitLabCi();
    private final String idToken = token("gitlab");

    @Test
    void identityWhenIdTokensDeclaredThenThatToken() throws Exception {
        var env = TestJobs.job(CiJobs.gitLab(idToken), dir).env;

        assertThat(gitlab.detect(env)).isTrue();
        assertThat(TestJobs.verified(issuer, TestJobs.jwt(gitlab.identity(env, null))).getStringClaim("project_id"))
                .isEqualTo("20");
    }

    @Test
    void identityWhenIdTokensMissingThenShowsTheYamlToAdd() {
        var env = TestJobs.job(CiJobs.gitLab(null), dir).env;

        assertThatThrownBy(() -> gitlab.identity(env, "https://segura.example.com"))
                .isInstanceOf(PlatformException.class)
                .hasMessageContaining("id_tokens:\n    SEGURA_ID_TOKEN:\n      aud: https://segura.example.com");
    }

    @Test
    void exportThenOwnerOnlyEnvFileAndWarnsAgainstDotenvArtifacts() throws Exception {
        TestJobs job = TestJobs.job(CiJobs.gitLab(idToken), dir);

        assertThat(gitlab.maskNatively(job.env, "s3cr3t-value")).isFalse();
        String note = gitlab.export(job.env, "DEPLOY_KEY", "line1\nline2");

        Path file = dir.resolve(".segura/segura.env");
        TestJobs.assertOwnerOnly(file);
        assertThat(TestJobs.sourced(file, "DEPLOY_KEY")).isEqualTo("line1\nline2");
        assertThat(note).contains("artifacts:reports:dotenv");
    }

    @Test
    void describeThenRunFactsAndNeverTheIdTokenOrJobToken() {
        Map<String, String> vars = CiJobs.gitLab(idToken);
        Map<String, String> facts = gitlab.describe(TestJobs.job(vars, dir).env);

        assertThat(facts).containsEntry("platform", "gitlab")
                .containsEntry("repository", "my-group/my-project")
                .containsEntry("repository_id", "20")
                .containsEntry("ref", "refs/heads/main")
                .containsEntry("run_id", "574")
                .containsEntry("event", "push");
        assertThat(String.join("\n", facts.values())).doesNotContain(idToken).doesNotContain(vars.get("CI_JOB_TOKEN"));
    }
}
