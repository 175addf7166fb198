// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.sync;

import io.segura.broker.BackgroundLoop;
import io.segura.broker.Refusal;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.config.SyncSpec;
import io.segura.broker.config.TrustConfig;
import io.segura.broker.vault.SecretStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

/**
 * The secret sync (docs/SYNC.md): enqueues a job per target in the transaction of every new version of a path it maps
 * ({@link SyncTrigger}), one at start-up per target and one per target every {@code schedule}; a worker loop on every
 * replica claims due jobs ({@code SKIP LOCKED}), runs the {@link SyncEngine} off the event loop and retries failures
 * with exponential backoff and jitter, never shorter than the remote's {@code Retry-After}. Nothing here runs on a
 * request's path: a target that is down only delays its own jobs.
 */
public final class SyncService implements SyncTrigger {

    private static final Logger log = LoggerFactory.getLogger(SyncService.class);
    private static final int BATCH = 16;

    private final Map<String, SyncSpec> targets = new LinkedHashMap<>();
    private final SyncQueue queue;
    private final SyncEngine engine;
    private final SyncStateStore state;
    private final SyncSettings settings;
    private final Clock clock;
    private final SecureRandom random;
    private final Sinks.Many<Boolean> nudges = Sinks.many().multicast().directBestEffort();
    private final Map<String, Instant> nextCheck = new ConcurrentHashMap<>();
    private BackgroundLoop running;

    public SyncService(TrustConfig config, DatabaseClient db, TransactionalOperator tx, SecretStore store,
            AuditLog audit, JsonMapper json, SyncSettings settings, Clock clock, SecureRandom random) {
        config.sync().forEach(s -> targets.put(s.name(), s));
        this.settings = Objects.requireNonNull(settings, "settings cannot be null");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
        this.random = Objects.requireNonNull(random, "random cannot be null");
        this.queue = new SyncQueue(db, tx, clock);
        this.state = new SyncStateStore(db);
        this.engine = new SyncEngine(store, state, audit, tx, new TargetClients(settings.timeout(), json), clock);
    }

    @Override
    public Mono<Void> secretChanged(String path) {
        // A new platform token also re-runs its targets: a sync that failed for want of one goes at once.
        return Flux.fromIterable(targets.values()).filter(t -> t.maps(path) || t.tokenSecret().equals(path))
                .concatMap(t -> queue.enqueue(t.name(), SyncJob.Reason.ROTATION, path))
                .then();
    }

    @Override
    public void committed() {
        nudges.tryEmitNext(Boolean.TRUE);
    }

    /** Starts the worker loop and enqueues one start-up sync per target. No-op without targets. */
    public void start() {
        if (targets.isEmpty()) {
            return;
        }
        Instant now = clock.instant();
        targets.values().forEach(t -> nextCheck.put(t.name(), now.plus(t.schedule())));
        Flux<Boolean> ticks = Flux.merge(Flux.interval(Duration.ZERO, settings.pollInterval(), Schedulers.parallel())
                .map(i -> Boolean.TRUE), nudges.asFlux());
        running = BackgroundLoop.start(Flux.fromIterable(targets.keySet())
                        .concatMap(t -> queue.enqueueOnce(t, SyncJob.Reason.STARTUP))
                        .onErrorResume(e -> {
                            log.warn("sync: could not enqueue the start-up syncs (the schedule will): {}",
                                    e.toString());
                            return Mono.empty();
                        })
                        .thenMany(ticks),
                tick -> round(), e -> log.warn("sync round failed (will retry): {}", e.toString()));
        log.info("sync: {} target(s): {}", targets.size(), targets.keySet());
    }

    public void stop() {
        if (running != null) {
            running.stop();
        }
    }

    /** One pass: enqueue due schedule checks, then claim due jobs and run each target once. */
    Mono<Void> round() {
        Instant now = clock.instant();
        Mono<Void> schedule = Flux.fromIterable(targets.values())
                .filter(t -> !now.isBefore(nextCheck.getOrDefault(t.name(), now)))
                .concatMap(t -> {
                    nextCheck.put(t.name(), now.plus(t.schedule()));
                    return queue.enqueueOnce(t.name(), SyncJob.Reason.SCHEDULE);
                })
                .then();
        return schedule.then(queue.claim(BATCH, settings.claimLease())).flatMap(jobs -> {
            Map<String, List<SyncJob>> byTarget = new LinkedHashMap<>();
            jobs.forEach(j -> byTarget.computeIfAbsent(j.target(), k -> new ArrayList<>()).add(j));
            return Flux.fromIterable(byTarget.entrySet())
                    .flatMap(e -> runTarget(e.getKey(), e.getValue()), settings.concurrency())
                    .then();
        });
    }

    private Mono<Void> runTarget(String name, List<SyncJob> jobs) {
        SyncSpec spec = targets.get(name);
        if (spec == null) {
            // A target removed from the config: its queued jobs have nothing left to do.
            return Flux.fromIterable(jobs).concatMap(queue::complete).then();
        }
        SyncJob.Reason reason = jobs.stream().anyMatch(j -> j.reason() == SyncJob.Reason.MANUAL)
                ? SyncJob.Reason.MANUAL : jobs.get(0).reason();
        String trigger = jobs.stream().map(SyncJob::triggerRef).filter(Objects::nonNull).findFirst().orElse(null);
        int attempts = jobs.stream().mapToInt(SyncJob::attempts).max().orElse(0);
        return engine.run(spec, reason, trigger)
                .flatMap(result -> {
                    if (!result.retryable()) {
                        return Flux.fromIterable(jobs).concatMap(queue::complete).then();
                    }
                    return retry(jobs, attempts, result.retryAfter(), result.firstError());
                })
                .onErrorResume(e -> {
                    log.warn("sync {}: run failed (will retry): {}", name, e.toString());
                    return retry(jobs, attempts, null, e.getClass().getSimpleName());
                });
    }

    private Mono<Void> retry(List<SyncJob> jobs, int attempts, Duration retryAfter, String error) {
        if (attempts + 1 >= settings.maxAttempts()) {
            log.warn("sync {}: giving up after {} attempts until the next schedule: {}", jobs.get(0).target(),
                    attempts + 1, error);
            return Flux.fromIterable(jobs).concatMap(queue::complete).then();
        }
        Duration wait = backoff(attempts);
        if (retryAfter != null && retryAfter.compareTo(wait) > 0) {
            wait = retryAfter;
        }
        Duration after = wait;
        // One job carries the retry; the others were the same work.
        return Flux.fromIterable(jobs.subList(1, jobs.size())).concatMap(queue::complete)
                .then(queue.retry(jobs.get(0), after, error));
    }

    /** {@code retryBase · 2^attempts}, capped, with up to 20 % jitter so replicas do not retry in step. */
    Duration backoff(int attempts) {
        long base = settings.retryBase().toMillis() << Math.min(attempts, 20);
        long capped = Math.min(base, settings.retryMax().toMillis());
        return Duration.ofMillis(capped + (long) (capped * 0.2 * random.nextDouble()));
    }

    /** Enqueues a manual (forced) sync of {@code target}, or of every target when null. */
    public Mono<Map<String, Object>> run(String target) {
        List<String> names;
        if (target == null) {
            names = List.copyOf(targets.keySet());
        } else if (!targets.containsKey(target)) {
            return Mono.error(Refusal.notFound("sync-target-not-found", "no sync target " + target
                    + " in the trust config; configured: " + targets.keySet()));
        } else {
            names = List.of(target);
        }
        return Flux.fromIterable(names).concatMap(n -> queue.enqueue(n, SyncJob.Reason.MANUAL, null)).then()
                .doOnSuccess(v -> committed())
                .thenReturn(Map.of("queued", names));
    }

    /** Every target with its mappings' state, pending jobs and drift; metadata only. */
    public Mono<Map<String, Object>> status(String only) {
        if (only != null && !targets.containsKey(only)) {
            return Mono.error(Refusal.notFound("sync-target-not-found", "no sync target " + only
                    + " in the trust config; configured: " + targets.keySet()));
        }
        return Mono.zip(state.allMappings().collectList(), state.targets().collectList(),
                queue.pending().collectList()).map(t -> SyncStatusView.render(targets.values(), only, t.getT1(),
                t.getT2(), t.getT3()));
    }

    boolean hasTargets() {
        return !targets.isEmpty();
    }
}
