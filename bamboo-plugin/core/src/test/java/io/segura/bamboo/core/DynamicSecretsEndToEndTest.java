// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segura.client.RetryPolicy;
import io.segura.testkit.broker.BrokerLauncher;
import io.segura.testkit.postgres.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dynamic secrets (DESIGN §6a) in a simulated Bamboo job ({@link BambooJob}) against a live broker with a
 * {@code postgresql} engine on the real PostgreSQL: the lease task requests a fresh user, a Script task logs in with
 * {@code psql}, the URL and password never appear in the build log, and once the final revoke task has run — also
 * after a failed task — the user is gone and logging in as it is refused.
 */
class DynamicSecretsEndToEndTest {

    static final String CLIENT = "bamboo-prod";
    static final String CLIENT_SECRET = "bamboo-client-secret-4f1c9d2e7a";
    static final String PASSWORD = "pa55-w0rd-for-bamboo-db";
    static final String DYNAMIC = "db/app-pg";
    static final RetryPolicy FAST = new RetryPolicy(2, Duration.ofMillis(10), Duration.ofMillis(20),
            Duration.ofSeconds(2));
    static final String SECRETS = String.join("\n",
            "db/prod/password > DB_PASSWORD",
            "dynamic:" + DYNAMIC + " > DATABASE_URL_SECRET",
            "dynamic:" + DYNAMIC + ".username > PGUSER",
            "dynamic:" + DYNAMIC + ".password > PG_PASSWORD");

    static TestDatabase target;
    static BrokerLauncher broker;

    @TempDir
    Path work;

    @BeforeAll
    static void startBroker() throws Exception {
        target = TestDatabase.create("BambooDynamicTarget");
        broker = BrokerLauncher.builder().owner("BambooDynamicSecretsTest").config(String.join("\n",
                "roles:",
                "  - name: bamboo-deploy",
                "    clients: [" + CLIENT + "]",
                "    secrets: [\"db/prod/*\"]",
                "    dynamic: [" + DYNAMIC + "]",
                "    session-ttl: 10m",
                "    max-lease-ttl: 30m",
                "  - name: static-only",
                "    clients: [" + CLIENT + "]",
                "    secrets: [\"db/prod/*\"]",
                "clients:",
                "  - id: " + CLIENT,
                "    secret-sha256: \"" + SecretsTaskEndToEndTest.sha256(CLIENT_SECRET) + "\"",
                "dynamic:",
                "  postgresql:",
                target.postgresqlEngineYaml(DYNAMIC),
                "")).start();
        broker.putSecret("db/prod/password", PASSWORD);
        broker.putSecret("dynamic/pg-admin", "trust-auth-ignores-it");
    }

    @AfterAll
    static void stopBroker() throws Exception {
        try {
            if (broker != null) {
                broker.close();
            }
        } finally {
            if (target != null) {
                target.drop();
            }
        }
    }

    static Map<String, String> config(String role, String secrets) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put(SecretsTaskConfig.ROLE, role);
        c.put(SecretsTaskConfig.SECRETS, secrets);
        return c;
    }

    BambooJob.Task lease(BambooJob job, String role, String secrets) {
        return j -> new SecretsTask(FAST).execute(job.run(config(role, secrets),
                new StoredSettings(broker.url().toString(), Map.of(CLIENT, CLIENT_SECRET))));
    }

    BambooJob.Task revoke(BambooJob job) {
        return j -> new RevokeTask(FAST).execute(job.run(Map.of(), StoredSettings.EMPTY));
    }

    /** A task that keeps the job's variables as they are at that point (the test reads the values afterwards). */
    static BambooJob.Task capture(Map<String, String> into) {
        return j -> {
            into.putAll(j.variables);
            return TaskOutcome.SUCCESS;
        };
    }

    @Test
    void jobWhenDynamicDatabaseSecretThenScriptLogsInMaskedAndFinalTaskDropsTheUser() throws Exception {
        Map<String, String> seen = new LinkedHashMap<>();
        BambooJob job = new BambooJob(work);
        job.task(lease(job, "bamboo-deploy", SECRETS))
                .task(capture(seen))
                .task(job.script("migrate", "psql \"$bamboo_DATABASE_URL_SECRET\" -Atc 'select current_user'"
                        + " | sed 's/^/pg-user=/'; echo \"url=$bamboo_DATABASE_URL_SECRET pw=$bamboo_PG_PASSWORD\";"
                        + " printf %s \"$bamboo_PG_PASSWORD\" | base64; echo \"user=$bamboo_PGUSER\""))
                .finalTask(revoke(job));

        assertThat(job.run()).as(job.logText()).isTrue();

        String user = seen.get("PGUSER");
        String password = seen.get("PG_PASSWORD");
        String url = seen.get("DATABASE_URL_SECRET");
        assertThat(user).matches("v_bamboo_deploy_db_app_pg_[a-z0-9]{16}");
        // one credential for the three specs, rendered as segura-cli exec renders it
        assertThat(url.equals("postgresql://" + user + ":" + password + "@" + target.host() + ":" + target.port()
                + "/" + target.name())).as("the URL of the user and password").isTrue();
        // the Script task logged in as the fresh user; the user name is not secret, the URL and password are masked
        // a boolean, so that a failure does not print the values it found
        assertThat(job.logText().contains("url=" + BambooJob.MASK + " pw=" + BambooJob.MASK))
                .as("the URL and password masked in the log").isTrue();
        assertThat(job.logText()).contains("pg-user=" + user, "user=" + user,
                "dynamic:" + DYNAMIC + " → ${bamboo.DATABASE_URL_SECRET}", "dynamic secret " + DYNAMIC + ": lease ",
                "session for role bamboo-deploy revoked with lease ");
        assertNoneOf(job, List.of(password, url, PASSWORD, CLIENT_SECRET,
                Base64.getEncoder().encodeToString(password.getBytes(StandardCharsets.UTF_8))));
        assertUserGone(user, password);
        assertThat(broker.leases(true, "client:" + CLIENT)).isEmpty();
        assertThat(job.variables).isEmpty();
    }

    @Test
    void jobWhenScriptFailsThenFinalTaskStillDropsTheUser() throws Exception {
        Map<String, String> seen = new LinkedHashMap<>();
        BambooJob job = new BambooJob(work);
        job.task(lease(job, "bamboo-deploy", "dynamic:" + DYNAMIC + " > DB_APP_PG_SECRET"))
                .task(capture(seen))
                .task(job.script("fails", "psql \"$bamboo_DB_APP_PG_SECRET\" -Atc 'select 1' && exit 3"))
                .finalTask(revoke(job));

        assertThat(job.run()).isFalse();

        assertThat(job.logText()).contains("Script task fails exited with 3");
        Matcher m = Pattern.compile("postgresql://([a-z0-9_]+):([^@]+)@").matcher(seen.get("DB_APP_PG_SECRET"));
        assertThat(m.find()).as("a postgresql URL with a user and password").isTrue();
        assertNoneOf(job, List.of(seen.get("DB_APP_PG_SECRET"), m.group(2)));
        assertUserGone(m.group(1), m.group(2));
        assertThat(broker.leases(true, "client:" + CLIENT)).isEmpty();
    }

    @Test
    void leaseWhenRoleMayNotRequestTheDynamicSecretThenFailsRevokesAndRemovesVariables() throws Exception {
        int before = broker.events("session.revoked", "client:" + CLIENT).size();
        BambooJob job = new BambooJob(work);
        job.task(lease(job, "static-only", SECRETS)).task(job.script("never", "echo ran")).finalTask(revoke(job));

        assertThat(job.run()).isFalse();

        assertThat(job.ran).isEmpty();
        assertThat(job.logText()).contains("Role \"static-only\" may not request dynamic:" + DYNAMIC, "HTTP 403",
                "Fix: list " + DYNAMIC + " under the role's `dynamic:`");
        assertThat(job.variables).isEmpty();
        assertThat(broker.events("session.revoked", "client:" + CLIENT)).hasSize(before + 1);
        assertNoneOf(job, List.of(PASSWORD, CLIENT_SECRET));
    }

    static void assertNoneOf(BambooJob job, List<String> values) {
        for (String text : List.of(job.logText(), job.seguraText())) {
            for (String v : values) {
                // booleans, so that a failure does not print the value it found
                assertThat(text.contains(v)).as("a secret value in the build log").isFalse();
            }
            assertThat(text).doesNotContain("\tat ", "Caused by", "Exception:");
        }
    }

    /** The broker dropped the role when the final task revoked the session: it is gone and a login is refused. */
    static void assertUserGone(String user, String password) throws Exception {
        try (Connection c = target.connect()) {
            assertThat(rows(c, "SELECT rolname FROM pg_roles WHERE rolname = '" + user + "'")).isEmpty();
        }
        assertThatThrownBy(() -> DriverManager.getConnection(target.jdbcUrl(), user, password).close())
                .isInstanceOf(SQLException.class).hasMessageContaining("does not exist");
    }

    static List<String> rows(Connection c, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
