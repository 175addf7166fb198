// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.export;

import io.segura.broker.database.Timestamps;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Objects;
import java.util.UUID;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Mono;

/**
 * The per-sink delivery cursors and dead letters of the outbox (V7__exports.sql). A claim is taken with
 * {@code FOR UPDATE SKIP LOCKED} in a short transaction and recorded as {@code claimed_by}/{@code claimed_until}, so
 * no connection is held while a sink is being delivered to; every later write is conditional on still holding it.
 */
final class ExportCursors {

    private final DatabaseClient db;
    private final TransactionalOperator tx;

    ExportCursors(DatabaseClient db, TransactionalOperator tx) {
        this.db = Objects.requireNonNull(db, "db cannot be null");
        this.tx = Objects.requireNonNull(tx, "tx cannot be null");
    }

    /** A claimed cursor: deliver the events after {@code chainPos}; {@code attempts} failed tries of the next. */
    record Claim(String sink, String worker, long chainPos, int attempts) {
    }

    /**
     * Creates the sink's cursor when it has none: at the current chain head ({@code latest}) or before the first
     * event. Another replica creating it at the same time is fine (the primary key keeps one).
     */
    Mono<Void> ensure(String sink, boolean oldest, Instant now) {
        return db.sql("SELECT COUNT(*) AS n FROM export_cursors WHERE sink = :sink").bind("sink", sink)
                .map(row -> row.get("n", Long.class)).one()
                .flatMap(n -> n > 0 ? Mono.<Void>empty() : db.sql("INSERT INTO export_cursors (sink, chain_pos, "
                        + "attempts, updated_at) SELECT :sink, " + (oldest ? "0" : "chain_pos") + ", 0, :now "
                        + "FROM audit_chain_head WHERE id = 1").bind("sink", sink)
                        .bind("now", Timestamps.utc(now)).fetch().rowsUpdated()
                        .onErrorResume(org.springframework.dao.DataIntegrityViolationException.class,
                                e -> Mono.just(0L))
                        .then());
    }

    /**
     * Whether anything is linked after the sink's cursor: a plain read, so an idle sink costs no claim (no write) per
     * round.
     */
    Mono<Boolean> pending(String sink) {
        return db.sql("SELECT c.chain_pos AS c, h.chain_pos AS h FROM export_cursors c, audit_chain_head h "
                        + "WHERE c.sink = :sink AND h.id = 1").bind("sink", sink)
                .map(r -> r.get("h", Long.class) > r.get("c", Long.class)).one().defaultIfEmpty(false);
    }

    /** Removes a sink's cursor and dead letters (a deleted webhook subscription). */
    Mono<Void> remove(String sink) {
        return db.sql("DELETE FROM export_dead_letters WHERE sink = :sink").bind("sink", sink).fetch().rowsUpdated()
                .then(db.sql("DELETE FROM export_cursors WHERE sink = :sink").bind("sink", sink).fetch()
                        .rowsUpdated())
                .as(tx::transactional).then();
    }

    /**
     * Claims the sink until {@code until} when no live claim holds it and its back-off has passed; empty otherwise
     * (another replica holds the row lock or the claim, or the sink waits for its next attempt).
     */
    Mono<Claim> claim(String sink, String worker, Instant now, Instant until) {
        return db.sql("SELECT chain_pos, attempts, next_attempt_at, claimed_until FROM export_cursors "
                        + "WHERE sink = :sink FOR UPDATE SKIP LOCKED").bind("sink", sink)
                .map(row -> new Object[] {row.get("chain_pos", Long.class), row.get("attempts", Integer.class),
                        row.get("next_attempt_at", OffsetDateTime.class),
                        row.get("claimed_until", OffsetDateTime.class)})
                .one()
                .filter(r -> notAfter((OffsetDateTime) r[2], now) && notAfter((OffsetDateTime) r[3], now))
                .flatMap(r -> db.sql("UPDATE export_cursors SET claimed_by = :worker, claimed_until = :until "
                                + "WHERE sink = :sink").bind("worker", worker).bind("until", Timestamps.utc(until))
                        .bind("sink", sink).fetch().rowsUpdated()
                        .thenReturn(new Claim(sink, worker, (Long) r[0], (Integer) r[1])))
                .as(tx::transactional);
    }

    private static boolean notAfter(OffsetDateTime t, Instant now) {
        return t == null || !t.toInstant().isAfter(now);
    }

    /**
     * Moves the cursor to {@code chainPos}, records the attempts and when to try next, and releases the claim; with a
     * dead letter, in the same transaction. Completes with false when the claim was lost (it expired and another
     * worker took the sink over): nothing is written then, and that worker redelivers.
     */
    Mono<Boolean> settle(Claim claim, long chainPos, int attempts, Instant nextAttempt, String error,
            DeadLetter dead, Instant now) {
        DatabaseClient.GenericExecuteSpec update = db.sql("UPDATE export_cursors SET chain_pos = :pos, attempts = "
                        + ":attempts, next_attempt_at = :next, last_error = :error, claimed_by = NULL, "
                        + "claimed_until = NULL, updated_at = :now WHERE sink = :sink AND claimed_by = :worker "
                        + "AND chain_pos = :old")
                .bind("pos", chainPos).bind("attempts", attempts).bind("now", Timestamps.utc(now))
                .bind("sink", claim.sink()).bind("worker", claim.worker()).bind("old", claim.chainPos());
        update = nextAttempt == null ? update.bindNull("next", OffsetDateTime.class)
                : update.bind("next", Timestamps.utc(nextAttempt));
        update = error == null ? update.bindNull("error", String.class) : update.bind("error", clip(error));
        Mono<Boolean> moved = update.fetch().rowsUpdated().map(n -> n == 1);
        if (dead == null) {
            return moved;
        }
        return moved.flatMap(ok -> !ok ? Mono.just(false) : db.sql("INSERT INTO export_dead_letters (id, sink, seq, "
                        + "chain_pos, event_id, attempts, last_error, failed_at) VALUES (:id, :sink, :seq, :pos, "
                        + ":event, :attempts, :error, :now)")
                .bind("id", UUID.randomUUID().toString()).bind("sink", claim.sink()).bind("seq", dead.seq())
                .bind("pos", dead.chainPos()).bind("event", dead.eventId()).bind("attempts", dead.attempts())
                .bind("error", clip(dead.error())).bind("now", Timestamps.utc(now))
                .fetch().rowsUpdated().thenReturn(true))
                .as(tx::transactional);
    }

    /** Releases a claim without moving the cursor (the worker is stopping). */
    Mono<Void> release(Claim claim) {
        return db.sql("UPDATE export_cursors SET claimed_by = NULL, claimed_until = NULL WHERE sink = :sink "
                        + "AND claimed_by = :worker").bind("sink", claim.sink()).bind("worker", claim.worker())
                .fetch().rowsUpdated().then();
    }

    /** The cursor's chain position, empty when the sink has no cursor. */
    Mono<Long> position(String sink) {
        return db.sql("SELECT chain_pos FROM export_cursors WHERE sink = :sink").bind("sink", sink)
                .map(row -> row.get("chain_pos", Long.class)).one();
    }

    static String clip(String s) {
        return s == null || s.length() <= 500 ? s : s.substring(0, 500) + "…";
    }

    /** An event given up on: which, after how many attempts, and the last failure. */
    record DeadLetter(long seq, long chainPos, String eventId, int attempts, String error) {
    }
}
