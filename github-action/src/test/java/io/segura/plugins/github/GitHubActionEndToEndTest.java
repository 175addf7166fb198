// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.github;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.plugins.github.DockerActionRunner.Stage;
import io.segura.plugins.github.DockerActionRunner.StepResult;
import io.segura.testkit.broker.LiveBroker;
import io.segura.testkit.cli.CliBuild;
import io.segura.testkit.oidc.Fixtures;
import io.segura.testkit.platform.GitHubRunner;
import io.segura.testkit.platform.GitHubTokenEndpoint;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container variant ({@code container/action.yml}) as the runner runs it — {@code action.yml}'s args, env and
 * post-entrypoint, the step's {@code INPUT_*}, {@code GITHUB_*} variables and file-command files, GitHub's token
 * endpoint — against a live broker whose role is the README's (bound to {@code repository_id}). Without a container:
 * the image's entrypoint is the CLI jar; {@code GitHubActionContainerTest} runs the same flow in the real image.
 */
class GitHubActionEndToEndTest {

    static final String AUDIENCE = "https://segura.example.com";
    static final String PASSWORD = "pa55-w0rd-for-github";
    static final String KEY = "-----BEGIN KEY-----\nline-two-of-the-github-key\nline-three-tail\n-----END KEY-----";

    @TempDir
    Path work;

    @RegisterExtension
    static final LiveBroker live = LiveBroker.configuredBy(GitHubActionEndToEndTest::brokerConfig)
            .secret("db/prod/password", PASSWORD).secret("tls/prod/key", KEY);

    /** The README's broker-side YAML, with the simulator as the preset's issuer. */
    static String brokerConfig(String issuerUrl) {
        return String.join("\n",
                "issuers:",
                "  - name: github",
                "    preset: github-actions",
                "    issuer: " + issuerUrl,
                "    audiences: [\"" + AUDIENCE + "\"]",
                "roles:",
                "  - name: deploy-prod",
                "    issuers: [github]",
                "    bound-claims:",
                "      repository_id: \"74\"",
                "      ref: refs/heads/main",
                "      environment: prod",
                "    secrets: [\"db/prod/*\", \"tls/prod/*\"]",
                "    session-ttl: 10m",
                "    max-lease-ttl: 30m",
                "");
    }

    /** How the action's container is run; {@code GitHubActionContainerTest} runs the real image instead. */
    DockerActionRunner runner() throws Exception {
        return new DockerActionRunner(ActionManifest.load(Plugin.containerActionYml()),
                DockerActionRunner.host(CliBuild.jar(), CliBuild.imageBin()));
    }

    static Map<String, Object> claims(String sub, String repositoryId) {
        Map<String, Object> claims = new LinkedHashMap<>(Fixtures.claims("github-actions"));
        claims.put("sub", sub);
        claims.put("repository_id", repositoryId);
        return claims;
    }

    static Map<String, String> with(String... more) {
        Map<String, String> with = new LinkedHashMap<>();
        with.put("vault-url", live.broker().url().toString());
        with.put("role", "deploy-prod");
        with.put("audience", AUDIENCE);
        with.put("secrets", "db/prod/password > DB_PASSWORD\ntls/prod/key > TLS_KEY\n");
        for (int i = 0; i < more.length; i += 2) {
            with.put(more[i], more[i + 1]);
        }
        return with;
    }

    @Test
    void actionWhenJobHasIdTokenThenSecretsMaskedExportedAndRevokedByPostStep() throws Exception {
        String sub = "repo:octo-org/octo-repo:environment:prod:e2e-main";
        try (GitHubTokenEndpoint endpoint = GitHubTokenEndpoint.start(live.issuer(), claims(sub, "74"))) {
            Flow flow = Flow.run(runner(), endpoint, work, with(), sub);

            assertThat(flow.main.exitCode()).as(flow.main.log()).isZero();
            RunnerLog.assertMaskedBeforeAnyValue(flow.main.log(), List.of(PASSWORD, KEY));
            assertThat(GitHubRunner.masks(flow.main.log())).as("encoded variants masked too")
                    .contains(Base64.getEncoder().encodeToString(PASSWORD.getBytes(StandardCharsets.UTF_8)));
            String envFile = Files.readString(flow.mainStep.envFile(), StandardCharsets.UTF_8);
            assertThat(envFile).contains("DB_PASSWORD<<ghadelimiter_", "TLS_KEY<<ghadelimiter_");
            assertThat(GitHubRunner.readFileCommands(flow.mainStep.envFile()))
                    .containsEntry("DB_PASSWORD", PASSWORD).containsEntry("TLS_KEY", KEY);
            Map<String, String> outputs = GitHubRunner.readFileCommands(flow.mainStep.outputFile());
            assertThat(outputs).containsEntry("DB_PASSWORD", PASSWORD).containsEntry("TLS_KEY", KEY);
            List<Map<String, Object>> active = flow.activeAfterMain;
            assertThat(active).hasSize(1);
            assertThat(outputs).containsEntry("lease-id", String.valueOf(active.get(0).get("lease_id")));
            assertThat(flow.state).containsKey("SEGURA_SESSION").containsEntry("SEGURA_URL", live.broker().url().toString());
            assertThat(GitHubRunner.masks(flow.main.log())).as("the broker URL is no secret")
                    .noneMatch(m -> m.contains(live.broker().url().getHost() + ":" + live.broker().url().getPort()));
            assertThat(endpoint.requests()).singleElement()
                    .satisfies(r -> assertThat(r.query()).containsEntry("audience", AUDIENCE));

            assertThat(flow.post.exitCode()).as(flow.post.log()).isZero();
            RunnerLog.assertMaskedBeforeAnyValue(flow.post.log(), List.of());
            assertThat(flow.post.log()).doesNotContain(flow.state.get("SEGURA_SESSION"), PASSWORD);
            assertThat(live.broker().leases(true, sub)).as("active leases after the post step").isEmpty();
            assertThat(live.broker().events("session.revoked", sub)).isNotEmpty();
        }
    }

    @Test
    void actionWhenExportEnvFalseThenOnlyOutputs() throws Exception {
        String sub = "repo:octo-org/octo-repo:environment:prod:e2e-outputs";
        try (GitHubTokenEndpoint endpoint = GitHubTokenEndpoint.start(live.issuer(), claims(sub, "74"))) {
            Flow flow = Flow.run(runner(), endpoint, work, with("export-env", "false"), sub);

            assertThat(flow.main.exitCode()).as(flow.main.log()).isZero();
            RunnerLog.assertMaskedBeforeAnyValue(flow.main.log(), List.of(PASSWORD, KEY));
            assertThat(Files.readString(flow.mainStep.envFile(), StandardCharsets.UTF_8)).isEmpty();
            assertThat(GitHubRunner.readFileCommands(flow.mainStep.outputFile()))
                    .containsEntry("DB_PASSWORD", PASSWORD);
            assertThat(flow.post.exitCode()).as(flow.post.log()).isZero();
            assertThat(live.broker().leases(true, sub)).isEmpty();
            assertThat(live.broker().events("session.revoked", sub)).isNotEmpty();
        }
    }

    @Test
    void actionWhenJobLacksIdTokenPermissionThenErrorSaysSoAndNothingWritten() throws Exception {
        GitHubRunner step = GitHubRunner.withoutIdToken(work);
        StepResult main = runner().run(Stage.MAIN, step, work, with(), Map.of());

        assertThat(main.exitCode()).isEqualTo(4);
        assertThat(main.log()).contains("permissions: id-token: write");
        assertThat(Files.readString(step.envFile(), StandardCharsets.UTF_8)).isEmpty();
        assertThat(Files.readString(step.outputFile(), StandardCharsets.UTF_8)).isEmpty();
        assertThat(GitHubRunner.readFileCommands(step.stateFile())).isEmpty();
        StepResult post = runner().run(Stage.POST, GitHubRunner.withoutIdToken(work), work, with(), Map.of());
        assertThat(post.exitCode()).as("post step without a session").isZero();
    }

    @Test
    void actionWhenRepositoryIdDiffersThenRoleRefusesAndNoSecret() throws Exception {
        // Same owner/name as the bound repository, different id: a deleted and re-created repository.
        String sub = "repo:octo-org/octo-repo:environment:prod:e2e-recreated";
        try (GitHubTokenEndpoint endpoint = GitHubTokenEndpoint.start(live.issuer(), claims(sub, "75"))) {
            GitHubRunner step = GitHubRunner.withIdToken(work, endpoint);
            StepResult main = runner().run(Stage.MAIN, step, work, with(), Map.of());

            assertThat(main.exitCode()).as(main.log()).isEqualTo(4);
            assertThat(main.log()).doesNotContain(PASSWORD);
            assertThat(Files.readString(step.envFile(), StandardCharsets.UTF_8)).isEmpty();
            assertThat(live.broker().leases(false, sub)).isEmpty();
        }
    }

    /** The main stage, then the post stage with the state the main stage saved, as one job. */
    static final class Flow {
        GitHubRunner mainStep;
        StepResult main;
        Map<String, String> state;
        List<Map<String, Object>> activeAfterMain;
        StepResult post;

        static Flow run(DockerActionRunner runner, GitHubTokenEndpoint endpoint, Path work, Map<String, String> with,
                String sub) throws Exception {
            Flow f = new Flow();
            f.mainStep = GitHubRunner.withIdToken(work, endpoint);
            f.main = runner.run(Stage.MAIN, f.mainStep, work, with, Map.of());
            f.state = GitHubRunner.readFileCommands(f.mainStep.stateFile());
            f.activeAfterMain = live.broker().leases(true, sub);
            f.post = runner.run(Stage.POST, GitHubRunner.withIdToken(work, endpoint), work, with, f.state);
            return f;
        }
    }
}
