// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.audit;

import static io.segura.broker.audit.AuditTestSupport.TIMEOUT;
import static io.segura.broker.audit.AuditTestSupport.leaseIssued;
import static org.assertj.core.api.Assertions.assertThat;

import io.segura.broker.vault.MigratedDatabase;
import io.segura.testkit.postgres.PostgresExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;

/**
 * The SIEM pull cursor ({@code ?after=<seq>}): a poller that always asks after the last seq it got sees every
 * committed event exactly once, even when a transaction with a lower seq commits after a higher one was served, and
 * never a rolled-back seq.
 */
class AuditCursorTests {

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    static MigratedDatabase database;
    static AuditLog log;
    static AuditChainer chainer;
    static AuditQuery query;

    @BeforeAll
    static void migrate() {
        database = MigratedDatabase.postgres(PG);
        log = new AuditLog(database.db(), new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        chainer = new AuditChainer(database.db(), database.tx(), 50);
        query = new AuditQuery(database.db());
    }

    @BeforeEach
    void emptyChain() {
        AuditTestSupport.reset(database);
    }

    /** One poll: the events after {@code after}, as the endpoint serves them. */
    private static List<AuditEvent> poll(long after, int limit) {
        Long pos = query.chainPosOf(after).block(TIMEOUT);
        assertThat(pos).as("after=%s is a seq the cursor served", after).isNotNull();
        return query.after(pos, null, null, null, null, limit).collectList().block(TIMEOUT);
    }

    @Test
    void afterWhenALowerSeqCommitsAfterAHigherOneWasServedThenThePollerStillGetsItOnce() throws Exception {
        log.append(leaseIssued("first")).block(TIMEOUT);
        CountDownLatch inserted = new CountDownLatch(1);
        CompletableFuture<Void> gate = new CompletableFuture<>();
        AuditEvent slow = leaseIssued("slow");
        CompletableFuture<Void> slowTx = database.tx().transactional(log.append(slow)
                .then(Mono.fromRunnable(inserted::countDown)).then(Mono.fromFuture(gate))).toFuture();
        assertThat(inserted.await(30, TimeUnit.SECONDS)).isTrue();
        database.tx().transactional(log.append(leaseIssued("gone")).then(Mono.error(new IllegalStateException())))
                .onErrorResume(IllegalStateException.class, x -> Mono.empty()).block(TIMEOUT);
        log.append(leaseIssued("fast")).block(TIMEOUT);
        chainer.linkAll().block(TIMEOUT);

        List<String> seen = new ArrayList<>();
        long cursor = 0;
        List<AuditEvent> page = poll(cursor, 1);
        while (!page.isEmpty()) {
            page.forEach(e -> seen.add(e.subject()));
            cursor = page.get(page.size() - 1).seq();
            page = poll(cursor, 1);
        }
        assertThat(seen).containsExactly("first", "fast");
        long fastSeq = cursor;

        gate.complete(null);
        slowTx.get(30, TimeUnit.SECONDS);
        chainer.linkAll().block(TIMEOUT);
        List<AuditEvent> late = poll(fastSeq, 10);
        assertThat(late).extracting(AuditEvent::subject).containsExactly("slow");
        assertThat(late.get(0).seq()).as("a lower seq than the one the poller already had").isLessThan(fastSeq);
        assertThat(poll(late.get(0).seq(), 10)).isEmpty();
    }

    @Test
    void afterWhenAnEventIsNotLinkedYetThenItIsNotServedAndItsSeqIsNoCursor() {
        AuditEvent e = leaseIssued("unlinked");
        log.append(e).block(TIMEOUT);
        assertThat(query.after(0, null, null, null, null, 10).collectList().block(TIMEOUT)).isEmpty();
        long seq = database.db().sql("SELECT seq FROM audit_events WHERE id = :id").bind("id", e.id())
                .map(r -> r.get("seq", Long.class)).one().block(TIMEOUT);
        assertThat(query.chainPosOf(seq).blockOptional(TIMEOUT)).isEmpty();
        chainer.linkAll().block(TIMEOUT);
        assertThat(poll(0, 10)).extracting(AuditEvent::id).containsExactly(e.id());
    }

    @Test
    void afterWhenFilteredThenOnlyMatchingEventsInChainOrder() {
        log.append(leaseIssued("a", "db/prod/password@1")).block(TIMEOUT);
        log.append(leaseIssued("b", "api/key@2")).block(TIMEOUT);
        log.append(leaseIssued("c", "db/prod/password@3")).block(TIMEOUT);
        chainer.linkAll().block(TIMEOUT);
        assertThat(query.after(0, AuditEventType.LEASE_ISSUED, null, "db/prod/password", null, 10)
                .collectList().block(TIMEOUT)).extracting(AuditEvent::subject).containsExactly("a", "c");
        assertThat(query.after(0, null, "b", null, null, 10).collectList().block(TIMEOUT))
                .extracting(AuditEvent::subject).containsExactly("b");
    }
}
