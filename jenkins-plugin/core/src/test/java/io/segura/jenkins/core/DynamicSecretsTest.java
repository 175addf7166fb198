// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code withSegura} with dynamic secrets (DESIGN §6a) against the live broker and the real PostgreSQL: inside the
 * block a real {@code psql} logs in with the fresh user's URL from the block's environment, the URL and password
 * never reach the build log, and once the block ends — however it ends — the user is gone and logging in as it is
 * refused.
 */
@ExtendWith(LiveBroker.Resolver.class)
class DynamicSecretsTest {

    static final String SECRETS = String.join("\n",
            "db/prod/password > DB_PASSWORD",
            "dynamic:" + LiveBroker.DYNAMIC + " > DATABASE_URL",
            "dynamic:" + LiveBroker.DYNAMIC + ".username > PGUSER",
            "dynamic:" + LiveBroker.DYNAMIC + ".password > PG_PASSWORD");

    static BindingSession open(LiveBroker b, String secrets, BuildLog log) throws Exception {
        return BindingSession.open(b.settings(), BindingRequest.parse("deploy", secrets, "segura-client", "5m"),
                null, b.credentials(), log.stream);
    }

    @Test
    void blockWhenDynamicDatabaseSecretThenPsqlLogsInMaskedAndUserGoneAfterTheBlock(LiveBroker b) throws Exception {
        BuildLog log = new BuildLog();
        String user;
        String password;
        String url;
        String leaseId;
        String dynamicLease;
        try (BindingSession block = open(b, SECRETS, log)) {
            Map<String, String> env = block.environment();
            assertThat(env.keySet()).containsExactly("DB_PASSWORD", "DATABASE_URL", "PGUSER", "PG_PASSWORD");
            user = env.get("PGUSER");
            password = env.get("PG_PASSWORD");
            url = env.get("DATABASE_URL");
            // the specs share one credential, rendered as segura-cli exec renders it
            assertThat(user).matches("v_deploy_db_app_pg_[a-z0-9]{16}");
            assertThat(url.equals("postgresql://" + user + ":" + password + "@" + b.target.host() + ":"
                    + b.target.port() + "/" + b.target.name())).as("the URL of the user and password").isTrue();
            assertThat(block.dynamicLeaseIds()).hasSize(1);
            leaseId = block.leaseId();
            dynamicLease = block.dynamicLeaseIds().get(0);
            assertThat(block.values()).contains(password, url, LiveBroker.PASSWORD).doesNotContain(user);

            // a real process with the block's environment, its output through the block's masker (the build log)
            String out = sh(block, "psql \"$DATABASE_URL\" -Atc 'select current_user' | sed 's/^/pg-user=/';"
                    + " echo \"url=$DATABASE_URL pw=$PG_PASSWORD\"; printf %s \"$PG_PASSWORD\" | base64", log);
            assertThat(out).contains("pg-user=" + user);
            // a boolean, so that a failure does not print the values it found
            assertThat(out.contains("url=*** pw=***")).as("the URL and password masked in the output").isTrue();
            try (Connection c = login(b, user, password)) {
                assertThat(rows(c, "SELECT current_user")).containsExactly(user);
            }
            assertThat(b.active(dynamicLease)).isTrue();
        }
        assertThat(log.text()).contains("dynamic secret " + LiveBroker.DYNAMIC + ": lease " + dynamicLease,
                "revoked leases " + leaseId + ", " + dynamicLease + " and its session");
        log.assertNoneOf(List.of(password, url, LiveBroker.PASSWORD));
        assertThat(log.text().contains(java.util.Base64.getEncoder().encodeToString(
                password.getBytes(StandardCharsets.UTF_8)))).as("the password's base64 in the log").isFalse();
        assertUserGone(b, user, password, dynamicLease);
    }

    @Test
    void blockWhenOnlyDynamicAndBodyFailsThenUserGoneToo(LiveBroker b) throws Exception {
        BuildLog log = new BuildLog();
        AtomicReference<BindingSession> opened = new AtomicReference<>();
        assertThatThrownBy(() -> {
            try (BindingSession block = open(b, "dynamic:" + LiveBroker.DYNAMIC, log)) {
                opened.set(block);
                assertThat(block.leaseId()).isNull();
                assertThat(block.environment()).containsOnlyKeys("DB_APP_PG");
                throw new IllegalStateException("script returned exit code 1");
            }
        }).hasMessage("script returned exit code 1");
        String url = opened.get().environment().get("DB_APP_PG");
        Matcher m = Pattern.compile("postgresql://([a-z0-9_]+):([^@]+)@").matcher(url);
        assertThat(m.find()).as("a postgresql URL with a user and password").isTrue();
        log.assertNoneOf(List.of(url, m.group(2)));
        assertUserGone(b, m.group(1), m.group(2), opened.get().dynamicLeaseIds().get(0));
    }

    @Test
    void blockWhenAbortedThenUserGoneAndInterruptKept(LiveBroker b) throws Exception {
        BuildLog log = new BuildLog();
        AtomicReference<Map<String, String>> env = new AtomicReference<>();
        AtomicReference<String> lease = new AtomicReference<>();
        AtomicReference<Boolean> interruptKept = new AtomicReference<>();
        CountDownLatch inBody = new CountDownLatch(1);
        Thread step = new Thread(() -> {
            try (BindingSession block = open(b, SECRETS, log)) {
                env.set(block.environment());
                lease.set(block.dynamicLeaseIds().get(0));
                inBody.countDown();
                new CountDownLatch(1).await(); // the body runs until the build is aborted
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                throw new AssertionError(e);
            } finally {
                interruptKept.set(Thread.currentThread().isInterrupted());
                inBody.countDown();
            }
        }, "step");
        step.start();
        inBody.await();
        assertThat(env.get()).as("the block opened").isNotNull();
        try (Connection c = login(b, env.get().get("PGUSER"), env.get().get("PG_PASSWORD"))) {
            assertThat(rows(c, "SELECT 1")).containsExactly("1");
        }
        step.interrupt();
        step.join();
        assertThat(interruptKept.get()).isTrue();
        assertUserGone(b, env.get().get("PGUSER"), env.get().get("PG_PASSWORD"), lease.get());
        log.assertNoneOf(List.of(env.get().get("PG_PASSWORD"), env.get().get("DATABASE_URL")));
    }

    @Test
    void openWhenRoleMayNotRequestTheDynamicSecretThenDeniedAndNothingLeftActive(LiveBroker b) throws Exception {
        BuildLog log = new BuildLog();
        int revokedBefore = b.broker.events("session.revoked", RevocationTest.SUBJECT).size();
        assertThatThrownBy(() -> BindingSession.open(b.settings(), BindingRequest.parse("capped",
                "db/prod/password > DB_PASSWORD\ndynamic:" + LiveBroker.DYNAMIC + " > DATABASE_URL", "segura-client",
                null), null, b.credentials(), log.stream))
                .isInstanceOfSatisfying(BindingException.class, e -> {
                    assertThat(e.reason()).isEqualTo(BindingException.Reason.DENIED);
                    assertThat(e.getMessage()).startsWith("withSegura: the broker did not create dynamic:"
                            + LiveBroker.DYNAMIC + " for role 'capped'").contains("HTTP 403", "dynamic-not-allowed",
                            "Fix: list " + LiveBroker.DYNAMIC + " under the role's dynamic:");
                });
        // the static lease taken before the refusal ended with the session
        assertThat(b.broker.events("session.revoked", RevocationTest.SUBJECT)).hasSize(revokedBefore + 1);
        log.assertNoneOf(List.of(LiveBroker.PASSWORD));
    }

    /** After the block the broker has revoked the lease, the role is gone and a login as it is refused. */
    static void assertUserGone(LiveBroker b, String user, String password, String leaseId) throws Exception {
        assertThat(b.active(leaseId)).as("dynamic lease active after the block").isFalse();
        try (Connection c = b.target.connect()) {
            assertThat(rows(c, "SELECT rolname FROM pg_roles WHERE rolname = '" + user + "'")).isEmpty();
        }
        assertThatThrownBy(() -> login(b, user, password).close()).isInstanceOf(SQLException.class)
                .hasMessageContaining("does not exist");
    }

    static Connection login(LiveBroker b, String user, String password) throws SQLException {
        return DriverManager.getConnection(b.target.jdbcUrl(), user, password);
    }

    /** Runs {@code sh -c script} with the block's environment; its output goes through the block's masker. */
    static String sh(BindingSession block, String script, BuildLog log) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true);
        pb.environment().putAll(block.environment());
        Process p = pb.start();
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        try (OutputStream masked = block.mask(new TeeStream(log.stream, seen))) {
            p.getInputStream().transferTo(masked);
        }
        assertThat(p.waitFor()).as(seen.toString(StandardCharsets.UTF_8)).isZero();
        return seen.toString(StandardCharsets.UTF_8);
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

    /** The build log and a copy for the test to read: both get exactly the masked bytes. */
    static final class TeeStream extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        TeeStream(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int x) throws java.io.IOException {
            a.write(x);
            b.write(x);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }

        @Override
        public void flush() throws java.io.IOException {
            a.flush();
            b.flush();
        }
    }
}
