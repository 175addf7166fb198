// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segura.client.masking.SecretVariants;
import io.segura.testkit.oidc.Fixtures;
import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.platform.GitHubRunner;
import io.segura.testkit.platform.GitHubTokenEndpoint;
import io.segura.testkit.platform.RecordedRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GitHubActionsTest {

    private static IssuerSimulator issuer;
    private static GitHubTokenEndpoint endpoint;

    @TempDir
    Path dir;

    private final GitHubActions github = new GitHubActions();

    @BeforeAll
    static void startSimulators() {
        issuer = IssuerSimulator.start();
        endpoint = GitHubTokenEndpoint.start(issuer, Fixtures.claims("github-actions"));
    }

    @AfterAll
    static void stopSimulators() {
        endpoint.close();
        issuer.close();
    }

    private TestJobs job() {
        return TestJobs.job(GitHubRunner.withIdToken(dir, endpoint).variables(), dir);
    }

    @Test
    void detectWhenGithubActionsTrueThenDetected() {
        assertThat(github.detect(job().env)).isTrue();
        assertThat(github.detect(TestJobs.job(Map.of("GITHUB_ACTIONS", "false"), dir).env)).isFalse();
        assertThat(github.detect(TestJobs.job(Map.of(), dir).env)).isFalse();
    }

    @Test
    void identityWhenIdTokenPermittedThenTokenForRequestedAudienceAsDocumented() throws Exception {
        int before = endpoint.requests().size();
        String audience = "https://segura.example.com/a b&c=d";

        String jwt = TestJobs.jwt(github.identity(job().env, audience));

        var claims = TestJobs.verified(issuer, jwt);
        assertThat(claims.getAudience()).containsExactly(audience);
        assertThat(claims.getStringClaim("repository_id")).isEqualTo("74");
        List<RecordedRequest> requests = endpoint.requests();
        assertThat(requests).hasSize(before + 1);
        RecordedRequest request = requests.get(requests.size() - 1);
        assertThat(request.method()).isEqualTo("GET");
        assertThat(request.header("Authorization")).isEqualTo("bearer " + endpoint.requestToken());
        assertThat(request.query()).containsEntry("api-version", "2.0").containsEntry("audience", audience);
        assertThat(request.rawQuery()).startsWith("api-version=2.0&audience=").doesNotContain("+");
    }

    @Test
    void identityWhenNoAudienceThenGithubDefaultAudience() throws Exception {
        String jwt = TestJobs.jwt(github.identity(job().env, null));

        assertThat(TestJobs.verified(issuer, jwt).getAudience()).containsExactly("https://github.com/octo-org");
    }

    @Test
    void identityWhenIdTokenPermissionMissingThenSaysToAddIt() {
        var env = TestJobs.job(GitHubRunner.withoutIdToken(dir).variables(), dir).env;

        assertThatThrownBy(() -> github.identity(env, "https://segura.example.com"))
                .isInstanceOf(PlatformException.class)
                .hasMessageContaining("permissions: id-token: write")
                .hasMessageContaining("forks");
    }

    @Test
    void identityWhenRequestTokenWrongThenUnauthorizedWithoutEchoingIt() {
        Map<String, String> vars = GitHubRunner.withIdToken(dir, endpoint).variables();
        vars.put("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "stolen-or-stale-request-token");
        var env = TestJobs.job(vars, dir).env;

        assertThatThrownBy(() -> github.identity(env, "https://segura.example.com"))
                .isInstanceOf(PlatformException.class)
                .hasMessageContaining("HTTP 401")
                .hasMessageNotContaining("stolen-or-stale-request-token");
    }

    @Test
    void maskNativelyWhenMultiLinePemThenEveryLineAndEveryVariantMasked() throws Exception {
        String pem = TestJobs.pemPrivateKey();
        TestJobs job = job();

        assertThat(github.maskNatively(job.env, pem)).isTrue();

        List<String> masks = GitHubRunner.masks(job.stdout());
        assertThat(masks).contains(pem);
        List<String> lines = pem.lines().toList();
        assertThat(lines).hasSizeGreaterThan(20);
        assertThat(masks).containsAll(lines);
        assertThat(masks).containsAll(SecretVariants.of(pem, 4));
        assertThat(GitHubRunner.logLines(job.stdout())).as("nothing but workflow commands reaches the log").isEmpty();
    }

    @Test
    void maskNativelyWhenValueHasPercentCrLfThenEscapedSoTheRunnerReadsItExactly() {
        String value = "pa%0Ass\r\nwo%25rd\nlast-line";
        TestJobs job = job();

        github.maskNatively(job.env, value);

        String stdout = job.stdout();
        assertThat(GitHubRunner.masks(stdout)).contains(value, "pa%0Ass", "wo%25rd", "last-line");
        assertThat(stdout).contains("::add-mask::pa%250Ass%0D%0Awo%2525rd%0Alast-line\n");
        assertThat(GitHubRunner.logLines(stdout)).isEmpty();
    }

    @Test
    void maskNativelyWhenVariantSpansLinesThenEachOfItsLinesMaskedToo() {
        String value = "it's\nsecret-value";
        TestJobs job = job();

        github.maskNatively(job.env, value);

        // The shell-quoted variant keeps the newline: its lines must be masks of their own.
        assertThat(GitHubRunner.masks(job.stdout())).contains("it'\\''s\nsecret-value", "it'\\''s");
    }

    @Test
    void maskNativelyWhenMultiLineValueHasShortLinesThenOnlyItsLongLinesAreMasks() {
        String json = "{\n  \"client_secret\": \"abc123-def456\"\n}\n";
        TestJobs job = job();

        github.maskNatively(job.env, json);

        List<String> masks = GitHubRunner.masks(job.stdout());
        // The runner registers each line of a multi-line mask: the whole JSON would make "{" and "}" masks.
        assertThat(masks).doesNotContain(json, "{", "}").contains("  \"client_secret\": \"abc123-def456\"");
        assertThat(masks).allSatisfy(mask -> assertThat(mask.lines()).allMatch(l -> l.isEmpty() || l.length() >= 4));
        assertThat(masks).as("single-line variants still registered")
                .contains("{\\n  \\\"client_secret\\\": \\\"abc123-def456\\\"\\n}\\n");
    }

    static Stream<Arguments> awkwardValues() {
        return Stream.of(
                Arguments.of("single line", "s3cr3t-value"),
                Arguments.of("EOF lines", "first\nEOF\nEOF\nlast"),
                Arguments.of("toolkit delimiter look-alike", "ghadelimiter_\nghadelimiter_1234\n"),
                Arguments.of("trailing newline", "value\n"),
                Arguments.of("leading empty lines", "\n\nvalue"),
                Arguments.of("empty", ""),
                Arguments.of("assignment and heredoc syntax", "A=B<<C\nD<<E=F"),
                Arguments.of("unicode", "päßwörd ☃ 🔑"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("awkwardValues")
    void exportWhenAwkwardValueThenRunnerReadsItBackExactly(String label, String value) throws IOException {
        GitHubRunner runner = GitHubRunner.withIdToken(dir, endpoint);
        TestJobs job = TestJobs.job(runner.variables(), dir);

        String note = github.export(job.env, "DB_PASSWORD", value);

        assertThat(GitHubRunner.readFileCommands(runner.envFile())).containsExactly(Map.entry("DB_PASSWORD", value));
        assertThat(note).contains("GITHUB_ENV");
        if (!value.isEmpty()) {
            assertThat(note).doesNotContain(value);
        }
    }

    @Test
    void exportWhenSeveralValuesThenEachHasItsOwnRandomDelimiter() throws IOException {
        GitHubRunner runner = GitHubRunner.withIdToken(dir, endpoint);
        TestJobs job = TestJobs.job(runner.variables(), dir);

        github.export(job.env, "A", "one");
        github.export(job.env, "B", "two\nlines");

        String content = Files.readString(runner.envFile());
        Matcher m = Pattern.compile("^[AB]<<(ghadelimiter_[0-9a-f-]{36})$", Pattern.MULTILINE).matcher(content);
        List<String> delimiters = new ArrayList<>();
        while (m.find()) {
            delimiters.add(m.group(1));
        }
        assertThat(delimiters).hasSize(2).doesNotHaveDuplicates();
        assertThat(GitHubRunner.readFileCommands(runner.envFile())).containsExactly(Map.entry("A", "one"),
                Map.entry("B", "two\nlines"));
    }

    @Test
    void exportWhenValueContainsTheDelimiterThenRefusedAndNothingWritten() throws IOException {
        GitHubRunner runner = GitHubRunner.withIdToken(dir, endpoint);
        TestJobs job = TestJobs.job(runner.variables(), dir);
        GitHubActions fixed = new GitHubActions(() -> "ghadelimiter_fixed");

        assertThatThrownBy(() -> fixed.export(job.env, "X", "a\nghadelimiter_fixed\nB=evil"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("delimiter")
                .hasMessageNotContaining("evil");
        assertThat(Files.size(runner.envFile())).isZero();
    }

    @Test
    void exportWhenValueHasCarriageReturnThenRefusedBecauseTheRunnerCannotKeepIt() throws IOException {
        GitHubRunner runner = GitHubRunner.withIdToken(dir, endpoint);
        TestJobs job = TestJobs.job(runner.variables(), dir);

        assertThatThrownBy(() -> github.export(job.env, "X", "line1\r\nline2"))
                .isInstanceOf(IOException.class).hasMessageContaining("carriage return");
        assertThat(Files.size(runner.envFile())).isZero();
    }

    @Test
    void exportThenEveryMaskIsWrittenBeforeTheValueReachesTheFile() throws Exception {
        GitHubRunner runner = GitHubRunner.withIdToken(dir, endpoint);
        Path envFile = runner.envFile();
        List<Long> fileSizeAtEachStdoutWrite = new ArrayList<>();
        OutputStream probe = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                fileSizeAtEachStdoutWrite.add(Files.size(envFile));
            }
        };
        var env = new JobEnvironment(runner.variables(), new PrintStream(probe, true, StandardCharsets.UTF_8), dir,
                HttpClient.newHttpClient());

        github.export(env, "KEY", TestJobs.pemPrivateKey());

        assertThat(fileSizeAtEachStdoutWrite).isNotEmpty().containsOnly(0L);
        assertThat(Files.size(envFile)).isPositive();
    }

    @Test
    void setOutputAndSaveStateThenWrittenToTheirOwnFiles() throws IOException {
        GitHubRunner runner = GitHubRunner.withIdToken(dir, endpoint);
        TestJobs job = TestJobs.job(runner.variables(), dir);

        github.setOutput(job.env, "lease_id", "lease-123");
        github.saveState(job.env, "session", "sgs_sessiontoken\nwith-line");

        assertThat(GitHubRunner.readFileCommands(runner.outputFile())).containsExactly(Map.entry("lease_id",
                "lease-123"));
        assertThat(GitHubRunner.readFileCommands(runner.stateFile())).containsExactly(Map.entry("session",
                "sgs_sessiontoken\nwith-line"));
        assertThat(GitHubRunner.masks(job.stdout())).contains("sgs_sessiontoken\nwith-line", "sgs_sessiontoken");
        assertThat(Files.size(runner.envFile())).isZero();
    }

    @Test
    void savePublicStateThenWrittenUnmaskedAndOneLineOnly() throws IOException {
        GitHubRunner runner = GitHubRunner.withIdToken(dir, endpoint);
        TestJobs job = TestJobs.job(runner.variables(), dir);

        github.savePublicState(job.env, "SEGURA_URL", "https://segura.example.com");

        assertThat(GitHubRunner.readFileCommands(runner.stateFile())).containsExactly(Map.entry("SEGURA_URL",
                "https://segura.example.com"));
        assertThat(GitHubRunner.masks(job.stdout())).isEmpty();
        assertThatThrownBy(() -> github.savePublicState(job.env, "SEGURA_URL", "https://a\nb"))
                .isInstanceOf(IOException.class).hasMessageContaining("not one line");
    }

    @Test
    void exportWhenNameInvalidThenRejected() {
        TestJobs job = job();

        assertThatThrownBy(() -> github.export(job.env, "A=B", "v")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> github.export(job.env, "X<<Y", "v")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void describeThenRunFactsAndNeverATokenOrRequestToken() throws Exception {
        TestJobs job = job();
        String jwt = TestJobs.jwt(github.identity(job.env, "https://segura.example.com"));

        Map<String, String> facts = github.describe(job.env);

        assertThat(facts).containsEntry("platform", "github-actions")
                .containsEntry("repository", "octo-org/octo-repo")
                .containsEntry("repository_id", "74")
                .containsEntry("run_id", "1658821493")
                .containsEntry("pipeline", "octo-org/octo-repo/.github/workflows/deploy.yml@refs/heads/main")
                .containsEntry("ref", "refs/heads/main")
                .containsEntry("event", "push")
                .containsEntry("actor", "octocat");
        assertThat(String.join("\n", facts.values())).doesNotContain(endpoint.requestToken()).doesNotContain(jwt);
    }
}
