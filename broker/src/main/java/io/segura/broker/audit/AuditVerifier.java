// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.audit;

import io.segura.broker.audit.AuditChainer.Link;
import java.util.List;
import java.util.Objects;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Mono;

/**
 * Checks the audit hash chain (DESIGN §8, {@code GET /api/v2/admin/audit/verify}): walks {@code audit_links} in chain
 * order, in pages, with each link's event, recomputing every hash. A modified event shows as a hash mismatch, a
 * deleted event as a link whose event is missing, a deleted link as a gap in chain positions (or, at the end, as a
 * head pointing past the last link), a re-hashed link as a {@code prev_hash} mismatch on its successor. The walk stops
 * at the head read at its start, so concurrent chaining never makes it report a false break.
 */
public final class AuditVerifier {

    static final int PAGE = 500;

    private final DatabaseClient db;

    public AuditVerifier(DatabaseClient db) {
        this.db = Objects.requireNonNull(db, "db cannot be null");
    }

    /**
     * The head and the count of events not yet linked come from one statement, so from one snapshot: the report's
     * {@code chained_through} and {@code pending_unchained} describe the same moment, however busy the chainer is
     * during the walk.
     */
    public Mono<VerifyReport> verify() {
        return start().flatMap(start -> walk(start.head(), new Walk(new Link(0, ChainHash.GENESIS), null, null))
                .flatMap(w -> finish(start.head(), w))
                .map(w -> w.brokenAt() == null
                        ? VerifyReport.ok(w.last().pos(), start.pending())
                        : VerifyReport.broken(w.last().pos(), start.pending(), w.brokenAt(), w.problem())));
    }

    private Mono<Start> start() {
        return db.sql("SELECT h.chain_pos, h.hash, (SELECT COUNT(*) FROM audit_events e WHERE NOT EXISTS "
                        + "(SELECT 1 FROM audit_links l WHERE l.seq = e.seq)) AS pending "
                        + "FROM audit_chain_head h WHERE h.id = 1")
                .map(row -> new Start(new Link(row.get("chain_pos", Long.class), row.get("hash", String.class)),
                        row.get("pending", Long.class)))
                .one()
                .switchIfEmpty(Mono.error(() -> new IllegalStateException("audit_chain_head row 1 is missing")));
    }

    private Mono<Walk> walk(Link head, Walk from) {
        return db.sql("SELECT " + StoredAuditRow.COLUMNS + ", l.seq AS link_seq FROM audit_links l "
                        + "LEFT JOIN audit_events e ON e.seq = l.seq WHERE l.chain_pos > :after "
                        + "AND l.chain_pos <= :head ORDER BY l.chain_pos LIMIT " + PAGE)
                .bind("after", from.last().pos()).bind("head", head.pos())
                .map(row -> new ChainRow(row.get("chain_pos", Long.class), row.get("link_seq", Long.class),
                        row.get("seq", Long.class) == null ? null : StoredAuditRow.from(row)))
                .all()
                .collectList()
                .flatMap(rows -> {
                    Walk w = check(from, rows);
                    return w.brokenAt() != null || rows.size() < PAGE ? Mono.just(w) : walk(head, w);
                });
    }

    private static Walk check(Walk from, List<ChainRow> links) {
        Link last = from.last();
        for (ChainRow link : links) {
            long expected = last.pos() + 1;
            if (link.chainPos() != expected) {
                return new Walk(last, expected, "chain position " + expected + " is missing (link deleted?)");
            }
            StoredAuditRow row = link.event();
            if (row == null) {
                return new Walk(last, expected, "the event of chain position " + expected + " (seq " + link.seq()
                        + ") is missing (event deleted?)");
            }
            if (row.hash() == null || row.prevHash() == null) {
                return new Walk(last, expected, "the link at chain position " + expected + " has no hash");
            }
            if (!row.prevHash().equals(last.hash())) {
                return new Walk(last, expected, "prev_hash at chain position " + expected
                        + " does not match the hash of position " + last.pos() + " (link replaced or re-hashed?)");
            }
            if (!ChainHash.link(last.hash(), row).equals(row.hash())) {
                return new Walk(last, expected, "hash mismatch at chain position " + expected + " (seq " + row.seq()
                        + "): the event or its link was modified");
            }
            last = new Link(expected, row.hash());
        }
        return new Walk(last, null, null);
    }

    private Mono<Walk> finish(Link head, Walk w) {
        if (w.brokenAt() != null) {
            return Mono.just(w);
        }
        Link last = w.last();
        if (last.pos() < head.pos()) {
            return Mono.just(new Walk(last, last.pos() + 1, "the chain ends at position " + last.pos()
                    + " but the head says " + head.pos() + " (links deleted?)"));
        }
        if (!last.hash().equals(head.hash())) {
            return Mono.just(new Walk(last, head.pos(), "the head hash does not match the link at position "
                    + head.pos()));
        }
        return db.sql("SELECT COUNT(*) AS n FROM audit_links WHERE chain_pos > :head")
                .bind("head", head.pos())
                .map(row -> row.get("n", Long.class))
                .one()
                .flatMap(beyond -> beyond == 0 ? Mono.just(w) : head().map(now -> now.pos() == head.pos()
                        ? new Walk(last, head.pos() + 1, beyond + " links are beyond the head at position "
                                + head.pos())
                        : w));
    }

    private Mono<Link> head() {
        return db.sql("SELECT chain_pos, hash FROM audit_chain_head WHERE id = 1")
                .map(row -> new Link(row.get("chain_pos", Long.class), row.get("hash", String.class)))
                .one()
                .switchIfEmpty(Mono.error(() -> new IllegalStateException("audit_chain_head row 1 is missing")));
    }

    /** A link and its event, {@code null} when the event row is gone. */
    private record ChainRow(long chainPos, long seq, StoredAuditRow event) {
    }

    private record Walk(Link last, Long brokenAt, String problem) {
    }

    private record Start(Link head, long pending) {
    }
}
