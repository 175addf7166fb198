// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.client.RetryPolicy;
import io.segura.testkit.broker.BrokerLauncher;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lease task, a Script task and the final revoke task in one simulated Bamboo job ({@link BambooJob}) against a
 * live broker on real PostgreSQL, bound to a client id the README's way ({@code clients:} + {@code secret-sha256}).
 * Every test scans the build log and what the Segura tasks wrote for the secret values and the client secret.
 */
class SecretsTaskEndToEndTest {

    static final String CLIENT = "bamboo-prod";
    static final String CLIENT_SECRET = "bamboo-client-secret-4f1c9d2e7a";
    static final String OTHER_CLIENT = "bamboo-other";
    static final String OTHER_SECRET = "other-client-secret-8b3e6a1f0c";
    static final String PASSWORD = "pa55-w0rd-for-bamboo-db";
    static final String KEY = "-----BEGIN KEY-----\nfirst-line-of-the-bamboo-key\nsecond-line-tail\n-----END KEY-----";
    static final RetryPolicy FAST = new RetryPolicy(2, Duration.ofMillis(10), Duration.ofMillis(20),
            Duration.ofSeconds(2));

    static BrokerLauncher broker;

    @TempDir
    Path work;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = BrokerLauncher.builder().owner("BambooSecretsTaskEndToEndTest").config(String.join("\n",
                "roles:",
                "  - name: bamboo-deploy",
                "    clients: [" + CLIENT + "]",
                "    secrets: [\"db/prod/*\", \"tls/prod/*\"]",
                "    session-ttl: 10m",
                "    max-lease-ttl: 30m",
                "  - name: other-team",
                "    clients: [" + OTHER_CLIENT + "]",
                "    secrets: [\"db/other/*\"]",
                "clients:",
                "  - id: " + CLIENT,
                "    secret-sha256: \"" + sha256(CLIENT_SECRET) + "\"",
                "  - id: " + OTHER_CLIENT,
                "    secret-sha256: \"" + sha256(OTHER_SECRET) + "\"",
                "")).start();
        broker.putSecret("db/prod/password", PASSWORD);
        broker.putSecret("tls/prod/key", KEY);
        broker.putSecret("db/other/password", "not-for-bamboo-prod-1234");
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    static StoredSettings settings() {
        return new StoredSettings(broker.url().toString(), Map.of(CLIENT, CLIENT_SECRET));
    }

    static Map<String, String> config(String role, String secrets) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put(SecretsTaskConfig.ROLE, role);
        c.put(SecretsTaskConfig.SECRETS, secrets);
        return c;
    }

    static final String SECRETS = "db/prod/password > DB_PASSWORD\ntls/prod/key > TLS_KEY_SECRET";

    BambooJob.Task lease(BambooJob job, Map<String, String> config, GlobalSettings server) {
        return j -> new SecretsTask(FAST).execute(job.run(config, server));
    }

    BambooJob.Task revoke(BambooJob job) {
        return j -> new RevokeTask(FAST).execute(job.run(Map.of(), StoredSettings.EMPTY));
    }

    static void assertNothingSecretIn(BambooJob job) {
        for (String text : List.of(job.logText(), job.seguraText())) {
            assertThat(text).doesNotContain(PASSWORD, CLIENT_SECRET, OTHER_SECRET, "sgs_",
                    Base64.getEncoder().encodeToString(PASSWORD.getBytes(StandardCharsets.UTF_8)));
            KEY.lines().filter(l -> l.length() >= 4 && !l.startsWith("-----"))
                    .forEach(l -> assertThat(text).doesNotContain(l));
            // No stack trace: no frames, no "Caused by", no "SomeException: message" header.
            assertThat(text).doesNotContain("\tat ", "Caused by", "Exception:");
        }
    }

    int revokedSessions() throws Exception {
        return broker.events("session.revoked", "client:" + CLIENT).size();
    }

    @Test
    void jobWhenLeasedThenScriptGetsMaskedVariablesAndFinalTaskRevokes() throws Exception {
        int before = revokedSessions();
        BambooJob job = new BambooJob(work);
        job.task(lease(job, config("bamboo-deploy", SECRETS), settings()))
                .task(job.script("deploy", "echo \"pw=$bamboo_DB_PASSWORD\"; printf '%s\\n' \"$bamboo_TLS_KEY_SECRET\";"
                        + " printf %s \"$bamboo_DB_PASSWORD\" | base64;"
                        + " printf %s \"$bamboo_DB_PASSWORD\" | sha256sum; printf %s \"$bamboo_TLS_KEY_SECRET\" |"
                        + " sha256sum"))
                .finalTask(revoke(job));

        assertThat(job.run()).as(job.logText()).isTrue();

        // The script saw the exact values (their hashes), and the log shows no form of them.
        assertThat(job.logText()).contains("pw=" + BambooJob.MASK, sha256(PASSWORD), sha256(KEY),
                "db/prod/password@1 → ${bamboo.DB_PASSWORD} (env bamboo_DB_PASSWORD)",
                "tls/prod/key@1 → ${bamboo.TLS_KEY_SECRET}", "session for role bamboo-deploy revoked with lease");
        assertNothingSecretIn(job);
        // Revoked: no active lease, one more session.revoked event, variables and the session record gone.
        assertThat(broker.leases(true, "client:" + CLIENT)).isEmpty();
        assertThat(revokedSessions()).isEqualTo(before + 1);
        assertThat(job.variables).isEmpty();
        try (Stream<Path> files = Files.list(work.resolve(SessionStore.DIRECTORY))) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void sessionRecordWhenWrittenThenOwnerOnlyAndHoldsNoValue() throws Exception {
        BambooJob job = new BambooJob(work);
        job.task(lease(job, config("bamboo-deploy", SECRETS), settings()));
        assertThat(job.run()).as(job.logText()).isTrue();

        Path dir = work.resolve(SessionStore.DIRECTORY);
        assertThat(Files.getPosixFilePermissions(dir)).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ,
                PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> records = files.toList();
            assertThat(records).hasSize(1);
            assertThat(Files.getPosixFilePermissions(records.get(0))).isEqualTo(Set.of(
                    PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
            String record = Files.readString(records.get(0));
            assertThat(record).contains("sgs_", "DB_PASSWORD").doesNotContain(PASSWORD, CLIENT_SECRET);
        }
        assertThat(broker.leases(true, "client:" + CLIENT)).isNotEmpty();
        // The revoke task of the same job ends it.
        assertThat(new RevokeTask(FAST).execute(job.run(Map.of(), StoredSettings.EMPTY)))
                .isEqualTo(TaskOutcome.SUCCESS);
        assertThat(broker.leases(true, "client:" + CLIENT)).isEmpty();
    }

    @Test
    void jobWhenScriptFailsThenFinalTaskStillRevokes() throws Exception {
        int before = revokedSessions();
        BambooJob job = new BambooJob(work);
        job.task(lease(job, config("bamboo-deploy", SECRETS), settings()))
                .task(job.script("deploy", "echo deploying; exit 3"))
                .task(job.script("after", "echo never"))
                .finalTask(revoke(job));

        assertThat(job.run()).isFalse();

        assertThat(job.ran).containsExactly("deploy");
        assertThat(job.logText()).contains("deploying", "exited with 3", "revoked");
        assertNothingSecretIn(job);
        assertThat(broker.leases(true, "client:" + CLIENT)).isEmpty();
        assertThat(revokedSessions()).isEqualTo(before + 1);
    }

    @Test
    void revokeWhenBrokerUnreachableThenFailsSaysWhenLeasesEndAndDeletesTheRecord() throws Exception {
        BambooJob job = new BambooJob(work);
        job.task(lease(job, config("bamboo-deploy", SECRETS), settings()));
        assertThat(job.run()).as(job.logText()).isTrue();
        Path record;
        try (Stream<Path> files = Files.list(work.resolve(SessionStore.DIRECTORY))) {
            record = files.findFirst().orElseThrow();
        }
        String original = Files.readString(record);
        String token = (String) io.segura.client.json.Json.parseObject(original).get("session");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Files.writeString(record, original.replace(broker.url().toString(), "http://127.0.0.1:" + port));
        try {
            assertThat(new RevokeTask(FAST).execute(job.run(Map.of(), StoredSettings.EMPTY)))
                    .isEqualTo(TaskOutcome.FAILED);

            assertThat(job.logText()).contains("is unavailable", "cannot connect",
                    "The session and its leases still end by themselves at");
            assertThat(record).doesNotExist();
            assertThat(job.variables).isEmpty();
            assertNothingSecretIn(job);
        } finally {
            new io.segura.client.BrokerClient(broker.url(), java.net.http.HttpClient.newHttpClient(), FAST, null)
                    .revoke(token);
        }
        assertThat(broker.leases(true, "client:" + CLIENT)).isEmpty();
    }

    @Test
    void leaseWhenNoClientCredentialsThenFailsWithTheFixAndScriptNeverRuns() throws Exception {
        BambooJob job = new BambooJob(work);
        job.task(lease(job, config("bamboo-deploy", SECRETS), new StoredSettings(broker.url().toString(), Map.of())))
                .task(job.script("deploy", "echo script-ran"))
                .finalTask(revoke(job));

        assertThat(job.run()).isFalse();

        assertThat(job.ran).isEmpty();
        assertThat(job.logText()).contains("Segura has no client credentials",
                "Fix: a Bamboo administrator adds the client id and secret", "no session to revoke");
        assertNothingSecretIn(job);
    }

    @Test
    void leaseWhenClientIdNotConfiguredThenNamesTheConfiguredOnes() throws Exception {
        Map<String, String> c = config("bamboo-deploy", SECRETS);
        c.put(SecretsTaskConfig.CLIENT_ID, "bamboo-staging");
        BambooJob job = new BambooJob(work);
        job.task(lease(job, c, settings()));

        assertThat(job.run()).isFalse();

        assertThat(job.logText()).contains("Client id \"bamboo-staging\"", "is not configured",
                "(configured: " + CLIENT + ")", "Fix: pick a configured client id");
        assertNothingSecretIn(job);
    }

    @Test
    void leaseWhenBrokerDoesNotKnowTheSecretThenInvalidClientAndFix() throws Exception {
        BambooJob job = new BambooJob(work);
        job.task(lease(job, config("bamboo-deploy", SECRETS), new StoredSettings(broker.url().toString(),
                Map.of(CLIENT, "wrong-secret-for-bamboo-prod-123"))));

        assertThat(job.run()).isFalse();

        assertThat(job.logText()).contains("The broker did not accept client \"bamboo-prod\"", "invalid_client",
                "failed authentication", "HTTP 401", "Fix: make the client secret", "secret-sha256");
        assertThat(job.logText()).doesNotContain("wrong-secret-for-bamboo-prod-123");
        assertNothingSecretIn(job);
    }

    @Test
    void leaseWhenRoleDoesNotAcceptTheClientThenInvalidScopeAndFix() throws Exception {
        BambooJob job = new BambooJob(work);
        job.task(lease(job, config("other-team", SECRETS), settings())).finalTask(revoke(job));

        assertThat(job.run()).isFalse();

        assertThat(job.logText()).contains("The broker refused role \"other-team\" to client \"bamboo-prod\"",
                "invalid_scope", "does not accept client", "Fix: list \"bamboo-prod\" in the role's `clients:`");
        assertNothingSecretIn(job);
    }

    @Test
    void leaseWhenPathOutsideTheRoleThenForbiddenAndSessionRevokedAtOnce() throws Exception {
        int before = revokedSessions();
        BambooJob job = new BambooJob(work);
        job.task(lease(job, config("bamboo-deploy", "db/other/password > OTHER_PASSWORD"), settings()))
                .finalTask(revoke(job));

        assertThat(job.run()).isFalse();

        assertThat(job.logText()).contains("Role \"bamboo-deploy\" may not lease db/other/password", "HTTP 403",
                "Fix: add the paths to the role's `secrets:`", "revoked because the task failed",
                "no session to revoke");
        assertNothingSecretIn(job);
        assertThat(revokedSessions()).isEqualTo(before + 1);
        assertThat(broker.leases(true, "client:" + CLIENT)).isEmpty();
    }

    @Test
    void leaseWhenSecretUnknownThenNotFoundAndFix() throws Exception {
        BambooJob job = new BambooJob(work);
        job.task(lease(job, config("bamboo-deploy", "db/prod/nothing-here > NOTHING_PASSWORD"), settings()));

        assertThat(job.run()).isFalse();

        assertThat(job.logText()).contains("db/prod/nothing-here", "HTTP 404", "Fix: check the task's Secrets field");
        assertNothingSecretIn(job);
    }

    @Test
    void leaseWhenBrokerUnreachableThenUnavailableAndFix() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        BambooJob job = new BambooJob(work);
        job.task(lease(job, config("bamboo-deploy", SECRETS), new StoredSettings("http://127.0.0.1:" + port,
                Map.of(CLIENT, CLIENT_SECRET))));

        assertThat(job.run()).isFalse();

        assertThat(job.logText()).contains("The broker at http://127.0.0.1:" + port + " is unavailable",
                "cannot connect", "after 2 attempts", "Fix: check the broker URL");
        assertNothingSecretIn(job);
    }

    @Test
    void leaseWhenVariableNameWouldNotBeMaskedThenRefusedBeforeAnyBrokerCall() throws Exception {
        int sessions = broker.events("token.exchanged", "client:" + CLIENT).size();
        BambooJob job = new BambooJob(work);
        job.task(lease(job, config("bamboo-deploy", "db/prod/password > DB_PASS"), settings()));

        assertThat(job.run()).isFalse();

        assertThat(job.logText()).contains("Variable DB_PASS (for db/prod/password) would not be masked",
                "Fix: name it so", "db/prod/password > DB_PASS_SECRET");
        assertThat(broker.events("token.exchanged", "client:" + CLIENT)).hasSize(sessions);
    }

    @Test
    void leaseWhenNotConfiguredThenSaysWhereTheBrokerUrlGoes() throws Exception {
        BambooJob job = new BambooJob(work);
        job.task(lease(job, config("bamboo-deploy", SECRETS), new StoredSettings(null, Map.of(CLIENT,
                CLIENT_SECRET))));

        assertThat(job.run()).isFalse();

        assertThat(job.logText()).contains("no broker URL", "Administration › Segura secrets");
    }

    @Test
    void twoLeaseTasksWhenJobEndsThenBothSessionsRevoked() throws Exception {
        int before = revokedSessions();
        BambooJob job = new BambooJob(work);
        job.task(lease(job, config("bamboo-deploy", "db/prod/password > DB_PASSWORD"), settings()))
                .task(lease(job, config("bamboo-deploy", "tls/prod/key > TLS_SECRET"), settings()))
                .task(job.script("use", "test -n \"$bamboo_DB_PASSWORD\" && test -n \"$bamboo_TLS_SECRET\""))
                .finalTask(revoke(job));

        assertThat(job.run()).as(job.logText()).isTrue();

        assertThat(revokedSessions()).isEqualTo(before + 2);
        assertThat(broker.leases(true, "client:" + CLIENT)).isEmpty();
        assertNothingSecretIn(job);
    }
}
