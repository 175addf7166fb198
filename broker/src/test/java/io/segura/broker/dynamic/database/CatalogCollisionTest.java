// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic.database;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.broker.config.DynamicSpec.DatabaseSpec;
import io.segura.broker.config.DynamicSpec.Dialect;
import io.segura.broker.config.DynamicSpec.PasswordPolicy;
import io.segura.broker.config.SourceLocation;
import io.segura.broker.dynamic.DynamicRequest;
import io.segura.broker.dynamic.IssuedCredential;
import io.segura.testkit.postgres.PostgresExtension;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;

/**
 * PostgreSQL updates a schema's privileges in place in its catalog row: a {@code GRANT} on a schema that another
 * transaction changed at the same moment (another replica granting to its own new user, or dropping a user holding a
 * grant on it) fails with "tuple concurrently updated" once that one commits. The ReplicasIT found such a job's
 * request answered 500 while another replica's sweeper dropped a user. A creation rolls back whole, so the engine
 * runs it again. The collision is made here on purpose: the test holds an uncommitted grant on the schema, the
 * engine's creation waits behind it, and the test commits.
 */
class CatalogCollisionTest {

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    @Test
    void creationWhenAnotherTransactionChangedTheSchemasGrantsThenItRunsAgainAndSucceeds() throws Exception {
        String other = "v_collide_" + UUID.randomUUID().toString().substring(0, 8);
        try (Connection c = PG.database().connect(); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA app");
            s.execute("CREATE ROLE " + other);
        }
        DatabaseSpec spec = new DatabaseSpec("db/collide", Dialect.POSTGRESQL, "postgresql://"
                + PG.database().host() + ":" + PG.database().port() + "/" + PG.database().name(),
                PG.database().user(), "dev/admin",
                List.of("CREATE ROLE \"{{name}}\" LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'",
                        "GRANT USAGE ON SCHEMA app TO \"{{name}}\""),
                List.of(), "v_collide_{{random}}", PasswordPolicy.DEFAULT, Duration.ofMinutes(5),
                Duration.ofMinutes(30), Duration.ofSeconds(5), SourceLocation.UNKNOWN);
        DatabaseEngine engine = new DatabaseEngine(spec, path -> Mono.just("trust-auth"), new SecureRandom(),
                Clock.systemUTC());
        IssuedCredential issued = null;
        try (Connection holder = PG.database().connect(); Statement s = holder.createStatement()) {
            holder.setAutoCommit(false);
            s.execute("GRANT USAGE ON SCHEMA app TO " + other);
            CompletableFuture<IssuedCredential> creation = engine.issue(new DynamicRequest("db/collide",
                    UUID.randomUUID().toString(), "deploy", Map.of(), Instant.now().plusSeconds(300), Map.of()))
                    .toFuture();
            awaitWaitingGrant();
            holder.commit();
            issued = creation.get(60, TimeUnit.SECONDS);
            String user = (String) issued.fields().get("username");
            try (Connection c = PG.database().connect(); PreparedStatement q = c.prepareStatement(
                    "SELECT has_schema_privilege(?, 'app', 'USAGE')")) {
                q.setString(1, user);
                try (ResultSet rs = q.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getBoolean(1)).as("the new user's grant on the schema").isTrue();
                }
            }
        } finally {
            if (issued != null) {
                engine.revoke(issued.handle()).block(Duration.ofSeconds(60));
            }
            try (Connection c = PG.database().connect(); Statement s = c.createStatement()) {
                s.execute("DROP OWNED BY " + other);
                s.execute("DROP ROLE " + other);
            }
        }
    }

    /** Until the engine's GRANT waits for the test's transaction (a lock wait in pg_stat_activity). */
    private static void awaitWaitingGrant() throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try (Connection c = PG.database().connect(); Statement s = c.createStatement()) {
            while (true) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type"
                        + " = 'Lock' AND query LIKE 'GRANT USAGE ON SCHEMA app TO \"v_collide_%'")) {
                    rs.next();
                    if (rs.getInt(1) > 0) {
                        return;
                    }
                }
                assertThat(System.nanoTime()).as("the engine's GRANT waiting behind the test's").isLessThan(deadline);
                Thread.sleep(20);
            }
        }
    }
}
