// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.export;

import io.segura.broker.BackgroundLoop;
import io.segura.broker.audit.AuditEvent;
import io.segura.broker.audit.AuditQuery;
import io.segura.broker.config.ExportsSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Delivers the outbox (DESIGN §8a): per sink, claims its cursor, reads the linked events after it, hands them to the
 * sink off the request threads, then moves the cursor past what was delivered. A failure is retried with exponential
 * back-off and jitter; after {@code max-attempts} the event becomes a dead letter and delivery goes on after it. The
 * hot path never waits for any of this: it only ever wrote the audit event.
 */
public final class ExportWorker {

    private static final Logger log = LoggerFactory.getLogger(ExportWorker.class);

    private final ExportCursors cursors;
    private final RecentEvents recent;
    private final ExportSinks sinks;
    private final ExportsSpec.Delivery delivery;
    private final Duration claimTtl;
    private final Clock clock;
    private final ExportMetrics metrics;
    private final String worker;
    private final RandomGenerator random;
    private BackgroundLoop loop;
    /** Set by {@link #stop}: no drain starts after it. */
    private volatile boolean stopping;
    /** The sinks whose drain is running, so a tick starts only the idle ones (each sink keeps its own pace). */
    private final Set<String> draining = ConcurrentHashMap.newKeySet();
    /** The running drains by sink, to cancel them on {@link #stop}. */
    private final Map<String, Disposable> drains = new ConcurrentHashMap<>();

    ExportWorker(ExportCursors cursors, AuditQuery events, ExportSinks sinks, ExportsSpec.Delivery delivery,
            Duration claimTtl, Clock clock, ExportMetrics metrics, String worker, RandomGenerator random) {
        this.cursors = Objects.requireNonNull(cursors, "cursors cannot be null");
        // a few rounds' worth: the sinks that keep up read the same positions within moments of each other
        this.recent = new RecentEvents(Objects.requireNonNull(events, "events cannot be null"),
                4 * delivery.batch());
        this.sinks = Objects.requireNonNull(sinks, "sinks cannot be null");
        this.delivery = Objects.requireNonNull(delivery, "delivery cannot be null");
        this.claimTtl = Objects.requireNonNull(claimTtl, "claimTtl cannot be null");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
        this.metrics = Objects.requireNonNull(metrics, "metrics cannot be null");
        this.worker = Objects.requireNonNull(worker, "worker cannot be null");
        this.random = Objects.requireNonNull(random, "random cannot be null");
    }

    /** Delivers every sink until each is drained, waits for back-off or is claimed elsewhere; returns events passed. */
    public Mono<Long> deliverAll() {
        return sinks.current()
                .flatMap(list -> Flux.fromIterable(list)
                        .flatMap(sink -> drain(sink).onErrorResume(e -> {
                            log.warn("export to {} failed, retrying later: {}", sink.id(), e.toString());
                            return Mono.just(0L);
                        }), Math.max(1, list.size()))
                        .reduce(0L, Long::sum)
                        .flatMap(n -> metrics.refresh(list).thenReturn(n)));
    }

    private Mono<Long> drain(Sink sink) {
        // after a full round more is waiting, most likely: the next one skips the pending check
        return round(sink, true).expand(n -> n >= delivery.batch() && !stopping ? round(sink, false) : Mono.empty())
                .reduce(0L, Long::sum);
    }

    /**
     * One claimed round for one sink; returns how many events the cursor moved past (0: nothing to do). With
     * {@code check}, it first reads whether anything is pending, so an idle sink costs no claim (a write) per tick.
     */
    private Mono<Integer> round(Sink sink, boolean check) {
        return Mono.defer(() -> {
            Instant now = clock.instant();
            Instant until = now.plus(claimTtl);
            // stop handing events over well before the claim runs out, so no other worker takes over mid-batch
            Instant deadline = now.plus(claimTtl.dividedBy(2));
            return (check ? cursors.pending(sink.id()) : Mono.just(true)).filter(Boolean::booleanValue)
                    .flatMap(p -> cursors.claim(sink.id(), worker, now, until)).flatMap(claim -> recent
                    .after(claim.chainPos(), delivery.batch())
                    .flatMap(batch -> batch.isEmpty() ? cursors.release(claim).thenReturn(0)
                            : Mono.fromCallable(() -> attempt(sink, batch, deadline))
                                    .subscribeOn(Schedulers.boundedElastic())
                                    .flatMap(outcome -> settle(sink, claim, batch, outcome)))
                    .onErrorResume(e -> cursors.release(claim).onErrorResume(r -> Mono.empty())
                            .then(Mono.error(e))));
        }).defaultIfEmpty(0);
    }

    /** What a delivery attempt achieved: {@code delivered} accepted events, then {@code failure} (or none). */
    private record Outcome(List<AuditEvent> accepted, int delivered, DeliveryFailure failure) {
    }

    private static Outcome attempt(Sink sink, List<AuditEvent> batch, Instant deadline) {
        List<AuditEvent> accepted = new ArrayList<>(batch.size());
        for (AuditEvent e : batch) {
            if (sink.accepts(e)) {
                accepted.add(e);
            }
        }
        if (accepted.isEmpty()) {
            return new Outcome(accepted, 0, null);
        }
        try {
            return new Outcome(accepted, sink.deliver(accepted, deadline), null);
        } catch (DeliveryFailure f) {
            return new Outcome(accepted, Math.min(Math.max(0, f.delivered()), accepted.size()), f);
        } catch (RuntimeException e) {
            return new Outcome(accepted, 0, new DeliveryFailure(0, e.getClass().getSimpleName(), e));
        }
    }

    private Mono<Integer> settle(Sink sink, ExportCursors.Claim claim, List<AuditEvent> batch, Outcome o) {
        Instant now = clock.instant();
        metrics.delivered(sink.id(), o.delivered());
        // the cursor moves over every event before the first accepted one not delivered
        AuditEvent stop = o.delivered() < o.accepted().size() ? o.accepted().get(o.delivered()) : null;
        long moved = claim.chainPos();
        int count = 0;
        for (AuditEvent e : batch) {
            if (e == stop) {
                break;
            }
            moved = e.chainPos();
            count++;
        }
        long pos = moved;
        int passed = count;
        if (o.failure() == null) {
            return cursors.settle(claim, pos, stop == null ? 0 : claim.attempts(), null, null, null, now)
                    .map(ok -> ok ? passed : 0);
        }
        metrics.failed(sink.id());
        // attempts count the failures of the event right after the cursor: a new one if this round made progress
        int attempts = (passed == 0 ? claim.attempts() : 0) + 1;
        String error = o.failure().getMessage();
        if (attempts >= delivery.maxAttempts()) {
            log.warn("export to {}: event seq {} dead-lettered after {} attempts: {}", sink.id(), stop.seq(),
                    attempts, error);
            metrics.deadLettered(sink.id());
            ExportCursors.DeadLetter dead = new ExportCursors.DeadLetter(stop.seq(), stop.chainPos(), stop.id(),
                    attempts, error);
            return cursors.settle(claim, stop.chainPos(), 0, null, null, dead, now).map(ok -> ok ? passed + 1 : 0);
        }
        Duration wait = backoff(attempts);
        log.info("export to {} failed (attempt {} of {}), next try in {}: {}", sink.id(), attempts,
                delivery.maxAttempts(), wait, error);
        return cursors.settle(claim, pos, attempts, now.plus(wait), error, null, now).map(ok -> ok ? passed : 0);
    }

    /**
     * Exponential back-off with jitter: the cap {@code backoff × 2^(attempts-1)} (at most {@code max-backoff}), of
     * which a random half to all is waited — so replicas and sinks that failed together do not retry in step.
     */
    Duration backoff(int attempts) {
        long base = delivery.backoff().toMillis();
        long cap = delivery.maxBackoff().toMillis();
        long exp = attempts >= 40 ? cap : Math.min(cap, base << Math.max(0, attempts - 1));
        long wait = exp / 2 + (exp / 2 == 0 ? 0 : random.nextLong(exp / 2 + 1));
        return Duration.ofMillis(Math.max(1, wait));
    }

    /**
     * Every {@code interval}, starts a drain of each sink that is not draining already, and refreshes the gauges.
     * Each sink keeps its own pace: a slow sink (a webhook receiver far behind) never holds back a fast one, which
     * {@link #deliverAll} would (it completes when the slowest sink has drained).
     */
    public synchronized void start(Duration interval) {
        if (loop != null && loop.isRunning()) {
            throw new IllegalStateException("the export worker is already running");
        }
        stopping = false;
        loop = BackgroundLoop.start(Flux.interval(interval, interval), tick -> sinks.current().flatMap(list -> {
            list.forEach(this::startDrain);
            return metrics.refresh(list);
        }), e -> log.warn("export round failed, retrying on the next tick: {}", e.toString()));
    }

    private void startDrain(Sink sink) {
        if (stopping || !draining.add(sink.id())) {
            return;
        }
        drains.put(sink.id(), drain(sink).doFinally(s -> draining.remove(sink.id())).subscribe(n -> {
        }, e -> log.warn("export to {} failed, retrying later: {}", sink.id(), e.toString())));
    }

    /**
     * Starts no more drains and lets those running finish their round (at most {@link BackgroundLoop#GRACE}), so no
     * delivery is cancelled in the middle of its database work; what is left is cancelled, and redelivered from its
     * cursor by the next worker.
     */
    public synchronized void stop() {
        stopping = true;
        if (loop != null) {
            loop.stop();
            loop = null;
        }
        long deadline = System.nanoTime() + BackgroundLoop.GRACE.toNanos();
        while (!draining.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        drains.values().forEach(Disposable::dispose);
        drains.clear();
        sinks.close();
    }
}
