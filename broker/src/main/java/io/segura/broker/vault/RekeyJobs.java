// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Master-key rotation as a job in PostgreSQL ({@code rekey_jobs}, migration V3.1), online, resumable and safe with
 * several replicas:
 * <ul>
 * <li>online: a page of at most {@code pageSize} versions is re-wrapped per transaction, each UPDATE guarded by the
 * version's old {@code kek_id}; reads open a version under any key of the ring, so leases never wait for the job;
 * <li>resumable: the cursor and the count move in the page's transaction; a restarted worker continues after the
 * last committed page;
 * <li>one worker: a broker claims the running job with a conditional UPDATE (worker, claim expiry) and every page
 * locks the job row and checks the claim is still its own before it writes (a fence against a worker that stalled
 * past its claim); a dead worker's claim expires and another broker with the target key takes the job over.
 * </ul>
 * Only a broker whose current key is the job's target works on it. A version that cannot be opened (its key is not
 * in the ring, or it was tampered with) fails the job, naming the version; nothing is half-written.
 */
public final class RekeyJobs {

    private static final String JOB_COLUMNS = "id, state, target_kek_id, from_kek_ids, total, rewrapped, worker, "
            + "claim_expires_at, started_at, finished_at, error, cursor_path, cursor_version";

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final Envelope envelope;

    public RekeyJobs(DatabaseClient db, TransactionalOperator tx, KeyRing keys, SecureRandom random) {
        this.db = Objects.requireNonNull(db, "db cannot be null");
        this.tx = Objects.requireNonNull(tx, "tx cannot be null");
        this.envelope = new Envelope(Objects.requireNonNull(keys, "keys cannot be null"),
                Objects.requireNonNull(random, "random cannot be null"));
    }

    public KeyRing keys() {
        return envelope.keys();
    }

    /** How many versions each key id seals, ordered by key id. */
    public Mono<Map<String, Long>> versionsByKey() {
        return db.sql("SELECT kek_id, COUNT(*) AS n FROM secret_versions GROUP BY kek_id")
                .map(row -> Map.entry(row.get("kek_id", String.class), row.get("n", Long.class)))
                .all()
                .collectMap(Map.Entry::getKey, Map.Entry::getValue, TreeMap::new);
    }

    /**
     * Fails unless every key that seals a version is in this broker's ring: a broker started with a wrong or
     * incomplete set of keys would answer 500 for those secrets. Run at start-up.
     */
    public Mono<Void> requireEveryKeyHeld() {
        return versionsByKey().flatMap(byKey -> {
            Map<String, Long> missing = missing(byKey);
            if (missing.isEmpty()) {
                return Mono.<Void>empty();
            }
            return Mono.error(new MasterKeyException("the vault holds " + describe(missing) + " sealed under"
                    + " master key" + (missing.size() == 1 ? " " : "s ") + String.join(", ", missing.keySet())
                    + ", which this broker does not hold (its keys: " + String.join(", ", keys().ids()) + "; the"
                    + " current one is " + keys().current().id() + "). Set " + MasterKey.PREVIOUS_ENV + " (or "
                    + MasterKey.PREVIOUS_FILE_ENV + ") to the old key, or fix " + MasterKey.ENV + " if it is"
                    + " mistyped. The broker refuses to start rather than fail on those secrets."));
        });
    }

    /** The running job, or else the most recent one. */
    public Mono<RekeyJob> latest() {
        return db.sql("SELECT " + JOB_COLUMNS + " FROM rekey_jobs ORDER BY running_slot, started_at DESC LIMIT 1")
                .map(RekeyJobs::fromRow).one();
    }

    /** The latest job (if any) and how many versions each key id seals, as one snapshot saw them. */
    public record Snapshot(Optional<RekeyJob> job, Map<String, Long> versionsByKey) {
    }

    /**
     * {@link #latest()} and {@link #versionsByKey()} read by one statement, so the job's count and the versions'
     * keys agree: read apart, a page committing between the two reads showed a job {@code done} with a page more
     * than the versions' {@code remaining}.
     */
    public Mono<Snapshot> snapshot() {
        return db.sql("SELECT v.kek_id, v.n, j.* FROM (SELECT 1 AS one) o"
                        + " LEFT JOIN (SELECT kek_id, COUNT(*) AS n FROM secret_versions GROUP BY kek_id) v ON TRUE"
                        + " LEFT JOIN (SELECT " + JOB_COLUMNS + " FROM rekey_jobs ORDER BY running_slot, started_at"
                        + " DESC LIMIT 1) j ON TRUE")
                .map(row -> new SnapshotRow(row.get("id", String.class) == null ? null : fromRow(row),
                        row.get("kek_id", String.class), row.get("n", Long.class)))
                .all().collectList()
                .map(rows -> {
                    Map<String, Long> byKey = new TreeMap<>();
                    rows.stream().filter(r -> r.kekId() != null).forEach(r -> byKey.put(r.kekId(), r.versions()));
                    return new Snapshot(Optional.ofNullable(rows.get(0).job()), byKey);
                });
    }

    private record SnapshotRow(RekeyJob job, String kekId, Long versions) {
    }

    /** The outcome of {@link #start}: the job, and whether this call created it or restarted a failed one. */
    public record Start(RekeyJob job, boolean created, boolean resumed) {
    }

    /**
     * Starts a rotation to this broker's current key, or answers the one already running to it, or restarts the most
     * recent one if it failed with the same target. {@code expectedKeyId} must be this broker's current key id: an
     * operator names the key they mean, so a replica started with a mistyped key refuses instead of re-wrapping
     * every secret under it.
     *
     * @throws RekeyConflictException (as the error signal) when the expected key is not the current one, another
     *                                job targets another key, or some versions are under a key this broker lacks
     */
    public Mono<Start> start(String expectedKeyId, Instant now, RekeyEvents events, String clientIp) {
        return Mono.defer(() -> {
            String current = keys().current().id();
            if (!current.equals(expectedKeyId)) {
                throw new RekeyConflictException("this broker's current master key is " + current + ", not "
                        + expectedKeyId + ": check " + MasterKey.ENV + " on this broker (a rotation re-wraps every"
                        + " secret under the current key)");
            }
            return tx.transactional(latest().map(Optional::of).defaultIfEmpty(Optional.empty())
                    .flatMap(found -> {
                        RekeyJob last = found.orElse(null);
                        if (last != null && last.running()) {
                            if (!last.targetKeyId().equals(current)) {
                                return Mono.error(new RekeyConflictException("rotation " + last.id() + " to key "
                                        + last.targetKeyId() + " is running; this broker's current key is " + current
                                        + ". Give every replica the same " + MasterKey.ENV + " first"));
                            }
                            return Mono.just(new Start(last, false, false));
                        }
                        return versionsByKey().flatMap(byKey -> {
                            Map<String, Long> missing = missing(byKey);
                            if (!missing.isEmpty()) {
                                return Mono.error(new RekeyConflictException(describe(missing) + " are sealed under"
                                        + " key(s) " + String.join(", ", missing.keySet()) + ", which this broker"
                                        + " does not hold: add the old key to " + MasterKey.PREVIOUS_ENV
                                        + " on this broker"));
                            }
                            Map<String, Long> older = new TreeMap<>(byKey);
                            older.remove(current);
                            long remaining = older.values().stream().mapToLong(Long::longValue).sum();
                            if (last != null && RekeyJob.FAILED.equals(last.state())
                                    && last.targetKeyId().equals(current)) {
                                return resume(last, remaining, now)
                                        .flatMap(job -> events.started(job, true, clientIp)
                                                .thenReturn(new Start(job, false, true)));
                            }
                            return create(current, older, remaining, now)
                                    .flatMap(job -> events.started(job, false, clientIp)
                                            .thenReturn(new Start(job, true, false)));
                        });
                    }))
                    // Two operators starting at once: the second insert hits running_slot's UNIQUE; answer its job.
                    .onErrorResume(DataIntegrityViolationException.class, e -> latest()
                            .filter(RekeyJob::running)
                            .map(job -> new Start(job, false, false))
                            .switchIfEmpty(Mono.error(e)));
        });
    }

    private Mono<RekeyJob> create(String target, Map<String, Long> older, long remaining, Instant now) {
        String id = UUID.randomUUID().toString();
        return db.sql("INSERT INTO rekey_jobs (id, running_slot, state, target_kek_id, from_kek_ids, total, rewrapped,"
                        + " cursor_path, cursor_version, started_at) VALUES (:id, 1, :state, :target, :from, :total, 0,"
                        + " '', 0, :started)")
                .bind("id", id).bind("state", RekeyJob.RUNNING).bind("target", target)
                .bind("from", String.join(",", older.keySet())).bind("total", remaining)
                .bind("started", time(now))
                .fetch().rowsUpdated()
                .then(job(id));
    }

    private Mono<RekeyJob> resume(RekeyJob failed, long remaining, Instant now) {
        // The cursor restarts: the version that failed may be fixed now, and it sorts before the cursor.
        return db.sql("UPDATE rekey_jobs SET running_slot = 1, state = :state, error = NULL, finished_at = NULL,"
                        + " worker = NULL, claim_expires_at = NULL, cursor_path = '', cursor_version = 0,"
                        + " total = rewrapped + :remaining WHERE id = :id")
                .bind("state", RekeyJob.RUNNING).bind("remaining", remaining).bind("id", failed.id())
                .fetch().rowsUpdated()
                .then(job(failed.id()));
    }

    /**
     * Claims the running job for {@code worker} until {@code now + ttl} if nobody else holds a live claim on it.
     * Empty when there is no running job or another worker holds it.
     *
     * @throws RekeyConflictException (as the error signal) when the job's target is not this broker's current key
     */
    public Mono<RekeyJob> claim(String worker, Instant now, Duration ttl) {
        return db.sql("SELECT " + JOB_COLUMNS + " FROM rekey_jobs WHERE running_slot = 1").map(RekeyJobs::fromRow).one()
                .flatMap(job -> {
                    if (!job.targetKeyId().equals(keys().current().id())) {
                        return Mono.error(new RekeyConflictException("rotation " + job.id() + " re-wraps under key "
                                + job.targetKeyId() + " but this broker's current key is " + keys().current().id()
                                + "; a broker with that key will run it"));
                    }
                    // The WHERE is evaluated again on the row's newest version once a competing UPDATE commits, so
                    // of two brokers claiming at once exactly one gets a row.
                    return db.sql("UPDATE rekey_jobs SET worker = :worker, claim_expires_at = :until WHERE id = :id"
                                    + " AND running_slot = 1 AND (worker IS NULL OR worker = :worker2"
                                    + " OR claim_expires_at < :now)")
                            .bind("worker", worker).bind("until", time(now.plus(ttl))).bind("id", job.id())
                            .bind("worker2", worker).bind("now", time(now))
                            .fetch().rowsUpdated()
                            .flatMap(n -> n == 1 ? job(job.id()) : Mono.empty());
                });
    }

    /** What one {@link #step} did. */
    public enum Step {
        /** A page was re-wrapped (or the cursor wrapped around to catch late versions): call again. */
        MORE,
        /** Every version is under the target key; the job is done. */
        DONE,
        /** A version could not be re-wrapped; the job is failed and stopped. */
        FAILED,
        /** The claim is no longer this worker's (it stalled past its claim and another took over). */
        LOST
    }

    /**
     * Re-wraps the next page of the claimed job in one transaction, renewing the claim, or finishes the job when no
     * version is left under an older key.
     */
    public Mono<Step> step(String jobId, String worker, Instant now, Duration ttl, int pageSize, RekeyEvents events) {
        String target = keys().current().id();
        Mono<Step> page = lockOwn(jobId, worker).flatMap(job -> db.sql("SELECT " + SecretStore.VERSION_COLUMNS
                                + " FROM secret_versions v WHERE (v.path > :lastPath OR (v.path = :lastPath2 AND"
                                + " v.version > :lastVersion)) AND v.kek_id <> :kek ORDER BY v.path, v.version LIMIT "
                                + pageSize)
                        .bind("lastPath", job.cursorPath()).bind("lastPath2", job.cursorPath())
                        .bind("lastVersion", job.cursorVersion()).bind("kek", target)
                        .map(StoredVersion::from).all().collectList()
                        .flatMap(rows -> rows.isEmpty() ? endOfPass(job.job(), now, events)
                                : Flux.fromIterable(rows).concatMap(this::move).reduce(0L, Long::sum)
                                        .flatMap(moved -> {
                                            StoredVersion last = rows.get(rows.size() - 1);
                                            return db.sql("UPDATE rekey_jobs SET cursor_path = :path, cursor_version"
                                                            + " = :version, rewrapped = rewrapped + :moved,"
                                                            + " claim_expires_at = :until WHERE id = :id")
                                                    .bind("path", last.path()).bind("version", last.version())
                                                    .bind("moved", moved).bind("until", time(now.plus(ttl)))
                                                    .bind("id", jobId)
                                                    .fetch().rowsUpdated().thenReturn(Step.MORE);
                                        })))
                .defaultIfEmpty(Step.LOST);
        return tx.transactional(page)
                .onErrorResume(VaultIntegrityException.class, e -> fail(jobId, worker, e.getMessage(), now, events));
    }

    private record Locked(RekeyJob job, String cursorPath, int cursorVersion) {
    }

    /** Locks the job row for the page's transaction; empty unless it is running and claimed by {@code worker}. */
    private Mono<Locked> lockOwn(String jobId, String worker) {
        return db.sql("SELECT " + JOB_COLUMNS + " FROM rekey_jobs WHERE id = :id AND running_slot = 1 AND worker ="
                        + " :worker FOR UPDATE")
                .bind("id", jobId).bind("worker", worker)
                .map(row -> new Locked(fromRow(row), row.get("cursor_path", String.class),
                        row.get("cursor_version", Integer.class)))
                .one();
    }

    private Mono<Step> endOfPass(RekeyJob job, Instant now, RekeyEvents events) {
        String target = keys().current().id();
        return db.sql("SELECT COUNT(*) AS n FROM secret_versions WHERE kek_id <> :kek").bind("kek", target)
                .map(row -> row.get("n", Long.class)).one()
                .flatMap(left -> {
                    if (left > 0) {
                        // Written behind the cursor by a replica still sealing under an older key: another pass.
                        return db.sql("UPDATE rekey_jobs SET cursor_path = '', cursor_version = 0, total = rewrapped"
                                        + " + :left WHERE id = :id")
                                .bind("left", left).bind("id", job.id())
                                .fetch().rowsUpdated().thenReturn(Step.MORE);
                    }
                    return db.sql("UPDATE rekey_jobs SET running_slot = NULL, state = :state, finished_at = :now,"
                                    + " claim_expires_at = NULL, total = rewrapped WHERE id = :id")
                            .bind("state", RekeyJob.DONE).bind("now", time(now)).bind("id", job.id())
                            .fetch().rowsUpdated()
                            .then(job(job.id()))
                            .flatMap(done -> events.finished(done))
                            .thenReturn(Step.DONE);
                });
    }

    private Mono<Step> fail(String jobId, String worker, String problem, Instant now, RekeyEvents events) {
        String error = problem.length() > 1000 ? problem.substring(0, 1000) : problem;
        return tx.transactional(lockOwn(jobId, worker)
                .flatMap(locked -> db.sql("UPDATE rekey_jobs SET running_slot = NULL, state = :state, error = :error,"
                                + " finished_at = :now, claim_expires_at = NULL WHERE id = :id")
                        .bind("state", RekeyJob.FAILED).bind("error", error).bind("now", time(now)).bind("id", jobId)
                        .fetch().rowsUpdated()
                        .then(job(jobId))
                        .flatMap(events::failed)
                        .thenReturn(Step.FAILED))
                .defaultIfEmpty(Step.LOST));
    }

    /** Gives up {@code worker}'s claim (a broker shutting down), so another broker resumes at once. */
    public Mono<Long> release(String worker) {
        return db.sql("UPDATE rekey_jobs SET worker = NULL, claim_expires_at = NULL WHERE running_slot = 1 AND worker"
                        + " = :worker")
                .bind("worker", worker).fetch().rowsUpdated();
    }

    /**
     * Re-wraps one version's DEK under the current key and recomputes its fingerprint (whose key derives from the
     * KEK); the value's nonce and ciphertext stay as they are. The {@code kek_id} guard counts a row another writer
     * moved meanwhile as 0 instead of writing it twice.
     */
    private Mono<Long> move(StoredVersion row) {
        SealedValue s = envelope.rewrap(row.path(), row.version(), row.sealed());
        return db.sql("UPDATE secret_versions SET kek_id = :kek, wrapped_dek = :wrappedDek, fingerprint = :fingerprint"
                        + " WHERE path = :path AND version = :version AND kek_id = :oldKek")
                .bind("kek", s.kekId()).bind("wrappedDek", s.wrappedDek()).bind("fingerprint", s.fingerprint())
                .bind("path", row.path()).bind("version", row.version()).bind("oldKek", row.sealed().kekId())
                .fetch().rowsUpdated();
    }

    private Mono<RekeyJob> job(String id) {
        return db.sql("SELECT " + JOB_COLUMNS + " FROM rekey_jobs WHERE id = :id").bind("id", id)
                .map(RekeyJobs::fromRow).one();
    }

    private static RekeyJob fromRow(io.r2dbc.spi.Readable row) {
        String from = row.get("from_kek_ids", String.class);
        return new RekeyJob(row.get("id", String.class), row.get("state", String.class),
                row.get("target_kek_id", String.class),
                from == null || from.isEmpty() ? List.of() : Arrays.asList(from.split(",")),
                row.get("total", Long.class), row.get("rewrapped", Long.class), row.get("worker", String.class),
                instant(row.get("claim_expires_at", OffsetDateTime.class)),
                instant(row.get("started_at", OffsetDateTime.class)),
                instant(row.get("finished_at", OffsetDateTime.class)), row.get("error", String.class));
    }

    private Map<String, Long> missing(Map<String, Long> byKey) {
        Map<String, Long> missing = new LinkedHashMap<>();
        byKey.forEach((id, n) -> {
            if (keys().find(id).isEmpty()) {
                missing.put(id, n);
            }
        });
        return missing;
    }

    private static String describe(Map<String, Long> byKey) {
        long n = byKey.values().stream().mapToLong(Long::longValue).sum();
        return n + " secret version" + (n == 1 ? "" : "s");
    }

    private static OffsetDateTime time(Instant t) {
        return OffsetDateTime.ofInstant(t.truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
    }

    private static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }
}
