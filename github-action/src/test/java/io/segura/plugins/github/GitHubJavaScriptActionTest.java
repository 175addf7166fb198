// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.github;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.plugins.github.DockerActionRunner.Stage;
import io.segura.plugins.github.DockerActionRunner.StepResult;
import io.segura.testkit.broker.BrokerLauncher;
import io.segura.testkit.cli.CliBuild;
import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.platform.GitHubRunner;
import io.segura.testkit.platform.GitHubTokenEndpoint;
import io.segura.testkit.postgres.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default action — {@code action.yml}, {@code node lib/main.js} then {@code node lib/post.js} — as the runner runs
 * it: the step's {@code INPUT_*}, {@code GITHUB_*} variables and file-command files, GitHub's token endpoint, a tool
 * cache, and a release server on loopback that serves the built {@code segura-cli.jar} through
 * {@code cli-download-url} (checked against {@code dist/segura-cli.sha256}, which the build wrote from that jar).
 * Against a live broker whose issuer audience is the URL the job uses, so the README's usage runs as written.
 */
class GitHubJavaScriptActionTest {

    static final String PASSWORD = "pa55-w0rd-for-github-js";
    static final String STRIPE = "sk_live_js_action_4242";

    static IssuerSimulator issuer;
    static TestDatabase db;
    static BrokerLauncher broker;
    static LoopbackHttp front;
    static LoopbackHttp release;
    static String vaultUrl;

    @TempDir
    Path work;

    @TempDir
    static Path sharedToolCache;

    @BeforeAll
    static void start() throws Exception {
        issuer = IssuerSimulator.start();
        front = LoopbackHttp.front();
        vaultUrl = front.origin();
        db = TestDatabase.create("GitHubJavaScriptActionTest");
        broker = BrokerLauncher.builder().owner("GitHubJavaScriptActionTest").database(db).config(brokerConfig())
                .start();
        front.forwardTo(broker.url());
        broker.putSecret("db/prod/password", PASSWORD);
        broker.putSecret("dynamic/pg-admin", "trust-auth-ignores-it");
        broker.putSecret("api/stripe/key", STRIPE);
        release = LoopbackHttp.release(Plugin.version(), CliBuild.jar());
    }

    /**
     * The README's broker side: one role for the repository (so `role` may be omitted), two for repository 76; the
     * first may also request the dynamic secret db/app, a PostgreSQL user in the test database.
     */
    static String brokerConfig() {
        return String.join("\n",
                "issuers:",
                "  - name: github",
                "    preset: github-actions",
                "    issuer: " + issuer.issuer(),
                "    audiences: [\"" + vaultUrl + "\"]",
                "roles:",
                "  - name: deploy-prod",
                "    issuers: [github]",
                "    bound-claims:",
                "      repository_id: \"74\"",
                "      ref: refs/heads/main",
                "    secrets: [\"db/prod/*\", \"api/stripe/*\"]",
                "    dynamic: [db/app]",
                "  - name: reports-a",
                "    issuers: [github]",
                "    bound-claims: {repository_id: \"76\"}",
                "    secrets: [\"db/prod/*\"]",
                "  - name: reports-b",
                "    issuers: [github]",
                "    bound-claims: {repository_id: \"76\"}",
                "    secrets: [\"db/prod/*\"]",
                "dynamic:",
                "  postgresql:",
                db.postgresqlEngineYaml("db/app"),
                "");
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {release, broker, front, issuer}) {
            if (c != null) {
                c.close();
            }
        }
        if (db != null) {
            db.drop();
        }
    }

    static Map<String, Object> claims(String sub, String repositoryId) {
        return GitHubActionEndToEndTest.claims(sub, repositoryId);
    }

    /** The README's usage as written, plus the loopback release as the jar's download URL. */
    static Map<String, String> readmeWith(String... more) {
        Map<String, String> with = new LinkedHashMap<>();
        with.put("vault-url", vaultUrl);
        with.put("secrets", "db/prod/password > DB_PASSWORD\napi/stripe/key   > STRIPE_KEY\n");
        with.put("cli-download-url", release.origin() + "/releases/v" + Plugin.version() + "/segura-cli.jar");
        for (int i = 0; i < more.length; i += 2) {
            with.put(more[i], more[i + 1]);
        }
        return with;
    }

    static NodeActionRunner runner(Path toolCache) throws Exception {
        return new NodeActionRunner(ActionManifest.load(Plugin.actionYml()), Plugin.actionDir(), toolCache);
    }

    @Test
    void readmeUsageWhenRoleOmittedThenBrokerImpliesItAndSecretsMaskedExportedAndRevokedByPost() throws Exception {
        String sub = "repo:octo-org/octo-repo:ref:refs/heads/main:js-readme";
        try (GitHubTokenEndpoint endpoint = GitHubTokenEndpoint.start(issuer, claims(sub, "74"))) {
            Flow flow = Flow.run(runner(sharedToolCache), endpoint, work, readmeWith(), sub);

            assertThat(flow.main.exitCode()).as(flow.main.log()).isZero();
            RunnerLog.assertMaskedBeforeAnyValue(flow.main.log(), List.of(PASSWORD, STRIPE));
            assertThat(GitHubRunner.masks(flow.main.log())).as("encoded variants masked too")
                    .contains(Base64.getEncoder().encodeToString(PASSWORD.getBytes(StandardCharsets.UTF_8)))
                    .as("the broker URL is no secret").noneMatch(m -> m.contains("127.0.0.1"));
            assertThat(GitHubRunner.readFileCommands(flow.mainStep.envFile()))
                    .containsEntry("DB_PASSWORD", PASSWORD).containsEntry("STRIPE_KEY", STRIPE);
            Map<String, String> outputs = GitHubRunner.readFileCommands(flow.mainStep.outputFile());
            assertThat(outputs).containsEntry("DB_PASSWORD", PASSWORD).containsEntry("STRIPE_KEY", STRIPE);
            assertThat(flow.activeAfterMain).hasSize(1);
            assertThat(outputs).containsEntry("lease-id", String.valueOf(flow.activeAfterMain.get(0).get("lease_id")));
            assertThat(flow.state).containsKey("SEGURA_SESSION").containsEntry("SEGURA_URL", vaultUrl);
            assertThat(endpoint.requests()).singleElement()
                    .satisfies(r -> assertThat(r.query()).containsEntry("audience", vaultUrl));

            assertThat(flow.post.exitCode()).as(flow.post.log()).isZero();
            RunnerLog.assertMaskedBeforeAnyValue(flow.post.log(), List.of());
            assertThat(flow.post.log()).doesNotContain(flow.state.get("SEGURA_SESSION"), PASSWORD)
                    .contains("from the tool cache");
            assertThat(broker.leases(true, sub)).as("active leases after the post step").isEmpty();
            assertThat(broker.events("session.revoked", sub)).isNotEmpty();
        }
    }

    @Test
    void dynamicSecretWhenRequestedThenUrlAndPasswordMaskedALaterStepLogsInAndThePostStepDropsTheUser()
            throws Exception {
        String sub = "repo:octo-org/octo-repo:ref:refs/heads/main:js-dynamic";
        try (GitHubTokenEndpoint endpoint = GitHubTokenEndpoint.start(issuer, claims(sub, "74"))) {
            Map<String, String> with = readmeWith("secrets", String.join("\n",
                    "db/prod/password > DB_PASSWORD",
                    "dynamic:db/app > DATABASE_URL",
                    "dynamic:db/app.username > PGUSER",
                    "dynamic:db/app.password > PGPASSWORD", ""));
            NodeActionRunner runner = runner(sharedToolCache);
            GitHubRunner mainStep = GitHubRunner.withIdToken(work, endpoint);
            StepResult main = runner.run(Stage.MAIN, mainStep, work, with, Map.of());

            assertThat(main.exitCode()).as(main.log()).isZero();
            Map<String, String> env = GitHubRunner.readFileCommands(mainStep.envFile());
            String url = env.get("DATABASE_URL");
            String user = env.get("PGUSER");
            String password = env.get("PGPASSWORD");
            assertThat(url).as("one credential for the three specs").startsWith("postgresql://")
                    .contains(user, password);
            RunnerLog.assertMaskedBeforeAnyValue(main.log(), List.of(PASSWORD, url, password));
            assertThat(GitHubRunner.readFileCommands(mainStep.outputFile())).containsEntry("DATABASE_URL", url)
                    .containsEntry("PGPASSWORD", password);
            assertThat(main.log()).contains("dynamic secret db/app: lease");
            Map<String, String> state = GitHubRunner.readFileCommands(mainStep.stateFile());

            // a later step of the job: psql logs in with what the action exported
            assertThat(psql(url)).isEqualTo(user);

            StepResult post = runner.run(Stage.POST, GitHubRunner.withIdToken(work, endpoint), work, with, state);
            assertThat(post.exitCode()).as(post.log()).isZero();
            assertThat(post.log()).doesNotContain(password, url);
            try (java.sql.Connection c = db.connect(); java.sql.Statement st = c.createStatement();
                    java.sql.ResultSet rs = st.executeQuery("SELECT 1 FROM pg_roles WHERE rolname = '" + user
                            + "'")) {
                assertThat(rs.next()).as("the post step dropped " + user).isFalse();
            }
            assertThat(broker.events("dynamic.revoked", sub)).hasSize(1);
            assertThat(broker.leases(true, sub)).isEmpty();
        }
    }

    /** {@code current_user} of a real {@code psql} login with {@code url}, as a later step of the job runs it. */
    static String psql(String url) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("psql", url, "-Atc", "select current_user").redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor()).as("psql: " + out).isZero();
        return out;
    }

    @Test
    void secondJobOnTheRunnerWhenJarCachedThenNoDownloadAndChecksumVerifiedAgain() throws Exception {
        Path toolCache = Files.createDirectories(work.resolve("toolcache"));
        String sub = "repo:octo-org/octo-repo:ref:refs/heads/main:js-cache";
        try (GitHubTokenEndpoint endpoint = GitHubTokenEndpoint.start(issuer, claims(sub, "74"))) {
            int before = release.requests().size();
            Flow first = Flow.run(runner(toolCache), endpoint, Files.createDirectories(work.resolve("job1")),
                    readmeWith(), sub);
            assertThat(first.main.exitCode()).as(first.main.log()).isZero();
            assertThat(first.main.log()).contains("downloaded from " + release.origin());
            assertThat(release.requests()).hasSize(before + 1);

            Flow second = Flow.run(runner(toolCache), endpoint, Files.createDirectories(work.resolve("job2")),
                    readmeWith(), sub);
            assertThat(second.main.exitCode()).as(second.main.log()).isZero();
            assertThat(second.main.log()).contains("from the tool cache").contains("verified")
                    .doesNotContain("downloaded from");
            assertThat(release.requests()).as("the second job downloaded nothing").hasSize(before + 1);
            assertThat(toolCache.resolve("segura-cli").resolve(Plugin.version())).isDirectory();
            assertThat(second.post.exitCode()).as(second.post.log()).isZero();
            assertThat(broker.leases(true, sub)).isEmpty();
        }
    }

    @Test
    void urlAliasWithRoleAndAudienceThenSameResult() throws Exception {
        String sub = "repo:octo-org/octo-repo:ref:refs/heads/main:js-alias";
        try (GitHubTokenEndpoint endpoint = GitHubTokenEndpoint.start(issuer, claims(sub, "74"))) {
            Map<String, String> with = readmeWith("role", "deploy-prod", "audience", vaultUrl,
                    "export-env", "false");
            with.put("url", with.remove("vault-url"));
            Flow flow = Flow.run(runner(sharedToolCache), endpoint, work, with, sub);

            assertThat(flow.main.exitCode()).as(flow.main.log()).isZero();
            assertThat(Files.readString(flow.mainStep.envFile(), StandardCharsets.UTF_8)).isEmpty();
            assertThat(GitHubRunner.readFileCommands(flow.mainStep.outputFile())).containsEntry("DB_PASSWORD",
                    PASSWORD);
            assertThat(flow.post.exitCode()).as(flow.post.log()).isZero();
            assertThat(broker.leases(true, sub)).isEmpty();
        }
    }

    @Test
    void roleOmittedWhenSeveralRolesMatchThenErrorNamesThemAndNothingWritten() throws Exception {
        String sub = "repo:octo-org/reports:ref:refs/heads/main:js-ambiguous";
        try (GitHubTokenEndpoint endpoint = GitHubTokenEndpoint.start(issuer, claims(sub, "76"))) {
            GitHubRunner step = GitHubRunner.withIdToken(work, endpoint);
            StepResult main = runner(sharedToolCache).run(Stage.MAIN, step, work, readmeWith(), Map.of());

            assertThat(main.exitCode()).as(main.log()).isNotZero();
            assertThat(main.log()).contains("several roles", "reports-a", "reports-b").doesNotContain(PASSWORD);
            assertThat(Files.readString(step.envFile(), StandardCharsets.UTF_8)).isEmpty();
            assertThat(GitHubRunner.readFileCommands(step.stateFile())).isEmpty();
            assertThat(broker.leases(false, sub)).isEmpty();
        }
    }

    @Test
    void jobWithoutIdTokenPermissionThenErrorSaysSoAndPostHasNothingToDo() throws Exception {
        GitHubRunner step = GitHubRunner.withoutIdToken(work);
        StepResult main = runner(sharedToolCache).run(Stage.MAIN, step, work, readmeWith(), Map.of());

        assertThat(main.exitCode()).as(main.log()).isEqualTo(4);
        assertThat(main.log()).contains("permissions: id-token: write");
        assertThat(Files.readString(step.envFile(), StandardCharsets.UTF_8)).isEmpty();
        assertThat(Files.readString(step.outputFile(), StandardCharsets.UTF_8)).isEmpty();
        StepResult post = runner(sharedToolCache).run(Stage.POST, GitHubRunner.withoutIdToken(work), work,
                readmeWith(), Map.of());
        assertThat(post.exitCode()).as(post.log()).isZero();
        assertThat(post.log()).contains("no session to revoke");
    }

    @Test
    void missingVaultUrlThenErrorNamesTheInput() throws Exception {
        Map<String, String> with = readmeWith();
        with.remove("vault-url");
        StepResult main = runner(sharedToolCache).run(Stage.MAIN, GitHubRunner.withoutIdToken(work), work, with,
                Map.of());
        assertThat(main.exitCode()).isEqualTo(2);
        assertThat(main.log()).contains("::error title=Segura::input vault-url is required");
    }

    /** The main stage, then the post stage with the state the main stage saved, as one job. */
    static final class Flow {
        GitHubRunner mainStep;
        StepResult main;
        Map<String, String> state;
        List<Map<String, Object>> activeAfterMain;
        StepResult post;

        static Flow run(NodeActionRunner runner, GitHubTokenEndpoint endpoint, Path work, Map<String, String> with,
                String sub) throws Exception {
            Flow f = new Flow();
            f.mainStep = GitHubRunner.withIdToken(work, endpoint);
            f.main = runner.run(Stage.MAIN, f.mainStep, work, with, Map.of());
            f.state = GitHubRunner.readFileCommands(f.mainStep.stateFile());
            f.activeAfterMain = broker.leases(true, sub);
            f.post = runner.run(Stage.POST, GitHubRunner.withIdToken(work, endpoint), work, with, f.state);
            return f;
        }
    }
}
