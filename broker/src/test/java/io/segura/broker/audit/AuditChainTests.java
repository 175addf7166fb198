// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.audit;

import static io.segura.broker.audit.AuditTestSupport.TIMEOUT;
import static io.segura.broker.audit.AuditTestSupport.UNLINKED;
import static io.segura.broker.audit.AuditTestSupport.eventAt;
import static io.segura.broker.audit.AuditTestSupport.leaseIssued;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segura.broker.vault.KeyRing;
import io.segura.broker.vault.MasterKey;
import io.segura.broker.vault.MigratedDatabase;
import io.segura.broker.vault.SecretNotFoundException;
import io.segura.broker.vault.SecretStore;
import io.segura.testkit.postgres.PostgresExtension;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.dao.DataIntegrityViolationException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

class AuditChainTests {

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    static MigratedDatabase database;
    static AuditLog log;
    static AuditChainer chainer;
    static AuditVerifier verifier;

    @BeforeAll
    static void migrate() {
        database = MigratedDatabase.postgres(PG);
        log = new AuditLog(database.db(), new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        chainer = new AuditChainer(database.db(), database.tx(), 7);
        verifier = new AuditVerifier(database.db());
    }

    @BeforeEach
    void emptyChain() {
        AuditTestSupport.reset(database);
    }

    @AfterEach
    void stopChainer() {
        chainer.stop();
    }

    @Test
    void appendWhenCallerTransactionRollsBackThenNoEvent() throws Exception {
        Mono<Void> work = log.append(leaseIssued("rollback")).then(Mono.error(new IllegalStateException("boom")));
        assertThatThrownBy(() -> database.tx().transactional(work).block(TIMEOUT)).hasMessageContaining("boom");
        assertThat(count("SELECT COUNT(*) FROM audit_events")).isZero();
    }

    @Test
    void appendWhenAuditInsertFailsInsideWriteTransactionThenSecretWriteRollsBack() {
        MasterKey kek = MasterKey.fromBase64(Base64.getEncoder().encodeToString(new byte[32]));
        SecretStore store = new SecretStore(database.db(), database.tx(), KeyRing.of(kek));
        AuditEvent event = leaseIssued("dup");
        log.append(event).block(TIMEOUT);
        // Same id again violates the UNIQUE constraint: the audit insert fails, so must the secret write.
        Mono<Void> work = store.write("audited/secret", "audited-value", null).then(log.append(event));
        assertThatThrownBy(() -> database.tx().transactional(work).block(TIMEOUT))
                .isInstanceOf(DataIntegrityViolationException.class);
        assertThatThrownBy(() -> store.metadata("audited/secret").block(TIMEOUT))
                .isInstanceOf(SecretNotFoundException.class);
    }

    @Test
    void appendWhenChainFieldsSetOrRawTokenThenRejected() {
        AuditEvent e = leaseIssued("x");
        AuditEvent withSeq = new AuditEvent(e.id(), e.occurredAt(), e.type(), null, null, null, null, null, null,
                null, null, null, 5L, null, null, null);
        assertThatThrownBy(() -> log.append(withSeq).block(TIMEOUT)).isInstanceOf(IllegalArgumentException.class);
        // the builder redacts token-shaped text (AuditTextTests); an event made without it still meets the guard
        AuditEvent token = new AuditEvent(e.id(), e.occurredAt(), AuditEventType.TOKEN_REJECTED, null, null, null,
                null, null, null, null, "sgs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", null, null, null, null, null);
        assertThatThrownBy(() -> log.append(token).block(TIMEOUT)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void verifyWhileTheChainerLinksThenChainedAndPendingDescribeTheSameMoment() throws Exception {
        int events = 400;
        Flux.range(0, events).concatMap(i -> log.append(leaseIssued("snap" + i))).blockLast(TIMEOUT);
        var linking = chainer.linkAll().subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic()).toFuture();
        List<VerifyReport> reports = new ArrayList<>();
        while (!linking.isDone()) {
            reports.add(verifier.verify().block(TIMEOUT));
        }
        linking.get();
        reports.add(verifier.verify().block(TIMEOUT));
        assertThat(reports).allSatisfy(r -> {
            assertThat(r.ok()).isTrue();
            assertThat(r.chainedThrough() + r.pendingUnchained()).as("one snapshot: %s", r).isEqualTo(events);
        });
        assertThat(reports.get(reports.size() - 1).chainedThrough()).isEqualTo(events);
    }

    @Test
    void linkPendingWhenEventsCommittedThenLinkedInSeqOrderAndVerifyOk() throws Exception {
        Flux.range(0, 20).concatMap(i -> log.append(leaseIssued("s" + i, "db/prod/password@" + (i + 1))))
                .blockLast(TIMEOUT);
        VerifyReport before = verifier.verify().block(TIMEOUT);
        assertThat(before).isEqualTo(new VerifyReport(true, 0, 20, null, null));

        assertThat(chainer.linkPending().block(TIMEOUT)).isEqualTo(7);
        assertThat(chainer.linkAll().block(TIMEOUT)).isEqualTo(13);
        assertThat(chainer.linkPending().block(TIMEOUT)).isZero();

        List<long[]> rows = new ArrayList<>();
        try (Connection c = PG.database().connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT e.seq, l.chain_pos FROM audit_events e "
                        + "LEFT JOIN audit_links l ON l.seq = e.seq ORDER BY e.seq")) {
            while (rs.next()) {
                rows.add(new long[] {rs.getLong(1), rs.getLong(2)});
            }
        }
        assertThat(rows).extracting(r -> r[1]).containsExactlyElementsOf(LongStream.rangeClosed(1, 20).boxed()
                .toList());
        assertThat(verifier.verify().block(TIMEOUT)).isEqualTo(new VerifyReport(true, 20, 0, null, null));
        try (Connection c = PG.database().connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT h.hash = l.hash FROM audit_chain_head h "
                        + "JOIN audit_links l ON l.chain_pos = h.chain_pos")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getBoolean(1)).isTrue();
        }
    }

    @Test
    void linkPendingWhenLowerSeqCommitsLateThenLinkedLaterAndChainStillVerifies() throws Exception {
        CountDownLatch inserted = new CountDownLatch(1);
        CompletableFuture<Void> gate = new CompletableFuture<>();
        AuditEvent early = leaseIssued("early");
        CompletableFuture<Void> slow = database.tx().transactional(log.append(early)
                        .then(Mono.fromRunnable(inserted::countDown))
                        .then(Mono.fromFuture(gate)))
                .toFuture();
        assertThat(inserted.await(30, TimeUnit.SECONDS)).isTrue();
        AuditEvent late = leaseIssued("late");
        log.append(late).block(TIMEOUT);

        assertThat(chainer.linkAll().block(TIMEOUT)).isEqualTo(1);
        assertThat(verifier.verify().block(TIMEOUT)).isEqualTo(new VerifyReport(true, 1, 0, null, null));

        gate.complete(null);
        slow.get(30, TimeUnit.SECONDS);
        assertThat(verifier.verify().block(TIMEOUT)).isEqualTo(new VerifyReport(true, 1, 1, null, null));
        assertThat(chainer.linkAll().block(TIMEOUT)).isEqualTo(1);

        long[] e = seqAndPos(early.id());
        long[] l = seqAndPos(late.id());
        assertThat(e[0]).isLessThan(l[0]);
        assertThat(e[1]).isEqualTo(2);
        assertThat(l[1]).isEqualTo(1);
        assertThat(verifier.verify().block(TIMEOUT)).isEqualTo(new VerifyReport(true, 2, 0, null, null));
    }

    @Test
    void linkPendingWhenStartedOnAFullyLinkedTableThenTheFloorRisesToTheNewestLink() {
        for (int i = 0; i < 5; i++) {
            log.append(leaseIssued("linked-before-the-restart-" + i)).block(TIMEOUT);
        }
        assertThat(new AuditChainer(database.db(), database.tx(), 7).linkAll().block(TIMEOUT)).isEqualTo(5);
        long newest = database.db().sql("SELECT MAX(seq) AS m FROM audit_links").map(row -> row.get("m", Long.class))
                .one().block(TIMEOUT);
        // a restarted broker: its chainer's first (full) search finds every event linked
        AuditChainer restarted = new AuditChainer(database.db(), database.tx(), 100, 2, Duration.ofHours(1),
                Duration.ofHours(1), System::nanoTime);
        assertThat(restarted.linkAll().block(TIMEOUT)).isZero();
        // not below seq 1, from where every later run would walk the whole table until traffic linked an event
        assertThat(restarted.floor()).isEqualTo(newest - 2);
        log.append(leaseIssued("after-the-restart")).block(TIMEOUT);
        assertThat(restarted.linkAll().block(TIMEOUT)).isEqualTo(1);
        assertThat(verifier.verify().block(TIMEOUT)).isEqualTo(new VerifyReport(true, 6, 0, null, null));
    }

    @Test
    void linkPendingWhenTheFirstSearchFindsNothingThenLaterEventsAreStillLinkedAtOnce() {
        AuditChainer fresh = new AuditChainer(database.db(), database.tx(), 100, 2_000, Duration.ofHours(1),
                Duration.ofHours(1), System::nanoTime);
        assertThat(fresh.linkAll().block(TIMEOUT)).isZero();
        log.append(leaseIssued("after-an-empty-search")).block(TIMEOUT);
        assertThat(fresh.linkAll().block(TIMEOUT)).isEqualTo(1);
        assertThat(verifier.verify().block(TIMEOUT)).isEqualTo(new VerifyReport(true, 1, 0, null, null));
    }

    @Test
    void linkPendingWhenAnotherChainerHoldsTheHeadThenSkipsAtOnceInsteadOfWaiting() throws Exception {
        AuditChainer fresh = new AuditChainer(database.db(), database.tx(), 100, 2_000, Duration.ofHours(1),
                Duration.ofHours(1), System::nanoTime);
        log.append(leaseIssued("while-the-head-is-held")).block(TIMEOUT);
        try (java.sql.Connection other = PG.database().connect()) {
            other.setAutoCommit(false);
            try (java.sql.Statement s = other.createStatement()) {
                s.execute("SELECT chain_pos FROM audit_chain_head WHERE id = 1 FOR UPDATE");
            }
            // without SKIP LOCKED this waits for the other transaction, here until TIMEOUT
            assertThat(fresh.linkPending().block(Duration.ofSeconds(10))).isZero();
            other.rollback();
        }
        // once the head is free the event is linked
        assertThat(fresh.linkAll().block(TIMEOUT)).isEqualTo(1);
        assertThat(verifier.verify().block(TIMEOUT)).isEqualTo(new VerifyReport(true, 1, 0, null, null));
    }

    @Test
    void linkPendingWhenAnEventCommitsLateThenTheRecentSearchOrElseTheFullSearchLinksIt() throws Exception {
        // a floor 1 event below the highest linked seq; the searches are timed by this clock alone
        AtomicLong clock = new AtomicLong();
        AuditChainer narrow = new AuditChainer(database.db(), database.tx(), 100, 1, Duration.ofMinutes(1),
                Duration.ofHours(1), clock::get);
        log.append(leaseIssued("first")).block(TIMEOUT);
        assertThat(narrow.linkAll().block(TIMEOUT)).as("the first run searches everything").isEqualTo(1);
        clock.addAndGet(Duration.ofMinutes(1).toNanos());
        assertThat(narrow.linkAll().block(TIMEOUT)).isZero(); // the first recent search: the floor it starts from

        Straggler late = new Straggler(leaseIssued("straggler"));
        for (int i = 0; i < 4; i++) {
            log.append(leaseIssued("on-time-" + i)).block(TIMEOUT);
        }
        assertThat(narrow.linkAll().block(TIMEOUT)).isEqualTo(4);
        late.commit();
        assertThat(narrow.linkAll().block(TIMEOUT)).as("below the floor now").isZero();
        assertThat(verifier.verify().block(TIMEOUT)).isEqualTo(new VerifyReport(true, 5, 1, null, null));
        clock.addAndGet(Duration.ofMinutes(1).toNanos());
        assertThat(narrow.linkAll().block(TIMEOUT)).as("the recent search finds it").isEqualTo(1);
        assertThat(seqAndPos(late.event().id())[1]).isEqualTo(6);

        // committed after two recent searches have passed its seq: only the full search looks that far back
        Straggler later = new Straggler(leaseIssued("later-straggler"));
        for (int i = 0; i < 4; i++) {
            log.append(leaseIssued("on-time-again-" + i)).block(TIMEOUT);
        }
        assertThat(narrow.linkAll().block(TIMEOUT)).isEqualTo(4);
        clock.addAndGet(Duration.ofMinutes(1).toNanos());
        assertThat(narrow.linkAll().block(TIMEOUT)).isZero();
        later.commit();
        clock.addAndGet(Duration.ofMinutes(1).toNanos());
        assertThat(narrow.linkAll().block(TIMEOUT)).as("the recent search starts above it").isZero();
        assertThat(verifier.verify().block(TIMEOUT)).isEqualTo(new VerifyReport(true, 10, 1, null, null));
        clock.addAndGet(Duration.ofHours(1).toNanos());
        assertThat(narrow.linkAll().block(TIMEOUT)).as("the full search finds it").isEqualTo(1);
        assertThat(verifier.verify().block(TIMEOUT)).isEqualTo(new VerifyReport(true, 11, 0, null, null));
    }

    /** An audit event inserted in a transaction that stays open (its seq taken) until {@link #commit()}. */
    private final class Straggler {

        private final AuditEvent event;
        private final CompletableFuture<Void> gate = new CompletableFuture<>();
        private final CompletableFuture<Void> done;

        private Straggler(AuditEvent event) throws InterruptedException {
            this.event = event;
            CountDownLatch inserted = new CountDownLatch(1);
            done = database.tx().transactional(log.append(event)
                            .then(Mono.fromRunnable(inserted::countDown))
                            .then(Mono.fromFuture(gate)))
                    .toFuture();
            assertThat(inserted.await(30, TimeUnit.SECONDS)).isTrue();
        }

        AuditEvent event() {
            return event;
        }

        void commit() throws Exception {
            gate.complete(null);
            done.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void linkPendingWhenRolledBackEventsLeaveSeqGapsThenChainHasNoGaps() throws Exception {
        log.append(leaseIssued("a")).block(TIMEOUT);
        database.tx().transactional(log.append(leaseIssued("gone")).then(Mono.error(new IllegalStateException())))
                .onErrorResume(IllegalStateException.class, x -> Mono.empty()).block(TIMEOUT);
        log.append(leaseIssued("b")).block(TIMEOUT);
        assertThat(chainer.linkAll().block(TIMEOUT)).isEqualTo(2);
        assertThat(verifier.verify().block(TIMEOUT)).isEqualTo(new VerifyReport(true, 2, 0, null, null));
    }

    @Test
    void startWhenTwoChainersRunWhileEventsAreAppendedThenOneChainWithoutGapsOrForks() throws Exception {
        AuditChainer replica2 = new AuditChainer(database.db(), database.tx(), 5);
        chainer.start(Duration.ofMillis(5));
        replica2.start(Duration.ofMillis(7));
        try {
            int n = 150;
            Flux.range(0, n).flatMap(i -> log.append(leaseIssued("c" + i, "svc/k" + (i % 5) + "@1")), 8)
                    .blockLast(TIMEOUT);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (count("SELECT COUNT(*) FROM " + UNLINKED) > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(count("SELECT COUNT(*) FROM " + UNLINKED)).isZero();
            assertThat(count("SELECT COUNT(DISTINCT chain_pos) FROM audit_links")).isEqualTo(n);
            assertThat(count("SELECT MAX(chain_pos) FROM audit_links")).isEqualTo(n);
            assertThat(verifier.verify().block(TIMEOUT)).isEqualTo(new VerifyReport(true, n, 0, null, null));
        } finally {
            replica2.stop();
        }
    }

    @Test
    void startWhenAlreadyRunningThenRefusedAndStopIsIdempotent() throws Exception {
        chainer.start(Duration.ofMillis(10));
        assertThat(chainer.isRunning()).isTrue();
        assertThatThrownBy(() -> chainer.start(Duration.ofMillis(10))).isInstanceOf(IllegalStateException.class);
        log.append(leaseIssued("bg")).block(TIMEOUT);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (count("SELECT COUNT(*) FROM " + UNLINKED) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(count("SELECT COUNT(*) FROM audit_links WHERE chain_pos = 1")).isEqualTo(1);
        chainer.stop();
        chainer.stop();
        assertThat(chainer.isRunning()).isFalse();
        assertThatThrownBy(() -> chainer.start(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void verifyWhenRowModifiedThenBrokenAtThatRow() throws Exception {
        appendAndLink(5);
        exec("UPDATE audit_events SET reason = 'nothing to see' WHERE " + eventAt(3));
        VerifyReport r = verifier.verify().block(TIMEOUT);
        assertThat(r.ok()).isFalse();
        assertBrokenAt(r, 3);
        assertThat(r.problem()).contains("modified");
    }

    @Test
    void verifyWhenCtxOrTimeModifiedThenDetected() throws Exception {
        appendAndLink(3);
        exec("UPDATE audit_events SET ctx = '{\"platform\":\"gitlab\"}' WHERE " + eventAt(1));
        assertThat(verifier.verify().block(TIMEOUT).brokenAt()).isEqualTo(1);
        AuditTestSupport.reset(database);
        appendAndLink(3);
        exec("UPDATE audit_events SET occurred_at = occurred_at + interval '1 second' WHERE " + eventAt(2));
        assertThat(verifier.verify().block(TIMEOUT).brokenAt()).isEqualTo(2);
    }

    @Test
    void verifyWhenRowModifiedAndItsHashRecomputedThenSuccessorBreaks() throws Exception {
        appendAndLink(5);
        exec("UPDATE audit_events SET subject = 'someone-else' WHERE " + eventAt(3));
        StoredAuditRow row = database.db().sql("SELECT " + StoredAuditRow.COLUMNS + " FROM "
                + StoredAuditRow.EVENTS_WITH_LINKS + " WHERE l.chain_pos = 3").map(StoredAuditRow::from).one()
                .block(TIMEOUT);
        exec("UPDATE audit_links SET hash = '" + ChainHash.link(row.prevHash(), row) + "' WHERE chain_pos = 3");
        VerifyReport r = verifier.verify().block(TIMEOUT);
        assertBrokenAt(r, 4);
        assertThat(r.problem()).contains("prev_hash");
    }

    @Test
    void verifyWhenMiddleRowDeletedThenGapReported() throws Exception {
        appendAndLink(5);
        // the whole record: the event and its link
        exec("DELETE FROM audit_events WHERE " + eventAt(2));
        exec("DELETE FROM audit_links WHERE chain_pos = 2");
        VerifyReport r = verifier.verify().block(TIMEOUT);
        assertBrokenAt(r, 2);
        assertThat(r.problem()).contains("missing");
    }

    @Test
    void verifyWhenLastRowDeletedThenHeadMismatchReported() throws Exception {
        appendAndLink(5);
        // the whole record: the event and its link
        exec("DELETE FROM audit_events WHERE " + eventAt(5));
        exec("DELETE FROM audit_links WHERE chain_pos = 5");
        VerifyReport r = verifier.verify().block(TIMEOUT);
        assertBrokenAt(r, 5);
        assertThat(r.problem()).contains("head");
    }

    @Test
    void verifyWhenAnEventIsDeletedButItsLinkKeptThenTheLinkReportsItMissing() throws Exception {
        appendAndLink(5);
        long seq = count("SELECT seq FROM audit_links WHERE chain_pos = 2");
        exec("DELETE FROM audit_events WHERE " + eventAt(2));
        VerifyReport r = verifier.verify().block(TIMEOUT);
        assertBrokenAt(r, 2);
        assertThat(r.pendingUnchained()).isZero();
        assertThat(r.problem()).contains("event").contains("(seq " + seq + ")").contains("missing");

        // the last event too, where the head still matches the last link
        AuditTestSupport.reset(database);
        appendAndLink(5);
        exec("DELETE FROM audit_events WHERE " + eventAt(5));
        r = verifier.verify().block(TIMEOUT);
        assertBrokenAt(r, 5);
        assertThat(r.problem()).contains("missing");
    }

    @Test
    void verifyWhenALinkIsDeletedThenGapReportedEvenAfterItsEventIsLinkedAgain() throws Exception {
        appendAndLink(5);
        long seq = count("SELECT seq FROM audit_links WHERE chain_pos = 2");
        exec("DELETE FROM audit_links WHERE chain_pos = 2");
        VerifyReport r = verifier.verify().block(TIMEOUT);
        assertBrokenAt(r, 2);
        assertThat(r.pendingUnchained()).as("the event lost its link").isEqualTo(1);
        assertThat(r.problem()).contains("chain position 2 is missing");

        assertThat(chainer.linkAll().block(TIMEOUT)).isEqualTo(1);
        assertThat(count("SELECT chain_pos FROM audit_links WHERE seq = " + seq)).isEqualTo(6);
        r = verifier.verify().block(TIMEOUT);
        assertThat(r.brokenAt()).isEqualTo(2);
        assertThat(r.pendingUnchained()).isZero();
    }

    @Test
    void linkAllWhenEventsAreLinkedThenTheirRowsAreNeverRewritten() throws Exception {
        Flux.range(0, 10).concatMap(i -> log.append(leaseIssued("w" + i))).blockLast(TIMEOUT);
        // an UPDATE writes a new row version: another ctid and xmin
        String versions = "SELECT string_agg(seq || ':' || ctid::text || ':' || xmin::text, ',' ORDER BY seq) "
                + "FROM audit_events";
        String before = text(versions);
        assertThat(chainer.linkAll().block(TIMEOUT)).isEqualTo(10);
        assertThat(count("SELECT COUNT(*) FROM audit_links")).isEqualTo(10);
        assertThat(text(versions)).isEqualTo(before);
        assertThat(verifier.verify().block(TIMEOUT)).isEqualTo(new VerifyReport(true, 10, 0, null, null));
    }

    @Test
    void verifyWhenHeadTamperedThenReported() throws Exception {
        appendAndLink(3);
        exec("UPDATE audit_chain_head SET hash = '" + "f".repeat(64) + "'");
        assertThat(verifier.verify().block(TIMEOUT).problem()).contains("head hash");
        exec("UPDATE audit_chain_head SET chain_pos = 2, hash = (SELECT hash FROM audit_links WHERE chain_pos = 2)");
        VerifyReport r = verifier.verify().block(TIMEOUT);
        assertThat(r.ok()).isFalse();
        assertBrokenAt(r, 3);
        assertThat(r.problem()).contains("beyond the head");
    }

    @Test
    void verifyWhenChainLongerThanOnePageThenWalksAllPages() throws Exception {
        int n = AuditVerifier.PAGE + 30;
        Flux.range(0, n).flatMap(i -> log.append(leaseIssued("p" + i)), 8).blockLast(TIMEOUT);
        new AuditChainer(database.db(), database.tx()).linkAll().block(TIMEOUT);
        assertThat(verifier.verify().block(TIMEOUT)).isEqualTo(new VerifyReport(true, n, 0, null, null));
        exec("UPDATE audit_events SET role = 'admin' WHERE " + eventAt(AuditVerifier.PAGE + 10));
        assertThat(verifier.verify().block(TIMEOUT).brokenAt()).isEqualTo(AuditVerifier.PAGE + 10);
    }

    /** The walk stopped at {@code position}: everything before it verified. */
    private static void assertBrokenAt(VerifyReport report, long position) {
        assertThat(report.brokenAt()).isEqualTo(position);
        assertThat(report.chainedThrough()).isEqualTo(position - 1);
    }

    private static void appendAndLink(int n) {
        Flux.range(0, n).concatMap(i -> log.append(leaseIssued("t" + i, "db/t@" + (i + 1)))).blockLast(TIMEOUT);
        assertThat(chainer.linkAll().block(TIMEOUT)).isEqualTo(n);
        assertThat(verifier.verify().block(TIMEOUT).ok()).isTrue();
    }

    private static long[] seqAndPos(String id) throws Exception {
        try (Connection c = PG.database().connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT e.seq, l.chain_pos FROM audit_events e "
                        + "LEFT JOIN audit_links l ON l.seq = e.seq WHERE e.id = '" + id + "'")) {
            assertThat(rs.next()).isTrue();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }

    private static void exec(String sql) throws Exception {
        try (Connection c = PG.database().connect(); Statement s = c.createStatement()) {
            assertThat(s.executeUpdate(sql)).isPositive();
        }
    }

    private static String text(String sql) throws Exception {
        try (Connection c = PG.database().connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    private static long count(String sql) throws Exception {
        try (Connection c = PG.database().connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
