// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.admin;

import io.segura.broker.BackgroundLoop;
import io.segura.broker.Refusal;
import io.segura.broker.audit.AuditEvent;
import io.segura.broker.audit.AuditEventType;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.vault.RekeyConflictException;
import io.segura.broker.vault.RekeyEvents;
import io.segura.broker.vault.RekeyJob;
import io.segura.broker.vault.RekeyJobs;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Master-key rotation for operators ({@code POST/GET /api/v2/admin/rekey}) and its worker: every broker polls for the
 * running job each interval and, when its current key is the job's target and no live claim is held, claims it and
 * re-wraps page after page ({@link RekeyJobs}). Start, finish and failure are audited ({@code vault.rekey_started},
 * {@code vault.rekeyed}, {@code vault.rekey_failed}) with key ids and counts, never key material.
 */
public final class MasterKeyRotation {

    private static final Logger log = LoggerFactory.getLogger(MasterKeyRotation.class);

    private final RekeyJobs jobs;
    private final AuditLog audit;
    private final Clock clock;
    private final Duration interval;
    private final Duration claimTtl;
    private final int pageSize;
    private final String worker;
    private final RekeyEvents events = new AuditedEvents();
    /** Jobs this broker already logged it cannot run (target is not its key): once each, not every interval. */
    private final Set<String> notMine = ConcurrentHashMap.newKeySet();
    private BackgroundLoop running;

    public MasterKeyRotation(RekeyJobs jobs, AuditLog audit, Clock clock, Duration interval, Duration claimTtl,
            int pageSize, SecureRandom random) {
        this.jobs = Objects.requireNonNull(jobs, "jobs cannot be null");
        this.audit = Objects.requireNonNull(audit, "audit cannot be null");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
        this.interval = Objects.requireNonNull(interval, "interval cannot be null");
        this.claimTtl = Objects.requireNonNull(claimTtl, "claimTtl cannot be null");
        this.pageSize = pageSize;
        byte[] suffix = new byte[4];
        random.nextBytes(suffix);
        String host = System.getenv("HOSTNAME");
        this.worker = (host == null || host.isBlank() ? "broker" : host) + "/" + ProcessHandle.current().pid() + "/"
                + HexFormat.of().formatHex(suffix);
    }

    /** This broker's worker name as stored in the job's claim: host, process id and a random suffix. */
    public String worker() {
        return worker;
    }

    /**
     * Starts a rotation to this broker's current key (or answers the one running, or restarts a failed one).
     *
     * @return {@code created} (true when this call created or restarted a job) and the status view
     */
    public Mono<Map<String, Object>> start(String expectedKeyId, String clientIp) {
        return jobs.start(expectedKeyId, clock.instant(), events, clientIp)
                .onErrorMap(RekeyConflictException.class,
                        e -> Refusal.conflict("rekey-conflict", e.getMessage()))
                .flatMap(started -> status().map(view -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("started", started.created() || started.resumed());
                    m.put("resumed", started.resumed());
                    m.putAll(view);
                    return m;
                }));
    }

    /** The latest job (running first) with live counts of the versions still under an older key. */
    public Mono<Map<String, Object>> status() {
        return jobs.snapshot().map(now -> view(now.job().orElse(null), now.versionsByKey()));
    }

    private Map<String, Object> view(RekeyJob job, Map<String, Long> byKey) {
        String target = job != null ? job.targetKeyId() : jobs.keys().current().id();
        Map<String, Long> remaining = new TreeMap<>(byKey);
        remaining.remove(target);
        long left = remaining.values().stream().mapToLong(Long::longValue).sum();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job_id", job == null ? null : job.id());
        m.put("state", job == null ? "none" : job.state());
        m.put("target_key_id", target);
        m.put("from_key_ids", job == null ? remaining.keySet().stream().toList() : job.fromKeyIds());
        m.put("total", job == null ? left : job.total());
        m.put("done", job == null ? 0 : job.rewrapped());
        m.put("remaining", left);
        m.put("remaining_by_key", remaining);
        m.put("started_at", job == null ? null : text(job.startedAt()));
        m.put("finished_at", job == null ? null : text(job.finishedAt()));
        m.put("worker", job == null ? null : job.worker());
        m.put("claim_expires_at", job == null ? null : text(job.claimExpiresAt()));
        m.put("error", job == null ? null : job.error());
        Map<String, Object> broker = new LinkedHashMap<>();
        broker.put("current_key_id", jobs.keys().current().id());
        broker.put("key_ids", jobs.keys().ids());
        broker.put("worker", worker);
        m.put("broker", broker);
        return m;
    }

    /** Starts polling for a running job every {@code interval} (bean init). */
    public void startWorker() {
        running = BackgroundLoop.start(Flux.interval(interval, interval, Schedulers.parallel()), tick -> work(),
                e -> log.warn("master-key rotation round failed (will retry): {}", e.toString()));
    }

    /** Claims the running job if it is this broker's to run and works it to the end (or until the claim is lost). */
    Mono<RekeyJobs.Step> work() {
        return jobs.claim(worker, clock.instant(), claimTtl)
                .onErrorResume(RekeyConflictException.class, e -> {
                    if (notMine.add(e.getMessage())) {
                        log.warn("master-key rotation: {}", e.getMessage());
                    }
                    return Mono.empty();
                })
                .flatMap(job -> {
                    log.info("master-key rotation {}: {} working, {} of {} versions re-wrapped so far", job.id(),
                            worker, job.rewrapped(), job.total());
                    return Mono.defer(() -> jobs.step(job.id(), worker, clock.instant(), claimTtl, pageSize, events))
                            .repeat()
                            .takeUntil(step -> step != RekeyJobs.Step.MORE)
                            .last()
                            .doOnNext(step -> log.info("master-key rotation {}: {}", job.id(), switch (step) {
                                case DONE -> "done, every version is under key " + job.targetKeyId();
                                case FAILED -> "failed (GET /api/v2/admin/rekey shows why)";
                                case LOST -> "another broker took the job over";
                                case MORE -> "paused";
                            }));
                });
    }

    /** Stops polling and gives the claim up, so another broker resumes at once (bean destroy). */
    public void stopWorker() {
        if (running != null) {
            running.stop();
        }
        try {
            jobs.release(worker).block(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            log.warn("master-key rotation: could not release the claim on shutdown ({}); it expires by itself",
                    e.toString());
        }
    }

    private static String text(Instant t) {
        return t == null ? null : t.toString();
    }

    private final class AuditedEvents implements RekeyEvents {

        @Override
        public Mono<Void> started(RekeyJob job, boolean resumed, String clientIp) {
            Map<String, Object> details = base(job);
            details.put("resumed", resumed);
            return audit.append(AuditEvent.builder(AuditEventType.VAULT_REKEY_STARTED).subject("admin")
                    .clientIp(clientIp).details(details));
        }

        @Override
        public Mono<Void> finished(RekeyJob job) {
            Map<String, Object> details = base(job);
            details.put("worker", worker);
            return audit.append(AuditEvent.builder(AuditEventType.VAULT_REKEYED).subject("broker").details(details));
        }

        @Override
        public Mono<Void> failed(RekeyJob job) {
            Map<String, Object> details = base(job);
            details.put("worker", worker);
            return audit.append(AuditEvent.builder(AuditEventType.VAULT_REKEY_FAILED).subject("broker")
                    .reason(job.error()).details(details));
        }

        private Map<String, Object> base(RekeyJob job) {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("job_id", job.id());
            details.put("target_key_id", job.targetKeyId());
            details.put("from_key_ids", job.fromKeyIds());
            details.put("total", job.total());
            details.put("rewrapped", job.rewrapped());
            return details;
        }
    }
}
