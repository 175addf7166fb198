// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.audit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Links committed audit events into the SHA-256 hash chain (DESIGN §8, §15). Each run locks the single
 * {@code audit_chain_head} row ({@code FOR UPDATE}), takes committed unchained events in {@code seq} order and gives
 * them the next chain positions, so any number of broker replicas may run a chainer without forking the chain, and
 * requests never wait on it. Chain order is link order: an event whose transaction commits late with a lower
 * {@code seq} is simply linked in a later run, and {@code seq} gaps from rolled-back transactions are irrelevant.
 *
 * <p>A run looks for unchained events only above a floor: {@code floorMargin} below the highest {@code seq} it has
 * linked, by primary key. Searching the whole table by {@code chain_pos IS NULL} instead meets, in that index, the
 * previous version of every event linked since the last autovacuum — 12 ms per run under load, 136 ms with 250,000 of
 * them. An event that commits more than {@code floorMargin} events late is found by the full search, which runs on the
 * first run and then every {@code fullSearchEvery}.
 */
public final class AuditChainer {

    public static final int DEFAULT_BATCH = 500;
    static final long DEFAULT_FLOOR_MARGIN = 2_000;
    static final Duration DEFAULT_FULL_SEARCH = Duration.ofMinutes(1);
    private static final long NEVER_SEARCHED = Long.MIN_VALUE;
    private static final int CHUNK = 100;
    private static final Logger LOG = LoggerFactory.getLogger(AuditChainer.class);

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final int batchSize;
    private final long floorMargin;
    private final long fullSearchNanos;
    /** Events at or below are linked, but for late commits, which only the full search finds. */
    private volatile long floor = NEVER_SEARCHED;
    private volatile long nextFullSearch;
    private Disposable loop;

    AuditChainer(DatabaseClient db, TransactionalOperator tx, int batchSize, long floorMargin,
            Duration fullSearchEvery) {
        this.db = Objects.requireNonNull(db, "db cannot be null");
        this.tx = Objects.requireNonNull(tx, "tx cannot be null");
        if (batchSize < 1 || batchSize > 10_000) {
            throw new IllegalArgumentException("batchSize must be 1..10000, got " + batchSize);
        }
        this.batchSize = batchSize;
        this.floorMargin = floorMargin;
        this.fullSearchNanos = fullSearchEvery.toNanos();
    }

    public AuditChainer(DatabaseClient db, TransactionalOperator tx, int batchSize) {
        this(db, tx, batchSize, DEFAULT_FLOOR_MARGIN, DEFAULT_FULL_SEARCH);
    }

    public AuditChainer(DatabaseClient db, TransactionalOperator tx) {
        this(db, tx, DEFAULT_BATCH);
    }

    /** Links one batch of pending events in one transaction; returns how many were linked (0: nothing pending). */
    public Mono<Integer> linkPending() {
        return Mono.defer(() -> {
            long now = System.nanoTime();
            long from = floor;
            boolean full = from == NEVER_SEARCHED || now - nextFullSearch >= 0;
            long[] highest = {0}; // no event: the floor stays where it was (or below seq 1)
            Mono<Integer> work = db.sql("SELECT chain_pos, hash FROM audit_chain_head WHERE id = 1 FOR UPDATE")
                    .map(row -> new Link(row.get("chain_pos", Long.class), row.get("hash", String.class)))
                    .one()
                    .switchIfEmpty(Mono.error(() -> new IllegalStateException("audit_chain_head row 1 is missing")))
                    .flatMap(head -> unchained(full ? NEVER_SEARCHED : from)
                            .doOnNext(rows -> highest[0] = rows.isEmpty() ? 0 : rows.get(rows.size() - 1).seq())
                            .flatMap(rows -> rows.isEmpty() ? Mono.just(0) : link(head, rows)));
            // Only a committed run moves the floor: events of a rolled-back run stay above it.
            return tx.transactional(work).doOnSuccess(n -> {
                if (full) {
                    nextFullSearch = now + fullSearchNanos;
                }
                floor = Math.max(from, highest[0] - floorMargin);
            });
        });
    }

    /** The next unchained events above {@code floor} (or all) in {@code seq} order, by primary key. */
    private Mono<List<StoredAuditRow>> unchained(long floor) {
        boolean all = floor == NEVER_SEARCHED;
        String sql = "SELECT " + StoredAuditRow.COLUMNS + " FROM audit_events WHERE "
                + (all ? "" : "seq > :floor AND ") + "chain_pos IS NULL ORDER BY seq LIMIT " + batchSize;
        DatabaseClient.GenericExecuteSpec spec = db.sql(sql);
        return (all ? spec : spec.bind("floor", floor)).map(StoredAuditRow::from).all().collectList();
    }

    private Mono<Integer> link(Link head, List<StoredAuditRow> rows) {
        List<Object[]> updates = new ArrayList<>(rows.size());
        long pos = head.pos();
        String prev = head.hash();
        for (StoredAuditRow row : rows) {
            pos++;
            String hash = ChainHash.link(prev, row);
            updates.add(new Object[] {row.seq(), pos, prev, hash});
            prev = hash;
        }
        Link last = new Link(pos, prev);
        int expected = rows.size();
        // A few set-based statements instead of one per row (a statement per row links only ~1000 events/s):
        // UPDATE … CASE seq WHEN … is portable to H2, unlike UPDATE … FROM (VALUES …).
        return Flux.range(0, (updates.size() + CHUNK - 1) / CHUNK)
                .concatMap(c -> linkChunk(updates.subList(c * CHUNK, Math.min(updates.size(), (c + 1) * CHUNK))))
                .reduce(0L, Long::sum)
                .flatMap(n -> n == expected ? Mono.just(n) : Mono.error(new IllegalStateException("linked " + n
                        + " of " + expected + " audit events; were they linked concurrently?")))
                .then(db.sql("UPDATE audit_chain_head SET chain_pos = :pos, hash = :hash WHERE id = 1")
                        .bind("pos", last.pos()).bind("hash", last.hash())
                        .fetch().rowsUpdated())
                .thenReturn(rows.size());
    }

    private Mono<Long> linkChunk(List<Object[]> chunk) {
        StringBuilder pos = new StringBuilder("UPDATE audit_events SET chain_pos = CASE seq");
        StringBuilder prev = new StringBuilder(" END, prev_hash = CASE seq");
        StringBuilder hash = new StringBuilder(" END, hash = CASE seq");
        // By primary key only: the head row lock makes this the only chainer and the rows were read unchained under
        // it. "chain_pos IS NULL" here led the planner to that index, which holds an entry of every linked row's
        // previous version until autovacuum: 5-15 ms per chunk under load instead of well under one.
        StringBuilder in = new StringBuilder(" END WHERE seq IN (");
        for (int i = 0; i < chunk.size(); i++) {
            pos.append(" WHEN :s").append(i).append(" THEN :p").append(i);
            prev.append(" WHEN :s").append(i).append(" THEN :v").append(i);
            hash.append(" WHEN :s").append(i).append(" THEN :h").append(i);
            in.append(i == 0 ? ":s" : ", :s").append(i);
        }
        // bindValues, not bind: each bind(…) copies the spec's map, which is quadratic in the 400 values of a chunk
        Map<String, Object> values = new HashMap<>(chunk.size() * 8);
        for (int i = 0; i < chunk.size(); i++) {
            Object[] u = chunk.get(i);
            values.put("s" + i, u[0]);
            values.put("p" + i, u[1]);
            values.put("v" + i, u[2]);
            values.put("h" + i, u[3]);
        }
        return db.sql(pos.append(prev).append(hash).append(in).append(')').toString()).bindValues(values)
                .fetch().rowsUpdated();
    }

    /** Links batches until one comes back short; returns the total linked. */
    public Mono<Long> linkAll() {
        return linkPending()
                .expand(n -> n == batchSize ? linkPending() : Mono.empty())
                .reduce(0L, Long::sum);
    }

    /**
     * Starts linking in the background every {@code interval} (e.g. 200 ms). A failed run is logged and retried on
     * the next tick; ticks that arrive while a run is in progress are dropped.
     */
    public synchronized void start(Duration interval) {
        Objects.requireNonNull(interval, "interval cannot be null");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive");
        }
        if (loop != null && !loop.isDisposed()) {
            throw new IllegalStateException("the audit chainer is already running");
        }
        loop = Flux.interval(interval, interval)
                .onBackpressureDrop()
                .concatMap(tick -> linkAll().onErrorResume(e -> {
                    LOG.warn("audit chaining failed, retrying on the next tick: {}", e.toString());
                    return Mono.empty();
                }), 1)
                .subscribe();
    }

    public synchronized void stop() {
        if (loop != null) {
            loop.dispose();
            loop = null;
        }
    }

    public synchronized boolean isRunning() {
        return loop != null && !loop.isDisposed();
    }

    record Link(long pos, String hash) {
    }
}
