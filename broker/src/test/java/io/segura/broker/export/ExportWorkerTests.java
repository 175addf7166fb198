// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.segura.broker.audit.AuditChainer;
import io.segura.broker.audit.AuditEvent;
import io.segura.broker.audit.AuditEventType;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.audit.AuditQuery;
import io.segura.broker.config.ExportsSpec;
import io.segura.broker.vault.KeyRing;
import io.segura.broker.vault.MasterKey;
import io.segura.broker.vault.MigratedDatabase;
import io.segura.broker.vault.SecretStore;
import io.segura.testkit.postgres.PostgresExtension;
import io.segura.testkit.time.MutableClock;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import tools.jackson.databind.json.JsonMapper;

/**
 * The delivery worker on PostgreSQL with a recording sink: two replicas delivering one sink at once never send an
 * event twice (the SKIP LOCKED claim), failures back off and end in a dead letter, and the back-off grows with
 * jitter inside its bounds.
 */
class ExportWorkerTests {

    static final Duration TIMEOUT = Duration.ofSeconds(60);

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    static MigratedDatabase database;
    static AuditLog log;
    static AuditChainer chainer;
    static AuditQuery query;
    static ExportCursors cursors;
    static WebhookSubscriptions webhooks;

    @BeforeAll
    static void migrate() {
        database = MigratedDatabase.postgres(PG);
        log = new AuditLog(database.db(), new SimpleMeterRegistry());
        chainer = new AuditChainer(database.db(), database.tx(), 500);
        query = new AuditQuery(database.db());
        cursors = new ExportCursors(database.db(), database.tx());
        KeyRing keys = KeyRing.of(MasterKey.fromBase64(Base64.getEncoder().encodeToString(new byte[32])));
        webhooks = new WebhookSubscriptions(database.db(), new SecretStore(database.db(), database.tx(), keys),
                cursors, new SecureRandom(), Clock.systemUTC());
    }

    /** A sink that records what it got; fails while {@code failing} is positive (counting down). */
    static final class RecordingSink implements Sink {
        final String id;
        final List<String> got = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger failing = new AtomicInteger();

        RecordingSink(String id) {
            this.id = id;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public boolean accepts(AuditEvent event) {
            return true;
        }

        @Override
        public int deliver(List<AuditEvent> events, Instant deadline) throws DeliveryFailure {
            if (failing.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new DeliveryFailure(0, "receiver down");
            }
            events.forEach(e -> got.add(e.id()));
            return events.size();
        }

        @Override
        public void close() {
        }
    }

    private static ExportWorker worker(Sink sink, String name, ExportsSpec.Delivery delivery) {
        return worker(sink, name, delivery, Clock.systemUTC());
    }

    private static ExportWorker worker(Sink sink, String name, ExportsSpec.Delivery delivery, Clock clock) {
        ExportSinks sinks = new ExportSinks(List.of(sink), webhooks, Duration.ofSeconds(5), JsonMapper.builder()
                .build(), clock);
        return new ExportWorker(cursors, query, sinks, delivery, delivery.claimTtl(), clock,
                new ExportMetrics(new SimpleMeterRegistry(), database.db(), clock), name, new Random(7));
    }

    private static List<String> append(String prefix, int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            AuditEvent e = AuditEvent.builder(AuditEventType.LEASE_ISSUED).role("r").subject(prefix + i).build();
            log.append(e).block(TIMEOUT);
            ids.add(e.id());
        }
        chainer.linkAll().block(TIMEOUT);
        return ids;
    }

    @Test
    void deliverAllWhenTwoReplicasDeliverOneSinkAtOnceThenEveryEventIsSentExactlyOnce() {
        RecordingSink shared = new RecordingSink("syslog:shared");
        cursors.ensure(shared.id(), false, Instant.now()).block(TIMEOUT);
        ExportsSpec.Delivery delivery = new ExportsSpec.Delivery(3, Duration.ofSeconds(1), Duration.ofSeconds(2), 7,
                Duration.ofSeconds(30));
        ExportWorker a = worker(shared, "replica-a", delivery);
        ExportWorker b = worker(shared, "replica-b", delivery);
        List<String> ids = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            ids.addAll(append("r" + round + "-", 20));
            Flux.merge(a.deliverAll(), b.deliverAll(), a.deliverAll(), b.deliverAll()).blockLast(TIMEOUT);
        }
        // whatever a skipped claim left over
        a.deliverAll().block(TIMEOUT);
        assertThat(shared.got).doesNotHaveDuplicates().containsExactlyElementsOf(ids);
    }

    @Test
    void deliverAllWhenTheSinkKeepsFailingThenBackOffThenADeadLetterThenDeliveryGoesOn() throws Exception {
        RecordingSink flaky = new RecordingSink("syslog:flaky");
        cursors.ensure(flaky.id(), false, Instant.now()).block(TIMEOUT);
        ExportsSpec.Delivery delivery = new ExportsSpec.Delivery(2, Duration.ofSeconds(1), Duration.ofSeconds(1), 1,
                Duration.ofSeconds(30));
        MutableClock clock = new MutableClock(Instant.now());
        ExportWorker w = worker(flaky, "solo", delivery, clock);
        List<String> ids = append("flaky-", 2);
        flaky.failing.set(2);
        w.deliverAll().block(TIMEOUT); // attempt 1 fails: back-off of 0.5..1 s
        w.deliverAll().block(TIMEOUT); // still backing off on this clock: nothing happens
        assertThat(flaky.failing.get()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(2));
        // attempt 2 = max-attempts: the first event is a dead letter, then the second is delivered
        w.deliverAll().block(TIMEOUT);
        assertThat(flaky.failing.get()).isZero();
        assertThat(flaky.got).containsExactly(ids.get(1));
        DeadLetters dead = new DeadLetters(database.db(), query, new ExportSinks(List.of(flaky), webhooks,
                Duration.ofSeconds(5), JsonMapper.builder().build(), Clock.systemUTC()), Clock.systemUTC());
        List<DeadLetters.DeadLetter> letters = dead.list(flaky.id(), 10).collectList().block(TIMEOUT);
        assertThat(letters).singleElement().satisfies(d -> {
            assertThat(d.eventId()).isEqualTo(ids.get(0));
            assertThat(d.attempts()).isEqualTo(2);
            assertThat(d.lastError()).isEqualTo("receiver down");
        });
        dead.replay(letters.get(0).id()).block(TIMEOUT);
        assertThat(flaky.got).containsExactly(ids.get(1), ids.get(0));
        assertThat(dead.list(flaky.id(), 10).collectList().block(TIMEOUT)).isEmpty();
    }

    /** A sink whose deliveries wait until the test lets them go: a receiver far behind. */
    static final class StuckSink implements Sink {
        final java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);

        @Override
        public String id() {
            return "webhook:stuck";
        }

        @Override
        public boolean accepts(AuditEvent event) {
            return true;
        }

        @Override
        public int deliver(List<AuditEvent> events, Instant deadline) {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return events.size();
        }

        @Override
        public void close() {
            release.countDown();
        }
    }

    @Test
    void startWhenOneSinkIsStuckThenAnotherSinkKeepsDeliveringAtItsOwnPace() throws Exception {
        StuckSink stuck = new StuckSink();
        RecordingSink fast = new RecordingSink("syslog:fast");
        cursors.ensure(stuck.id(), false, Instant.now()).block(TIMEOUT);
        cursors.ensure(fast.id(), false, Instant.now()).block(TIMEOUT);
        ExportsSpec.Delivery delivery = new ExportsSpec.Delivery(3, Duration.ofSeconds(1), Duration.ofSeconds(2), 50,
                Duration.ofSeconds(30));
        ExportSinks sinks = new ExportSinks(List.of(stuck, fast), webhooks, Duration.ofSeconds(5),
                JsonMapper.builder().build(), Clock.systemUTC());
        ExportWorker w = new ExportWorker(cursors, query, sinks, delivery, delivery.claimTtl(), Clock.systemUTC(),
                new ExportMetrics(new SimpleMeterRegistry(), database.db(), Clock.systemUTC()), "paced",
                new Random(7));
        List<String> ids = new ArrayList<>(append("before-", 3));
        w.start(Duration.ofMillis(50));
        try {
            assertThat(stuck.entered.await(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            // the stuck sink holds its first round; events linked from now on still reach the other sink
            ids.addAll(append("after-", 3));
            Instant deadline = Instant.now().plus(TIMEOUT);
            while (!fast.got.containsAll(ids)) {
                assertThat(Instant.now()).as("the fast sink got %s of %s", fast.got, ids).isBefore(deadline);
                Thread.sleep(20);
            }
            assertThat(fast.got).doesNotHaveDuplicates();
        } finally {
            w.stop();
        }
    }

    @Test
    void recentEventsWhenASecondSinkReadsTheSamePositionsThenItGetsTheEventsKeptAndOnlyTheRestFromTheDatabase() {
        long start = query.chainHead().block(TIMEOUT);
        List<String> ids = append("recent-", 10);
        RecentEvents recent = new RecentEvents(query, 100);
        List<AuditEvent> first = recent.after(start, 5).block(TIMEOUT);
        List<AuditEvent> second = recent.after(start, 10).block(TIMEOUT);
        assertThat(first).extracting(AuditEvent::id).containsExactlyElementsOf(ids.subList(0, 5));
        assertThat(second).extracting(AuditEvent::id).containsExactlyElementsOf(ids);
        for (int i = 0; i < 5; i++) {
            assertThat(second.get(i)).as("kept, not read again").isSameAs(first.get(i));
        }
        assertThat(second).extracting(AuditEvent::chainPos).containsExactlyElementsOf(
                java.util.stream.LongStream.rangeClosed(start + 1, start + 10).boxed().toList());
        // a small window keeps only the newest positions; older ones are read again, the same events
        RecentEvents small = new RecentEvents(query, 3);
        small.after(start, 10).block(TIMEOUT);
        assertThat(small.after(start, 10).block(TIMEOUT)).extracting(AuditEvent::id).containsExactlyElementsOf(ids);
    }

    @Test
    void backoffWhenAttemptsGrowThenDoublesWithJitterUpToTheCap() {
        ExportWorker w = worker(new RecordingSink("syslog:math"), "math", new ExportsSpec.Delivery(8,
                Duration.ofSeconds(1), Duration.ofSeconds(10), 10, Duration.ofSeconds(30)));
        for (int attempt = 1; attempt <= 8; attempt++) {
            long cap = Math.min(10_000, 1000L << (attempt - 1));
            for (int i = 0; i < 20; i++) {
                long ms = w.backoff(attempt).toMillis();
                assertThat(ms).as("attempt %s", attempt).isBetween(cap / 2, cap);
            }
        }
    }
}
