// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.audit;

import static io.segura.broker.audit.AuditTestSupport.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segura.broker.vault.InvalidSecretException;
import io.segura.broker.vault.MigratedDatabase;
import io.segura.testkit.postgres.PostgresExtension;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;

class AuditQueryTests {

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    static final Instant T0 = Instant.parse("2026-11-01T10:00:00Z");
    static AuditQuery query;

    @BeforeAll
    static void seed() {
        MigratedDatabase database = MigratedDatabase.postgres(PG);
        query = new AuditQuery(database.db());
        AuditLog log = new AuditLog(database.db(), new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        Map<String, Object> ctx = new HashMap<>();
        ctx.put("platform", "gitlab");
        ctx.put("environment", null);
        ctx.put("ref_protected", true);
        Flux.concat(
                log.append(event(AuditEventType.TOKEN_EXCHANGED, "alice", 0).ctx(ctx).build()),
                log.append(event(AuditEventType.LEASE_ISSUED, "alice", 1)
                        .secrets(List.of("db/prod@2", "api/key_x@1")).build()),
                log.append(event(AuditEventType.LEASE_ISSUED, "bob", 2).secrets(List.of("db/prod2@1")).build()),
                log.append(event(AuditEventType.LEASE_DENIED, "bob", 3).secrets(List.of("db/prod"))
                        .details(Map.of("violations", List.of(Map.of("kind", "exposed", "secret", "db/prod@1"))))
                        .build()),
                log.append(event(AuditEventType.SECRET_WRITTEN, null, 4).secrets(List.of("db/prod/password@1"))
                        .build()),
                log.append(event(AuditEventType.LEASE_ISSUED, "alice", 5).secrets(List.of("api/keyax@1")).build()))
                .blockLast(TIMEOUT);
        new AuditChainer(database.db(), database.tx()).linkAll().block(TIMEOUT);
    }

    static AuditEvent.Builder event(AuditEventType type, String subject, int minutes) {
        return AuditEvent.builder(type).subject(subject).role("r").occurredAt(T0.plusSeconds(60L * minutes));
    }

    private static List<String> find(AuditEventType type, String subject, String path, Instant since, Integer limit) {
        return query.find(type, subject, path, since, limit)
                .map(e -> e.type().wireName() + ":" + e.subject() + ":" + e.occurredAt().getEpochSecond() / 60 % 60)
                .collectList().block(TIMEOUT);
    }

    @Test
    void findWhenNoFilterThenAllNewestFirst() {
        assertThat(find(null, null, null, null, null)).containsExactly("lease.issued:alice:5",
                "secret.written:null:4", "lease.denied:bob:3", "lease.issued:bob:2", "lease.issued:alice:1",
                "token.exchanged:alice:0");
    }

    @Test
    void findWhenTypeSubjectSinceLimitThenFiltered() {
        assertThat(find(AuditEventType.LEASE_ISSUED, null, null, null, null))
                .containsExactly("lease.issued:alice:5", "lease.issued:bob:2", "lease.issued:alice:1");
        assertThat(find(null, "bob", null, null, null)).containsExactly("lease.denied:bob:3", "lease.issued:bob:2");
        assertThat(find(AuditEventType.LEASE_ISSUED, "alice", null, T0.plusSeconds(60), null))
                .containsExactly("lease.issued:alice:5", "lease.issued:alice:1");
        assertThat(find(null, null, null, null, 2)).containsExactly("lease.issued:alice:5", "secret.written:null:4");
        assertThat(find(null, null, null, null, 5000)).hasSize(6);
        assertThatThrownBy(() -> find(null, null, null, null, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void findWhenPathThenOnlyThatExactPathAtAnyVersion() {
        assertThat(find(null, null, "db/prod", null, null)).containsExactly("lease.denied:bob:3",
                "lease.issued:alice:1");
        assertThat(find(null, null, "api/key_x", null, null)).containsExactly("lease.issued:alice:1");
        assertThat(find(null, null, "db/prod/password", null, null)).containsExactly("secret.written:null:4");
        assertThat(find(null, null, "nothing/here", null, null)).isEmpty();
        assertThatThrownBy(() -> find(null, null, "db/%", null, null)).isInstanceOf(InvalidSecretException.class);
    }

    @Test
    void findWhenEventReadBackThenFieldsAndChainFieldsRoundTrip() {
        AuditEvent exchanged = query.find(AuditEventType.TOKEN_EXCHANGED, null, null, null, 1).blockFirst(TIMEOUT);
        assertThat(exchanged.ctx()).containsEntry("platform", "gitlab").containsEntry("environment", null)
                .containsEntry("ref_protected", true);
        assertThat(exchanged.occurredAt()).isEqualTo(T0);
        assertThat(exchanged.chainPos()).isEqualTo(1);
        assertThat(exchanged.prevHash()).isEqualTo(ChainHash.GENESIS);
        assertThat(exchanged.hash()).matches("[0-9a-f]{64}");
        assertThat(exchanged.seq()).isNotNull();
        AuditEvent denied = query.find(AuditEventType.LEASE_DENIED, null, null, null, 1).blockFirst(TIMEOUT);
        assertThat(denied.secrets()).containsExactly("db/prod");
        assertThat(denied.details()).isEqualTo(Map.of("violations", List.of(Map.of("kind", "exposed",
                "secret", "db/prod@1"))));
        assertThat(denied.ctx()).isEmpty();
    }
}
