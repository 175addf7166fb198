// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.testkit.broker.BrokerLauncher;
import io.segura.testkit.platform.GitLabSimulator;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code segura-cli sync status|run} against a broker process whose trust config syncs one GitLab project (the
 * simulator, through the broker's real gitlab4j client): status follows the mapping to in_sync, a variable deleted in
 * GitLab is written back by a forced run and shows in_sync again, an unknown target is a clear error, and no value is
 * printed.
 */
class SyncCommandTest {

    static final String TOKEN = "glpat-cli-sync-test-00000000000";
    static final String VALUE = "cli-Sync.value-0001";

    @TempDir
    Path work;

    GitLabSimulator gitlab = GitLabSimulator.start(TOKEN).project("acme/cli", 5);
    BrokerLauncher broker;

    @AfterEach
    void stop() throws Exception {
        if (broker != null) {
            broker.close();
        }
        gitlab.close();
    }

    @Test
    void syncStatusAndRunWhenGitLabTargetThenInSyncAfterRunAndUnknownTargetRefused() throws Exception {
        broker = BrokerLauncher.builder().owner("SyncCommandTest").config(String.join("\n",
                "issuers:", "  - name: ci", "    issuer: https://127.0.0.1:9", "    audiences: [\"https://segura.test\"]",
                "roles:", "  - name: ci", "    issuers: [ci]", "    bound-claims:", "      sub: \"repo:acme/*\"",
                "    secrets: [\"ci/*\"]",
                "sync:", "  - name: cli-gitlab", "    platform: gitlab", "    url: " + gitlab.url(),
                "    project: acme/cli", "    token-secret: sync/gitlab/token", "    variables:",
                "      - secret: ci/password > CI_PASSWORD", "        protected: true", ""))
                .env("SEGURA_SYNC_POLL_INTERVAL", "200ms").start();
        // Before the token is in the vault the target may already show failed (exit 1) with why; the mapping waits.
        var pending = cli("sync", "status");
        assertThat(pending.exitCode()).as(pending.err()).isIn(0, 1);
        assertThat(pending.out()).contains("cli-gitlab (gitlab " + gitlab.url() + ")", "CI_PASSWORD", "ci/password",
                "pending");

        broker.putSecret("sync/gitlab/token", TOKEN);
        broker.putSecret("ci/password", VALUE);
        CliHarness.Result status = awaitStatus("in_sync");
        assertThat(status.exitCode()).isZero();
        assertThat(status.out()).contains("cli-gitlab", "CI_PASSWORD", "in_sync", "v1").doesNotContain(VALUE, TOKEN);

        gitlab.changeProjectVariable("acme/cli", "CI_PASSWORD", "*", v -> null);
        var run = cli("sync", "run", "cli-gitlab");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("queued a full sync of cli-gitlab");
        awaitCondition(() -> gitlab.projectVariables("acme/cli").size() == 1);
        assertThat(gitlab.projectVariables("acme/cli").get(0).isProtected()).isTrue();

        // The run records its state after the remote write, in its own transaction: GitLab holding the variable
        // again does not yet mean the status says so. Meanwhile a scheduled check may report the deletion (drifted).
        var json = awaitStatus("\"status\":\"in_sync\"", "cli-gitlab", "--json");
        assertThat(json.out()).contains("\"status\":\"in_sync\"").doesNotContain(VALUE, TOKEN);

        var unknown = cli("sync", "run", "nope");
        assertThat(unknown.exitCode()).isNotZero();
        assertThat(unknown.err()).contains("no sync target nope");
    }

    private CliHarness.Result awaitStatus(String expected, String... more) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
        String[] args = new String[2 + more.length];
        args[0] = "sync";
        args[1] = "status";
        System.arraycopy(more, 0, args, 2, more.length);
        while (true) {
            CliHarness.Result r = cli(args);
            if (r.out().contains(expected) || Instant.now().isAfter(deadline)) {
                return r;
            }
            Thread.sleep(200);
        }
    }

    private static void awaitCondition(java.util.function.BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out");
            }
            Thread.sleep(100);
        }
    }

    private CliHarness.Result cli(String... args) {
        return CliHarness.run(CliHarness.env(Map.of("SEGURA_URL", broker.url().toString(), "SEGURA_ADMIN_TOKEN",
                broker.adminToken())), "", work, args);
    }
}
