// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segura.testkit.broker.BrokerLauncher;
import io.segura.testkit.postgres.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code segura-cli admin rekey} against broker processes on one PostgreSQL database: 40 versions written under
 * the old key, a broker restarted with the new key (the old one as previous), a wrong key refused, a rotation
 * started by the CLI and held half-way (the test locks one version's row), the broker killed with SIGKILL there, a
 * new broker process that takes the job over once the dead one's claim expires and finishes it (each version
 * re-wrapped exactly once), {@code --status --wait} following it to the end, and a broker started with only the old
 * key refused.
 */
class AdminRekeyCommandTest {

    static final String OLD_KEY = Base64.getEncoder().encodeToString("the-old-master-key-32-bytes-long".getBytes());
    static final String NEW_KEY = Base64.getEncoder().encodeToString("the-new-master-key-32-bytes-long".getBytes());
    static final String TYPO_KEY = Base64.getEncoder().encodeToString("the-new-master-key-32-bytes-lonG".getBytes());
    static final int VERSIONS = 40;
    static final String CONFIG = String.join("\n", "issuers:", "  - name: ci", "    issuer: https://127.0.0.1:9",
            "    audiences: [\"https://segura.test\"]", "roles:", "  - name: ci", "    issuers: [ci]",
            "    bound-claims:", "      sub: \"repo:acme/*\"", "    secrets: [\"ci/*\"]", "");

    @TempDir
    Path work;

    TestDatabase db;
    final List<BrokerLauncher> brokers = new java.util.ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (BrokerLauncher b : brokers) {
            b.close();
        }
        if (db != null) {
            db.drop();
        }
    }

    @Test
    void rekeyWhenBrokerKilledMidJobThenAnotherFinishesItAndTheCliFollowsItToTheEnd() throws Exception {
        try {
            db = TestDatabase.create("AdminRekeyCommandTest");
        } catch (SQLException e) {
            Assumptions.assumeFalse(Boolean.parseBoolean(System.getenv(TestDatabase.REQUIRE_ENV)), e.getMessage());
            Assumptions.abort("PostgreSQL not reachable (" + e.getMessage() + ")");
        }
        BrokerLauncher before = start(OLD_KEY, null);
        for (int i = 0; i < VERSIONS; i++) {
            before.putSecret(path(i), "value-" + i);
        }
        before.close();
        brokers.remove(before);

        BrokerLauncher first = start(NEW_KEY, OLD_KEY);
        Path newKey = keyFile("new.key", NEW_KEY);
        Path typo = keyFile("typo.key", TYPO_KEY);
        String newId = AdminCommand.Rekey.keyId(newKey);
        String oldId = AdminCommand.Rekey.keyId(keyFile("old.key", OLD_KEY));

        var none = cli(first, "admin", "rekey", "--status");
        assertThat(none.exitCode()).as(none.err()).isZero();
        assertThat(none.out()).contains("no master-key rotation has run; the broker's current key is " + newId,
                VERSIONS + " still under older keys {" + oldId + "=" + VERSIONS + "}");

        var usage = cli(first, "admin", "rekey");
        assertThat(usage.exitCode()).isEqualTo(2);
        assertThat(usage.err()).contains("give --key-file FILE or --expect-key-id ID");
        var wrong = cli(first, "admin", "rekey", "--key-file", typo.toString());
        assertThat(wrong.exitCode()).isEqualTo(2);
        assertThat(wrong.err()).contains("409", "current master key is " + newId + ", not "
                + AdminCommand.Rekey.keyId(typo));
        var noAdmin = CliHarness.run(CliHarness.env(Map.of("SEGURA_URL", first.url().toString(),
                "SEGURA_ADMIN_TOKEN", "sga_wrong-admin-token-0123456789abcdef")), "", work, "admin", "rekey",
                "--status");
        assertThat(noAdmin.exitCode()).isEqualTo(4);
        assertThat(first.admin("GET", "/api/v2/admin/rekey", null, 200)).containsEntry("state", "none");

        String deadWorker;
        try (Connection lock = db.connect()) {
            lock.setAutoCommit(false);
            try (Statement s = lock.createStatement()) {
                s.executeQuery("SELECT version FROM secret_versions WHERE path = '" + path(20) + "' FOR UPDATE")
                        .close();
            }
            var started = cli(first, "admin", "rekey", "--key-file", newKey.toString());
            assertThat(started.exitCode()).as(started.err()).isZero();
            assertThat(started.out()).contains("started master-key rotation");
            Map<String, Object> halfway = await(first, s -> ((Number) s.get("done")).intValue() == 20);
            deadWorker = (String) halfway.get("worker");
            assertThat(deadWorker).isNotNull();
            first.kill();
            lock.rollback();
        }
        assertThat(count("SELECT COUNT(*) FROM secret_versions WHERE kek_id = '" + newId + "'")).isEqualTo(20);
        assertThat(count("SELECT COUNT(*) FROM rekey_jobs WHERE state = 'running' AND rewrapped = 20")).isEqualTo(1);

        BrokerLauncher second = start(NEW_KEY, OLD_KEY);
        var waited = cli(second, "admin", "rekey", "--status", "--wait", "--poll", "1");
        assertThat(waited.exitCode()).as(waited.out() + waited.err()).isZero();
        assertThat(waited.out()).contains("done, 40 of 40 versions re-wrapped under key " + newId,
                "the old key may be removed from SEGURA_MASTER_KEY_PREVIOUS");
        Map<String, Object> done = second.admin("GET", "/api/v2/admin/rekey", null, 200);
        assertThat(done).containsEntry("state", "done").containsEntry("done", (long) VERSIONS)
                .containsEntry("remaining", 0L);
        assertThat(done.get("worker")).isNotNull().isNotEqualTo(deadWorker);
        assertThat(count("SELECT COUNT(*) FROM secret_versions WHERE kek_id = '" + newId + "'")).isEqualTo(VERSIONS);
        List<Map<String, Object>> rekeyed = second.events("vault.rekeyed", null);
        assertThat(rekeyed).singleElement().satisfies(e -> assertThat(details(e))
                .containsEntry("rewrapped", (long) VERSIONS).containsEntry("total", (long) VERSIONS)
                .containsEntry("target_key_id", newId).containsEntry("from_key_ids", List.of(oldId)));
        assertThat(second.events("vault.rekey_started", null)).singleElement()
                .satisfies(e -> assertThat(e.get("subject")).isEqualTo("admin"));
        var json = cli(second, "admin", "rekey", "--status", "--json");
        assertThat(json.out()).contains("\"state\":\"done\"").doesNotContain(NEW_KEY, OLD_KEY);
        second.close();
        brokers.remove(second);

        // Every version is under the new key: the old one is no longer needed; a broker given only the old key
        // (e.g. a replica rolled back by mistake) refuses to start instead of failing every lease.
        BrokerLauncher newOnly = start(NEW_KEY, null);
        assertThat(newOnly.admin("GET", "/api/v2/admin/rekey", null, 200)).containsEntry("remaining", 0L);
        newOnly.close();
        brokers.remove(newOnly);
        assertThatThrownBy(() -> start(OLD_KEY, null))
                .hasMessageContaining("The master keys are unusable; the broker refuses to start")
                .hasMessageContaining("sealed under master key " + newId)
                .hasMessageContaining("SEGURA_MASTER_KEY_PREVIOUS");
        for (BrokerLauncher b : brokers) {
            assertThat(b.log()).doesNotContain(NEW_KEY, OLD_KEY, "value-7");
        }
    }

    @Test
    void helpWhenAdminRekeyThenUsageWithRunnableExamplesAndBadOptionsAreUsageErrors() throws Exception {
        var help = CliHarness.run(CliHarness.env(Map.of()), "", work, "admin", "rekey", "--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("Usage: segura-cli admin rekey", "Examples:",
                "segura-cli admin rekey --key-file /run/secrets/segura-master-key --wait", "--status");
        var admin = CliHarness.run(CliHarness.env(Map.of()), "", work, "admin");
        assertThat(admin.out()).contains("rekey");
        Path bad = keyFile("short.key", Base64.getEncoder().encodeToString(new byte[31]));
        var shortKey = CliHarness.run(CliHarness.env(Map.of("SEGURA_URL", "http://127.0.0.1:9", "SEGURA_ADMIN_TOKEN",
                "sga_0123456789abcdef0123456789abcdef")), "", work, "admin", "rekey", "--key-file", bad.toString());
        assertThat(shortKey.exitCode()).isEqualTo(2);
        assertThat(shortKey.err()).contains("must decode to exactly 32 bytes, got 31");
        var both = CliHarness.run(CliHarness.env(Map.of()), "", work, "admin", "rekey", "--status",
                "--expect-key-id", "0123456789abcdef");
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.err()).contains("--status starts nothing");
        // The id the CLI computes is the broker's: this key's id appears in the broker's tests and README example.
        assertThat(AdminCommand.Rekey.keyId(keyFile("k.key", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")))
                .isEqualTo("d6fc54eab8308d12");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> details(Map<String, Object> event) {
        return (Map<String, Object>) event.get("details");
    }

    private BrokerLauncher start(String key, String previous) throws Exception {
        BrokerLauncher.Builder b = BrokerLauncher.builder().owner("AdminRekeyCommandTest").config(CONFIG)
                .database(db).env("SEGURA_MASTER_KEY", key).env("SEGURA_REKEY_PAGE_SIZE", "1")
                .env("SEGURA_REKEY_CLAIM_TTL", "3s");
        if (previous != null) {
            b.env("SEGURA_MASTER_KEY_PREVIOUS", previous);
        }
        BrokerLauncher broker = b.start();
        brokers.add(broker);
        return broker;
    }

    private CliHarness.Result cli(BrokerLauncher broker, String... args) {
        return CliHarness.run(CliHarness.env(Map.of("SEGURA_URL", broker.url().toString(), "SEGURA_ADMIN_TOKEN",
                broker.adminToken())), "", work, args);
    }

    private Path keyFile(String name, String base64) throws Exception {
        Path file = work.resolve(name);
        Files.writeString(file, base64 + "\n");
        return file;
    }

    /** Reads the status until {@code condition} holds; fails after 60 s with the last one. */
    private static Map<String, Object> await(BrokerLauncher broker, Predicate<Map<String, Object>> condition)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Map<String, Object> last = broker.admin("GET", "/api/v2/admin/rekey", null, 200);
        while (!condition.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the rotation never got there; last status " + last);
            }
            Thread.sleep(50);
            last = broker.admin("GET", "/api/v2/admin/rekey", null, 200);
        }
        return last;
    }

    private long count(String sql) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }

    private static String path(int i) {
        return "ci/rekey/s%02d".formatted(i);
    }
}
