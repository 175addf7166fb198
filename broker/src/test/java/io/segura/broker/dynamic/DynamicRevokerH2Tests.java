// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.config.DynamicSpec.DatabaseSpec;
import io.segura.broker.config.DynamicSpec.Dialect;
import io.segura.broker.config.DynamicSpec.PasswordPolicy;
import io.segura.broker.config.SourceLocation;
import io.segura.broker.database.WriteStatements;
import io.segura.broker.database.Writes;
import io.segura.broker.dynamic.database.DatabaseEngine;
import io.segura.broker.lease.Lease;
import io.segura.broker.lease.LeaseStore;
import io.segura.broker.vault.MigratedDatabase;
import io.segura.testkit.postgres.PostgresExtension;
import io.segura.testkit.time.MutableClock;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * The revoker's SQL on H2 in PostgreSQL mode (the dev mode's database, DESIGN §9): V4 migrates there, and the
 * claims ({@code FOR UPDATE SKIP LOCKED} with the due condition), the lookups and the updates work, revoking real
 * PostgreSQL users through a real engine.
 */
class DynamicRevokerH2Tests {

    static final Duration TIMEOUT = Duration.ofSeconds(60);

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    static MigratedDatabase h2;
    static final MutableClock CLOCK = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    static final JsonMapper JSON = JsonMapper.builder().build();
    static DatabaseEngine engine;
    static DynamicCredentialStore store;
    static LeaseStore leases;
    static DynamicRevoker revoker;

    @BeforeAll
    static void setUp() {
        h2 = MigratedDatabase.h2("segura_h2_dyn_" + UUID.randomUUID().toString().replace("-", ""));
        DatabaseSpec spec = new DatabaseSpec("db/dev", Dialect.POSTGRESQL, "postgresql://" + PG.database().host()
                + ":" + PG.database().port() + "/" + PG.database().name(), PG.database().user(), "dev/admin",
                List.of("CREATE ROLE \"{{name}}\" LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'"),
                List.of(), "v_{{role}}_{{random}}", PasswordPolicy.DEFAULT, Duration.ofMinutes(5),
                Duration.ofMinutes(30), Duration.ofSeconds(5), SourceLocation.UNKNOWN);
        engine = new DatabaseEngine(spec, path -> Mono.just("trust-auth"), new SecureRandom(), CLOCK);
        store = new DynamicCredentialStore(h2.db(), JSON);
        leases = new LeaseStore(h2.db(), JSON);
        revoker = new DynamicRevoker(new DynamicEngines(List.of(engine)), store, leases,
                new AuditLog(h2.db(), new SimpleMeterRegistry()), h2.tx(), CLOCK);
    }

    /** Creates a real user and records its lease and credential rows on H2, as the issue path does. */
    static DynamicCredential issued(Duration ttl) {
        Instant now = CLOCK.instant();
        Instant expires = now.plus(ttl);
        IssuedCredential c = engine.issue(new DynamicRequest("db/dev", "lease-1", "dev", Map.of(), expires, Map.of()))
                .block(TIMEOUT);
        Lease lease = new Lease(UUID.randomUUID().toString(), UUID.randomUUID().toString(), "dev", "ci", null,
                "repo:acme/app", Map.of("repository", "acme/app"), List.of(), false, now, expires, null, null);
        DynamicCredential row = new DynamicCredential(lease.id(), "db/dev", "postgresql", "dev", c.principal(),
                c.handle(), now, expires, null, 0, expires, null);
        new WriteStatements(h2.db()).execute(Writes.of(leases.row(lease), store.row(row))).block(TIMEOUT);
        return row;
    }

    @Test
    void sweepWhenExpiredOnH2ThenTheUserIsDroppedOnceAndTheRowClosed() throws Exception {
        DynamicCredential c = issued(Duration.ofMinutes(1));
        assertThat(revoker.sweep(10).block(TIMEOUT)).as("not due yet").isZero();
        assertThat(roleExists(c.principal())).isTrue();

        CLOCK.advance(Duration.ofMinutes(2));
        assertThat(revoker.sweep(10).block(TIMEOUT)).isEqualTo(1);

        assertThat(roleExists(c.principal())).isFalse();
        assertThat(store.find(c.leaseId()).block(TIMEOUT).revokedAt()).isNotNull();
        assertThat(revoker.sweep(10).block(TIMEOUT)).isZero();
        assertThat(auditTypes(c.leaseId())).containsExactly("dynamic.revoked");
    }

    @Test
    void revokeEndedWhenTheLeaseWasRevokedOnH2ThenTheUserIsDroppedAtOnce() throws Exception {
        DynamicCredential c = issued(Duration.ofMinutes(10));
        String staticLease = UUID.randomUUID().toString();
        assertThat(store.openAmong(List.of(c.leaseId(), staticLease)).collectList().block(TIMEOUT))
                .containsExactly(c.leaseId());
        assertThat(store.pending(CLOCK.instant(), false, 10).collectList().block(TIMEOUT)).isEmpty();

        leases.revoke(c.leaseId(), "revoked", CLOCK.instant()).block(TIMEOUT);
        assertThat(store.pending(CLOCK.instant(), false, 10).collectList().block(TIMEOUT))
                .extracting(DynamicCredential::leaseId).containsExactly(c.leaseId());
        revoker.revokeEnded(List.of(c.leaseId(), staticLease)).block(TIMEOUT);

        assertThat(roleExists(c.principal())).isFalse();
        assertThat(store.pending(CLOCK.instant(), false, 10).collectList().block(TIMEOUT)).isEmpty();
        assertThat(auditTypes(c.leaseId())).containsExactly("dynamic.revoked");
    }

    @Test
    void backoffWhenAttemptsGrowThenDoublesFromTenSecondsToFifteenMinutes() {
        assertThat(DynamicRevoker.backoff(1)).isEqualTo(Duration.ofSeconds(10));
        assertThat(DynamicRevoker.backoff(2)).isEqualTo(Duration.ofSeconds(20));
        assertThat(DynamicRevoker.backoff(7)).isEqualTo(Duration.ofSeconds(640));
        assertThat(DynamicRevoker.backoff(8)).isEqualTo(Duration.ofMinutes(15));
        assertThat(DynamicRevoker.backoff(1000)).isEqualTo(Duration.ofMinutes(15));
    }

    static boolean roleExists(String role) throws Exception {
        try (Connection c = PG.database().connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT 1 FROM pg_roles WHERE rolname = '" + role + "'")) {
            return rs.next();
        }
    }

    static List<String> auditTypes(String leaseId) {
        return h2.db().sql("SELECT type FROM audit_events WHERE lease_id = :id").bind("id", leaseId)
                .map(row -> row.get("type", String.class)).all().collectList().block(TIMEOUT);
    }
}
