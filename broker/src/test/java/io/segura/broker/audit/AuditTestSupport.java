// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.broker.audit.AuditChainer.Link;
import io.segura.broker.vault.MigratedDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import reactor.core.publisher.Flux;

/** Shared fixtures of the audit tests. */
final class AuditTestSupport {

    static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** Events without a link, the verifier's "pending". */
    static final String UNLINKED = "audit_events e WHERE NOT EXISTS (SELECT 1 FROM audit_links l WHERE l.seq = e.seq)";

    private AuditTestSupport() {
    }

    static AuditEvent leaseIssued(String subject, String... secrets) {
        return AuditEvent.builder(AuditEventType.LEASE_ISSUED).role("deploy-prod").issuer("github").subject(subject)
                .clientIp("10.0.0.7").ctx(Map.of("platform", "github-actions", "ref", "refs/heads/main"))
                .leaseId("lease-" + subject.hashCode()).secrets(List.of(secrets)).reason("granted").build();
    }

    static void reset(MigratedDatabase database) {
        database.db().sql("DELETE FROM audit_links").fetch().rowsUpdated().block(TIMEOUT);
        database.db().sql("DELETE FROM audit_events").fetch().rowsUpdated().block(TIMEOUT);
        database.db().sql("UPDATE audit_chain_head SET chain_pos = 0, hash = :h WHERE id = 1")
                .bind("h", ChainHash.GENESIS).fetch().rowsUpdated().block(TIMEOUT);
    }

    /** The SQL condition selecting the event linked at {@code chainPos}, to tamper with that event's row. */
    static String eventAt(long chainPos) {
        return "seq = (SELECT seq FROM audit_links WHERE chain_pos = " + chainPos + ")";
    }

    /**
     * On a database migrated only to V1: links the first {@code n} unchained events the way the chainer did before
     * V2, by writing the chain columns of their rows, and returns their hashes by {@code seq}.
     */
    static Map<Long, String> linkInV1Schema(MigratedDatabase v1, int n) {
        List<StoredAuditRow> rows = v1.db().sql("SELECT " + StoredAuditRow.EVENT_COLUMNS + " FROM audit_events e "
                        + "WHERE e.chain_pos IS NULL ORDER BY e.seq LIMIT " + n)
                .map(StoredAuditRow::unlinked).all().collectList().block(TIMEOUT);
        assertThat(rows).hasSize(n);
        Link head = v1.db().sql("SELECT chain_pos, hash FROM audit_chain_head WHERE id = 1")
                .map(r -> new Link(r.get("chain_pos", Long.class), r.get("hash", String.class))).one().block(TIMEOUT);
        long pos = head.pos();
        String prev = head.hash();
        for (StoredAuditRow row : rows) {
            pos++;
            String hash = ChainHash.link(prev, row);
            v1.db().sql("UPDATE audit_events SET chain_pos = :p, prev_hash = :v, hash = :h WHERE seq = :s")
                    .bindValues(Map.of("p", pos, "v", prev, "h", hash, "s", row.seq())).fetch().rowsUpdated()
                    .block(TIMEOUT);
            prev = hash;
        }
        v1.db().sql("UPDATE audit_chain_head SET chain_pos = :p, hash = :h WHERE id = 1")
                .bindValues(Map.of("p", pos, "h", prev)).fetch().rowsUpdated().block(TIMEOUT);
        return hashes(v1, "audit_events WHERE chain_pos IS NOT NULL");
    }

    /** {@code seq -> hash} of the rows of {@code fromWhere} (a table and condition with seq and hash columns). */
    static Map<Long, String> hashes(MigratedDatabase database, String fromWhere) {
        return database.db().sql("SELECT seq, hash FROM " + fromWhere)
                .map(r -> Map.entry(r.get("seq", Long.class), r.get("hash", String.class))).all()
                .collectMap(Map.Entry::getKey, Map.Entry::getValue).block(TIMEOUT);
    }

    /**
     * The V2 migration on a V1 database with a chain (DESIGN §8): twelve events appended under V1, nine of them linked
     * by updating their rows; after V2 the copied links are the same, the chain verifies with three events pending,
     * the chainer links those after the copied ones, and the events still carry their chain fields.
     *
     * @param migrateTo migrates the test's database up to a version ({@code null}: all) and connects to it
     */
    static void v2WhenV1ChainExistsThenLinksCopiedChainVerifiesAndContinues(
            Function<String, MigratedDatabase> migrateTo) {
        MigratedDatabase v1 = migrateTo.apply("1");
        AuditLog log = new AuditLog(v1.db(), new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        Flux.range(0, 12).concatMap(i -> log.append(leaseIssued("v1-" + i, "db/v1@" + (i + 1)))).blockLast(TIMEOUT);
        Map<Long, String> linkedInV1 = linkInV1Schema(v1, 9);

        MigratedDatabase v2 = migrateTo.apply(null);
        assertThat(hashes(v2, "audit_links")).isEqualTo(linkedInV1);
        assertThat(v2.db().sql("SELECT COUNT(*) AS n FROM information_schema.columns WHERE table_name = 'audit_events' "
                        + "AND column_name IN ('chain_pos', 'prev_hash', 'hash')")
                .map(r -> r.get("n", Long.class)).one().block(TIMEOUT)).as("chain columns left in audit_events").isZero();
        AuditVerifier verifier = new AuditVerifier(v2.db());
        assertThat(verifier.verify().block(TIMEOUT)).isEqualTo(new VerifyReport(true, 9, 3, null, null));

        assertThat(new AuditChainer(v2.db(), v2.tx()).linkAll().block(TIMEOUT)).isEqualTo(3);
        assertThat(verifier.verify().block(TIMEOUT)).isEqualTo(new VerifyReport(true, 12, 0, null, null));
        List<AuditEvent> events = new AuditQuery(v2.db()).find(AuditEventType.LEASE_ISSUED, null, "db/v1", null, 100)
                .collectList().block(TIMEOUT);
        assertThat(events).hasSize(12).allSatisfy(e -> assertThat(e.prevHash()).hasSize(64));
        assertThat(events.stream().filter(e -> linkedInV1.containsKey(e.seq()))
                .collect(Collectors.toMap(AuditEvent::seq, AuditEvent::hash))).isEqualTo(linkedInV1);
        assertThat(events).extracting(AuditEvent::chainPos).containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L,
                9L, 10L, 11L, 12L);
    }

    /**
     * A V1 row whose hash an attacker set to NULL: V2 must still migrate (the broker must start) and the verifier
     * must report the row, not skip it.
     */
    static void v2WhenAV1HashWasErasedThenMigratedAndVerifyReportsIt(Function<String, MigratedDatabase> migrateTo) {
        MigratedDatabase v1 = migrateTo.apply("1");
        AuditLog log = new AuditLog(v1.db(), new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        Flux.range(0, 4).concatMap(i -> log.append(leaseIssued("erased-" + i))).blockLast(TIMEOUT);
        linkInV1Schema(v1, 4);
        v1.db().sql("UPDATE audit_events SET hash = NULL WHERE chain_pos = 3").fetch().rowsUpdated().block(TIMEOUT);

        MigratedDatabase v2 = migrateTo.apply(null);
        VerifyReport r = new AuditVerifier(v2.db()).verify().block(TIMEOUT);
        assertThat(r.ok()).isFalse();
        assertThat(r.brokenAt()).isEqualTo(3);
        assertThat(r.chainedThrough()).isEqualTo(2);
    }
}
