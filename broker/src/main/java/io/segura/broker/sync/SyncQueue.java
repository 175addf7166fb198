// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.sync;

import static io.segura.broker.database.Timestamps.utc;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The sync's own outbox, {@code sync_jobs} (V8): jobs are inserted in the transaction of what caused them (a
 * rotation), and claimed by any replica with {@code FOR UPDATE SKIP LOCKED}. A claim moves {@code not_before} past a
 * lease instead of holding a lock during the remote calls, so a crashed worker's job comes back by itself.
 */
final class SyncQueue {

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final Clock clock;

    SyncQueue(DatabaseClient db, TransactionalOperator tx, Clock clock) {
        this.db = Objects.requireNonNull(db, "db cannot be null");
        this.tx = Objects.requireNonNull(tx, "tx cannot be null");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    }

    /** Inserts a job due now; joins the caller's transaction when there is one. */
    Mono<Void> enqueue(String target, SyncJob.Reason reason, String triggerRef) {
        Instant now = clock.instant();
        DatabaseClient.GenericExecuteSpec spec = db.sql("INSERT INTO sync_jobs (id, target, reason, trigger_ref, "
                        + "attempts, not_before, created_at) VALUES (:id, :target, :reason, :ref, 0, :now, :now)")
                .bind("id", UUID.randomUUID().toString())
                .bind("target", target)
                .bind("reason", reason.column())
                .bind("now", utc(now));
        spec = triggerRef == null ? spec.bindNull("ref", String.class) : spec.bind("ref", triggerRef);
        return spec.fetch().rowsUpdated().then();
    }

    /** Enqueues unless a job of the same target and reason is already waiting (schedule ticks of several replicas). */
    Mono<Void> enqueueOnce(String target, SyncJob.Reason reason) {
        return db.sql("SELECT COUNT(*) AS n FROM sync_jobs WHERE target = :target AND reason = :reason")
                .bind("target", target).bind("reason", reason.column())
                .map(row -> row.get("n", Long.class)).one()
                .flatMap(n -> n > 0 ? Mono.<Void>empty() : enqueue(target, reason, null));
    }

    /** Claims up to {@code batch} due jobs for {@code lease}; other replicas skip them until it runs out. */
    Mono<List<SyncJob>> claim(int batch, Duration lease) {
        Instant now = clock.instant();
        Flux<SyncJob> due = db.sql("SELECT id, target, reason, trigger_ref, attempts FROM sync_jobs"
                        + " WHERE not_before <= :now ORDER BY not_before LIMIT :batch FOR UPDATE SKIP LOCKED")
                .bind("now", utc(now))
                .bind("batch", batch)
                .map(row -> new SyncJob(row.get("id", String.class), row.get("target", String.class),
                        SyncJob.Reason.of(row.get("reason", String.class)), row.get("trigger_ref", String.class),
                        row.get("attempts", Integer.class)))
                .all();
        return due.concatMap(job -> db.sql("UPDATE sync_jobs SET not_before = :until WHERE id = :id")
                        .bind("until", utc(now.plus(lease))).bind("id", job.id())
                        .fetch().rowsUpdated().thenReturn(job))
                .collectList()
                .as(tx::transactional);
    }

    Mono<Void> complete(SyncJob job) {
        return db.sql("DELETE FROM sync_jobs WHERE id = :id").bind("id", job.id()).fetch().rowsUpdated().then();
    }

    /** Puts the job back for {@code after}, counting the attempt and keeping the (value-free) error. */
    Mono<Void> retry(SyncJob job, Duration after, String error) {
        DatabaseClient.GenericExecuteSpec spec = db.sql("UPDATE sync_jobs SET attempts = attempts + 1, "
                        + "not_before = :at, last_error = :error WHERE id = :id")
                .bind("at", utc(clock.instant().plus(after)))
                .bind("id", job.id());
        spec = error == null ? spec.bindNull("error", String.class)
                : spec.bind("error", error.length() > 1000 ? error.substring(0, 1000) : error);
        return spec.fetch().rowsUpdated().then();
    }

    /** Jobs waiting (due or backing off), per target, for the status view. */
    Flux<PendingJob> pending() {
        return db.sql("SELECT target, reason, attempts, not_before, last_error FROM sync_jobs ORDER BY not_before")
                .map(row -> new PendingJob(row.get("target", String.class), row.get("reason", String.class),
                        row.get("attempts", Integer.class),
                        io.segura.broker.database.Timestamps.instant(row.get("not_before",
                                java.time.OffsetDateTime.class)),
                        row.get("last_error", String.class)))
                .all();
    }

    record PendingJob(String target, String reason, int attempts, Instant notBefore, String lastError) {
    }
}
