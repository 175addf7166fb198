// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.database;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * Group commit for the hot path: requests that arrive while earlier ones are being committed share the next
 * transaction — one multi-row INSERT per table and one commit (one WAL flush) for all of them — instead of paying
 * five round trips and a durable commit each. A request is answered only after the transaction holding its writes has
 * committed, so nothing is acknowledged that is not durable, and a request's rows still commit or roll back
 * together (DESIGN §6: a lease, its audit event and the session update).
 *
 * <p>A lone request does not wait for company: with nothing in flight it is committed at once. When a shared
 * transaction fails for one request's sake (a replayed jti, a session revoked meanwhile, a deadlock), each of its
 * requests is retried in a transaction of its own, so only the offending request fails. Any other failure (the
 * database is down, or did not answer within the {@link DatabaseDeadline}) fails the whole batch at once, without
 * retrying request by request.
 */
public final class GroupCommit {

    private final WriteStatements statements;
    private final TransactionalOperator tx;
    private final DatabaseDeadline deadline;
    private final Batches<Pending> batches;

    /**
     * @param maxBatch    requests per transaction (each adds its rows to the batch's statements)
     * @param maxInFlight transactions in flight at once, each on its own pooled connection
     * @param deadline    how long one transaction may take before its requests are answered with a timeout
     */
    public GroupCommit(WriteStatements statements, TransactionalOperator tx, int maxBatch, int maxInFlight,
            DatabaseDeadline deadline) {
        this.statements = Objects.requireNonNull(statements, "statements cannot be null");
        this.tx = Objects.requireNonNull(tx, "tx cannot be null");
        this.deadline = Objects.requireNonNull(deadline, "deadline cannot be null");
        this.batches = new Batches<>(this::run, maxBatch, maxInFlight);
    }

    /** Completes once {@code writes} are committed; errors when they were not (and then none of them was). */
    public Mono<Void> commit(Writes writes) {
        Objects.requireNonNull(writes, "writes cannot be null");
        return Mono.create(sink -> batches.add(new Pending(writes, sink)));
    }

    private Mono<Runnable> run(List<Pending> batch) {
        return transaction(batch)
                .then(Mono.<Runnable>just(() -> batch.forEach(p -> p.sink().success())))
                .onErrorResume(e -> {
                    if (batch.size() == 1 || !isRequestLevel(e)) {
                        return Mono.just(() -> batch.forEach(p -> p.sink().error(alone(e))));
                    }
                    // retried request by request while the slot is held: each answer goes out as it is known
                    return Flux.fromIterable(batch)
                            .concatMap(p -> transaction(List.of(p))
                                    .doOnSuccess(ignored -> p.sink().success())
                                    .onErrorResume(one -> {
                                        p.sink().error(alone(one));
                                        return Mono.empty();
                                    }))
                            .then(Mono.just(() -> { }));
                });
    }

    private Mono<Void> transaction(List<Pending> batch) {
        List<Writes> writes = new ArrayList<>(batch.size());
        batch.forEach(p -> writes.add(p.writes()));
        return deadline.bound(Mono.defer(() -> statements.execute(writes)).as(tx::transactional));
    }

    /** A request that failed alone gets its own error for a missed guard. */
    private static Throwable alone(Throwable e) {
        return e instanceof WriteStatements.Missed m ? m.forRequest() : e;
    }

    /**
     * Worth retrying request by request: a missed guard, an integrity constraint violation (SQLState class 23) or a
     * transaction rollback (class 40: a deadlock with another replica's batch, a serialization failure).
     */
    static boolean isRequestLevel(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof WriteStatements.Missed || t instanceof org.springframework.dao.DataIntegrityViolationException) {
                return true;
            }
            String state = t instanceof io.r2dbc.spi.R2dbcException r ? r.getSqlState()
                    : t instanceof java.sql.SQLException s ? s.getSQLState() : null;
            if (state != null && (state.startsWith("23") || state.startsWith("40"))) {
                return true;
            }
        }
        return false;
    }

    private record Pending(Writes writes, MonoSink<Void> sink) {
    }
}
