// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.audit;

import io.segura.broker.BackgroundLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Links committed audit events into the SHA-256 hash chain (DESIGN §8, §15). Each run locks the single
 * {@code audit_chain_head} row ({@code FOR UPDATE SKIP LOCKED}: a run finding it held by another chainer, which is linking
 * the committed events, does nothing), takes committed unlinked events in {@code seq} order and inserts
 * their links (next chain position, {@code prev_hash}, {@code hash}) into {@code audit_links}, so any number of broker
 * replicas may run a chainer without forking the chain, and requests never wait on it. Event rows are never updated:
 * an update wrote a second, non-HOT version of every event through all of its indexes. Chain order is link order: an
 * event whose transaction commits late with a lower {@code seq} is simply linked in a later run, and {@code seq} gaps
 * from rolled-back transactions are irrelevant.
 *
 * <p>A run looks for unlinked events only above a floor: {@code floorMargin} below the highest {@code seq} it has
 * linked, an anti-join of the two tables' {@code seq} ranges above it, so its cost does not grow with the table.
 * Without the floor the search walks every event ever linked (~100 ms per 200,000 events; when events were still
 * linked by updating them, a search by {@code chain_pos IS NULL} met in that index the previous version of every event
 * linked since the last autovacuum — 12 ms per run under load, 136 ms with 250,000 of them). Events that commit later
 * than that are found by two wider searches: every {@code recentSearchEvery} one above the floor as it stood at the
 * previous wider search (a transaction that commits within about that long: its cost is the events of that while),
 * and on the first run and then every {@code fullSearchEvery} one of the whole table (any transaction, however long;
 * a walk of every event, hence rare). Until then {@code verify} counts such an event as pending.
 */
public final class AuditChainer {

    public static final int DEFAULT_BATCH = 500;
    static final long DEFAULT_FLOOR_MARGIN = 2_000;
    static final Duration DEFAULT_RECENT_SEARCH = Duration.ofMinutes(1);
    static final Duration DEFAULT_FULL_SEARCH = Duration.ofHours(1);
    private static final long NEVER_SEARCHED = Long.MIN_VALUE;
    private static final int CHUNK = 100;
    private static final Logger LOG = LoggerFactory.getLogger(AuditChainer.class);

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final int batchSize;
    private final long floorMargin;
    private final long recentSearchNanos;
    private final long fullSearchNanos;
    private final LongSupplier nanoTime;
    /** Events at or below are linked, but for late commits, which only the wider searches find. */
    private volatile long floor = NEVER_SEARCHED;
    /** The floor when the last wider search began: where the next recent search starts. */
    private volatile long recentFloor = NEVER_SEARCHED;
    private volatile long nextRecentSearch;
    private volatile long nextFullSearch;
    private BackgroundLoop loop;

    AuditChainer(DatabaseClient db, TransactionalOperator tx, int batchSize, long floorMargin,
            Duration recentSearchEvery, Duration fullSearchEvery, LongSupplier nanoTime) {
        this.db = Objects.requireNonNull(db, "db cannot be null");
        this.tx = Objects.requireNonNull(tx, "tx cannot be null");
        if (batchSize < 1 || batchSize > 10_000) {
            throw new IllegalArgumentException("batchSize must be 1..10000, got " + batchSize);
        }
        this.batchSize = batchSize;
        this.floorMargin = floorMargin;
        this.recentSearchNanos = recentSearchEvery.toNanos();
        this.fullSearchNanos = fullSearchEvery.toNanos();
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime cannot be null");
    }

    public AuditChainer(DatabaseClient db, TransactionalOperator tx, int batchSize) {
        this(db, tx, batchSize, DEFAULT_FLOOR_MARGIN, DEFAULT_RECENT_SEARCH, DEFAULT_FULL_SEARCH, System::nanoTime);
    }

    public AuditChainer(DatabaseClient db, TransactionalOperator tx) {
        this(db, tx, DEFAULT_BATCH);
    }

    /** Links one batch of pending events in one transaction; returns how many were linked (0: nothing pending). */
    public Mono<Integer> linkPending() {
        return Mono.defer(() -> {
            long now = nanoTime.getAsLong();
            long from = floor;
            boolean full = from == NEVER_SEARCHED || now - nextFullSearch >= 0;
            boolean wider = full || now - nextRecentSearch >= 0;
            long searchFrom = full ? NEVER_SEARCHED : wider ? recentFloor : from;
            long[] highest = {0}; // no event: the floor stays where it was (or below seq 1)
            boolean[] skipped = {false};
            // SKIP LOCKED: while another replica's chainer holds the head, it is linking every committed event,
            // this run's included; waiting would only end in PostgreSQL's lock_timeout during its hourly full walk.
            Mono<Integer> work = db.sql("SELECT chain_pos, hash FROM audit_chain_head WHERE id = 1 FOR UPDATE SKIP LOCKED")
                    .map(row -> new Link(row.get("chain_pos", Long.class), row.get("hash", String.class)))
                    .one()
                    .flatMap(head -> unlinked(searchFrom).flatMap(rows -> {
                        if (rows.isEmpty()) {
                            // Nothing pending above where this run searched: every event up to the newest link is
                            // linked (late commits aside, which the wider searches find), so the floor may rise to
                            // it. Without this a chainer started on a fully linked table kept its floor below seq 1
                            // and walked every event on every run until traffic linked one (8 s per run at 10M).
                            return highestLinked().map(h -> {
                                highest[0] = h;
                                return 0;
                            });
                        }
                        highest[0] = rows.get(rows.size() - 1).seq();
                        return link(head, rows);
                    }))
                    .switchIfEmpty(Mono.defer(() -> headExists().map(exists -> {
                        if (!exists) {
                            throw new IllegalStateException("audit_chain_head row 1 is missing");
                        }
                        skipped[0] = true;
                        return 0;
                    })));
            // Only a committed run moves the floor: events of a rolled-back run stay above it. A skipped run searched
            // nothing, so its searches are still due.
            return tx.transactional(work).doOnSuccess(n -> {
                if (skipped[0]) {
                    return;
                }
                if (full) {
                    nextFullSearch = now + fullSearchNanos;
                }
                if (wider) {
                    nextRecentSearch = now + recentSearchNanos;
                    recentFloor = from;
                }
                floor = Math.max(from, highest[0] - floorMargin);
            });
        });
    }

    /** The highest linked {@code seq} (0 when none): one step down the end of audit_links' unique index. */
    private Mono<Long> highestLinked() {
        return db.sql("SELECT COALESCE(MAX(seq), 0) AS m FROM audit_links").map(row -> row.get("m", Long.class))
                .one();
    }

    /** Where the next narrow search starts; for tests. */
    long floor() {
        return floor;
    }

    private Mono<Boolean> headExists() {
        return db.sql("SELECT COUNT(*) AS n FROM audit_chain_head WHERE id = 1").map(row -> row.get("n", Long.class))
                .one().map(n -> n > 0);
    }

    /** The next unlinked events above {@code floor} (or all) in {@code seq} order. */
    private Mono<List<StoredAuditRow>> unlinked(long floor) {
        if (floor == NEVER_SEARCHED) {
            // Walks every event ever linked: first only their seqs, a merge anti-join of the two seq indexes
            // (index-only on the all-visible old pages), then the rows of the unlinked ones. Reading every event
            // row instead took twice as long (200,000 events: ~100 against ~200 ms).
            return db.sql("SELECT " + StoredAuditRow.EVENT_COLUMNS + " FROM audit_events e WHERE e.seq IN "
                            + "(SELECT u.seq FROM audit_events u WHERE NOT EXISTS (SELECT 1 FROM audit_links l "
                            + "WHERE l.seq = u.seq) ORDER BY u.seq LIMIT " + batchSize + ") ORDER BY e.seq")
                    .map(StoredAuditRow::unlinked).all().collectList();
        }
        // The floor repeated on audit_links makes both sides range scans merged in seq order, where one probe of
        // audit_links per event above the floor read 7,606 buffers instead of 114 (2,500 events above the floor).
        // The floor is written into the SQL (a long of our own, not input) rather than bound: a statement without
        // parameters goes by the simple query protocol and is planned for this floor every time. As a bound parameter
        // PostgreSQL soon switched to a generic plan estimating a third of the growing tables for "seq > $1": 80 ms
        // and ~9,000 buffers per search under the load driver, a fifth of PostgreSQL's CPU.
        return db.sql("SELECT " + StoredAuditRow.EVENT_COLUMNS + " FROM audit_events e WHERE e.seq > " + floor
                        + " AND NOT EXISTS (SELECT 1 FROM audit_links l WHERE l.seq = e.seq AND l.seq > " + floor
                        + ") ORDER BY e.seq LIMIT " + batchSize)
                .map(StoredAuditRow::unlinked).all().collectList();
    }

    private Mono<Integer> link(Link head, List<StoredAuditRow> rows) {
        List<Object[]> links = new ArrayList<>(rows.size());
        long pos = head.pos();
        String prev = head.hash();
        for (StoredAuditRow row : rows) {
            pos++;
            String hash = ChainHash.link(prev, row);
            links.add(new Object[] {pos, row.seq(), prev, hash});
            prev = hash;
        }
        Link last = new Link(pos, prev);
        int expected = rows.size();
        // A few multi-row INSERTs instead of one per row (a statement per row links only ~1000 events/s). A second
        // chainer cannot get here with the same events (head row lock), and if it did, audit_links.seq is UNIQUE.
        return Flux.range(0, (links.size() + CHUNK - 1) / CHUNK)
                .concatMap(c -> insertChunk(links.subList(c * CHUNK, Math.min(links.size(), (c + 1) * CHUNK))))
                .reduce(0L, Long::sum)
                .flatMap(n -> n == expected ? Mono.just(n) : Mono.error(new IllegalStateException("linked " + n
                        + " of " + expected + " audit events")))
                .then(db.sql("UPDATE audit_chain_head SET chain_pos = :pos, hash = :hash WHERE id = 1")
                        .bind("pos", last.pos()).bind("hash", last.hash())
                        .fetch().rowsUpdated())
                .thenReturn(rows.size());
    }

    private Mono<Long> insertChunk(List<Object[]> chunk) {
        StringBuilder sql = new StringBuilder("INSERT INTO audit_links (chain_pos, seq, prev_hash, hash) VALUES ");
        // bindValues, not bind: each bind(…) copies the spec's map, which is quadratic in the 400 values of a chunk
        Map<String, Object> values = new HashMap<>(chunk.size() * 8);
        for (int i = 0; i < chunk.size(); i++) {
            sql.append(i == 0 ? "(:p" : ", (:p").append(i).append(", :s").append(i).append(", :v").append(i)
                    .append(", :h").append(i).append(')');
            Object[] link = chunk.get(i);
            values.put("p" + i, link[0]);
            values.put("s" + i, link[1]);
            values.put("v" + i, link[2]);
            values.put("h" + i, link[3]);
        }
        return db.sql(sql.toString()).bindValues(values).fetch().rowsUpdated();
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
        if (loop != null && loop.isRunning()) {
            throw new IllegalStateException("the audit chainer is already running");
        }
        loop = BackgroundLoop.start(Flux.interval(interval, interval), tick -> linkAll(),
                e -> LOG.warn("audit chaining failed, retrying on the next tick: {}", e.toString()));
    }

    public synchronized void stop() {
        if (loop != null) {
            loop.stop();
            loop = null;
        }
    }

    public synchronized boolean isRunning() {
        return loop != null && loop.isRunning();
    }

    record Link(long pos, String hash) {
    }
}
