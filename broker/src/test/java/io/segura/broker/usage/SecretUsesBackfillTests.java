// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.broker.audit.AuditEvent;
import io.segura.broker.audit.AuditEventType;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.database.Timestamps;
import io.segura.broker.vault.MigratedDatabase;
import io.segura.testkit.postgres.PostgresExtension;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The V6.1 migration fills the usage tables from the {@code lease.issued} events of an installation that ran before
 * V6 — on PostgreSQL and on H2 — so that its usage views count the old leases too, pins included; V11 then adds their
 * day counts.
 */
class SecretUsesBackfillTests {

    static final Duration TIMEOUT = Duration.ofSeconds(60);

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    @Test
    void backfillWhenLeasesBeforeV6ThenUsesContextsAndPinsOnPostgres() {
        backfill(version -> MigratedDatabase.postgres(PG.database(), version));
    }

    @Test
    void backfillWhenLeasesBeforeV6ThenUsesContextsAndPinsOnH2() {
        String name = "segura_backfill_" + UUID.randomUUID().toString().replace("-", "");
        backfill(version -> MigratedDatabase.h2(name, version));
    }

    static void backfill(Function<String, MigratedDatabase> migratedTo) {
        MigratedDatabase before = migratedTo.apply("3.1");
        secret(before, "app/db", 2);
        version(before, "app/db", 1, Instant.parse("2026-01-01T00:00:00Z"));
        version(before, "app/db", 2, Instant.parse("2026-06-01T00:00:00Z"));
        AuditLog log = new AuditLog(before.db(), new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        Map<String, Object> ctx = Map.of("repository", "acme/app", "ref", "refs/heads/main", "pipeline", "deploy.yml",
                "environment", "production", "platform", "github");
        log.append(leased("alice", ctx, "2026-03-01T00:00:00Z", "app/db@1")).block(TIMEOUT);
        log.append(leased("alice", ctx, "2026-07-01T00:00:00Z", "app/db@1")).block(TIMEOUT);
        log.append(leased("bob", Map.of(), "2026-07-02T00:00:00Z", "app/db@2", "app/gone@1")).block(TIMEOUT);
        log.append(AuditEvent.builder(AuditEventType.TOKEN_EXCHANGED).role("deploy").subject("carol")
                .occurredAt(Instant.parse("2026-07-03T00:00:00Z")).build()).block(TIMEOUT);

        MigratedDatabase after = migratedTo.apply(null);
        assertThat(count(after, "SELECT COUNT(*) FROM secret_uses")).isEqualTo(4);
        assertThat(count(after, "SELECT COUNT(*) FROM usage_contexts")).isEqualTo(2);
        assertThat(after.db().sql("SELECT path, version, latest_version, occurred_at FROM secret_pinned_uses")
                .map(r -> r.get("path", String.class) + "@" + r.get("version", Integer.class) + " latest "
                        + r.get("latest_version", Integer.class) + " "
                        + Timestamps.instant(r.get("occurred_at", java.time.OffsetDateTime.class)))
                .all().collectList().block(TIMEOUT)).containsExactly("app/db@1 latest 2 2026-07-01T00:00:00Z");

        // V11 adds the day counts of those uses (each on its own day), which the wide window below is read from
        assertThat(count(after, "SELECT COUNT(*) FROM secret_use_days")).isEqualTo(4);
        assertThat(count(after, "SELECT SUM(uses) FROM secret_version_days WHERE path = 'app/db'")).isEqualTo(3);

        UsageQuery query = new UsageQuery(after.db());
        UsageViews.SecretUsage usage = query.secretUsage("app/db", new UsageWindow(
                Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2026-12-01T00:00:00Z")), 100, null)
                .block(TIMEOUT);
        assertThat(usage.versions()).extracting(v -> v.version() + ":" + v.uses()).containsExactly("2:1", "1:2");
        assertThat(usage.contexts()).extracting(c -> c.version() + " " + c.context().subject() + " "
                + c.context().workflow() + " " + c.uses()).containsExactly("2 bob null 1", "1 alice deploy.yml 2");
        assertThat(usage.contexts().get(1).contextId()).as("the id the lease path computes")
                .isEqualTo(UsageContext.of("deploy", "alice", ctx).id());
    }

    static AuditEvent leased(String subject, Map<String, Object> ctx, String at, String... secrets) {
        return AuditEvent.builder(AuditEventType.LEASE_ISSUED).role("deploy").subject(subject).ctx(ctx)
                .occurredAt(Instant.parse(at)).leaseId(UUID.randomUUID().toString()).secrets(List.of(secrets))
                .build();
    }

    static void secret(MigratedDatabase db, String path, int current) {
        db.db().sql("INSERT INTO secrets (path, current_version, created_at, updated_at) VALUES (:p, :v, :t, :t)")
                .bind("p", path).bind("v", current).bind("t", Timestamps.utc(Instant.parse("2026-01-01T00:00:00Z")))
                .fetch().rowsUpdated().block(TIMEOUT);
    }

    static void version(MigratedDatabase db, String path, int version, Instant created) {
        db.db().sql("INSERT INTO secret_versions (path, version, kek_id, wrapped_dek, nonce, ciphertext, fingerprint,"
                        + " created_at) VALUES (:p, :v, 'k', :b1, :b2, :b3, :b4, :t)")
                .bind("p", path).bind("v", version).bind("b1", bytes()).bind("b2", bytes()).bind("b3", bytes())
                .bind("b4", bytes()).bind("t", Timestamps.utc(created))
                .fetch().rowsUpdated().block(TIMEOUT);
    }

    static ByteBuffer bytes() {
        return ByteBuffer.wrap(new byte[] {1, 2, 3});
    }

    static long count(MigratedDatabase db, String sql) {
        return db.db().sql(sql).map(r -> r.get(0, Number.class).longValue()).one().block(TIMEOUT);
    }
}
