// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segura.testkit.oidc.Fixtures;
import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.platform.CiJobs;
import io.segura.testkit.platform.CircleCiCli;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CircleCiTest {

    private static final String SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin";
    private static IssuerSimulator issuer;
    private static String defaultToken;

    @TempDir
    Path dir;

    private final CircleCi circleci = new CircleCi();

    @BeforeAll
    static void startIssuer() {
        issuer = IssuerSimulator.start();
        Map<String, Object> claims = Fixtures.claims("circleci");
        claims.remove("iat");
        claims.remove("exp");
        defaultToken = issuer.mint(claims);
    }

    @AfterAll
    static void stopIssuer() {
        issuer.close();
    }

    @Test
    void detectWhenCircleciTrueThenDetected() {
        assertThat(circleci.detect(TestJobs.job(CiJobs.circleCi(defaultToken, SYSTEM_PATH), dir).env)).isTrue();
        assertThat(circleci.detect(TestJobs.job(CiJobs.gitLab("t"), dir).env)).isFalse();
    }

    @Test
    void identityWhenCliOnPathThenMintsTokenForTheAudienceWithoutPrintingIt() throws Exception {
        CircleCiCli cli = CircleCiCli.install(dir.resolve("cli"), issuer, Fixtures.claims("circleci"));
        String expected = cli.expectAudience("https://segura.example.com");
        TestJobs job = TestJobs.job(CiJobs.circleCi(defaultToken,
                cli.binDirectory() + File.pathSeparator + SYSTEM_PATH), dir);

        String jwt = TestJobs.jwt(circleci.identity(job.env, "https://segura.example.com"));

        assertThat(jwt).isEqualTo(expected);
        assertThat(TestJobs.verified(issuer, jwt).getAudience()).containsExactly("https://segura.example.com");
        assertThat(cli.lastInvocation()).containsExactly("run", "oidc", "get", "--claims",
                "{\"aud\":\"https://segura.example.com\"}");
        assertThat(job.stdout()).doesNotContain(jwt);
    }

    @Test
    void identityWhenCliFailsThenPlatformExceptionWithExitCode() {
        CircleCiCli cli = CircleCiCli.install(dir.resolve("cli"), issuer, Fixtures.claims("circleci"));
        cli.expectAudience("https://other.example.com");
        var env = TestJobs.job(CiJobs.circleCi(defaultToken, cli.binDirectory() + File.pathSeparator + SYSTEM_PATH),
                dir).env;

        assertThatThrownBy(() -> circleci.identity(env, "https://segura.example.com"))
                .isInstanceOf(PlatformException.class)
                .hasMessageContaining("exit code 1")
                .hasMessageContaining("unexpected claims");
    }

    @Test
    void identityWhenNoCliThenDefaultTokenAndSaysItsAudienceIsTheOrgId() throws Exception {
        TestJobs job = TestJobs.job(CiJobs.circleCi(defaultToken, SYSTEM_PATH), dir);

        String jwt = TestJobs.jwt(circleci.identity(job.env, "https://segura.example.com"));

        assertThat(jwt).isEqualTo(defaultToken);
        assertThat(TestJobs.verified(issuer, jwt).getAudience())
                .containsExactly("3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c");
        assertThat(job.stdout()).contains("organization id (3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c)")
                .doesNotContain(jwt);
    }

    @Test
    void identityWhenOnlyV1TokenThenFallsBackToIt() throws Exception {
        Map<String, String> vars = CiJobs.circleCi(null, SYSTEM_PATH);
        vars.put("CIRCLE_OIDC_TOKEN", defaultToken);

        assertThat(TestJobs.jwt(circleci.identity(TestJobs.job(vars, dir).env, null))).isEqualTo(defaultToken);
    }

    @Test
    void identityWhenNoTokenThenPlatformException() {
        var env = TestJobs.job(CiJobs.circleCi(null, SYSTEM_PATH), dir).env;

        assertThatThrownBy(() -> circleci.identity(env, null))
                .isInstanceOf(PlatformException.class).hasMessageContaining("CIRCLE_OIDC_TOKEN_V2");
    }

    @Test
    void maskNativelyThenFalseAndNothingPrinted() {
        TestJobs job = TestJobs.job(CiJobs.circleCi(defaultToken, SYSTEM_PATH), dir);

        assertThat(circleci.maskNatively(job.env, "s3cr3t-value")).isFalse();
        assertThat(job.stdout()).isEmpty();
    }

    @Test
    void exportThenOwnerOnlyEnvFileNotBashEnvThatAShellReadsBackExactly() throws Exception {
        Map<String, String> vars = CiJobs.circleCi(defaultToken, SYSTEM_PATH);
        Path bashEnv = Files.createFile(dir.resolve("bash_env"));
        vars.put("BASH_ENV", bashEnv.toString());
        TestJobs job = TestJobs.job(vars, dir);
        String value = "it's a \"$HOME\" `secret`\nsecond line\n";

        String note = circleci.export(job.env, "DB_PASSWORD", value);

        Path file = dir.resolve(".segura/segura.env");
        TestJobs.assertOwnerOnly(file);
        assertThat(TestJobs.sourced(file, "DB_PASSWORD")).isEqualTo(value);
        assertThat(Files.size(bashEnv)).isZero();
        assertThat(note).contains("BASH_ENV").doesNotContain("second line");
    }

    @Test
    void describeThenRunFactsAndNeverTheToken() {
        var env = TestJobs.job(CiJobs.circleCi(defaultToken, SYSTEM_PATH), dir).env;

        Map<String, String> facts = circleci.describe(env);

        assertThat(facts).containsEntry("platform", "circleci")
                .containsEntry("repository", "my-org/repo")
                .containsEntry("ref", "refs/heads/main")
                .containsEntry("run_id", "118");
        assertThat(String.join("\n", facts.values())).doesNotContain(defaultToken);
        assertThat(List.copyOf(facts.keySet())).doesNotContain("CIRCLE_OIDC_TOKEN_V2");
    }
}
