// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.audit;

import io.segura.broker.vault.SecretPath;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Reads audit events for {@code GET /api/v2/a2a/events} (DESIGN §5), newest first, with optional filters. */
public final class AuditQuery {

    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 1000;

    private final DatabaseClient db;

    public AuditQuery(DatabaseClient db) {
        this.db = Objects.requireNonNull(db, "db cannot be null");
    }

    /**
     * The SIEM pull cursor ({@code ?after=<seq>}, docs/EXPORTS.md): events in chain order after the event {@code after}
     * ({@code 0}: from the first), matching every given filter, at most {@code limit}. Only linked events are served:
     * chain positions are given to committed events only, under the chain head's lock, so they become visible as a
     * dense prefix and a poller neither skips an event whose transaction committed late (with a lower seq than one
     * it already has) nor sees a rolled-back seq. Empty when {@code after} is not (yet) linked: see
     * {@link #chainPosOf}.
     */
    public Flux<AuditEvent> after(long afterChainPos, AuditEventType type, String subject, String path,
            Instant since, int limit) {
        return Flux.defer(() -> {
            int n = Math.max(1, Math.min(limit, MAX_LIMIT));
            if (type == null && subject == null && path == null && since == null) {
                // What every export round and unfiltered poll runs, planned for this cursor every time: the position
                // is written into the SQL (a long, never text from a caller), so the statement has no parameters and
                // goes by the simple query protocol, like the chainer's search (AuditChainer#unlinked). As a bound
                // parameter PostgreSQL kept the generic plan it made while the tables were small, a hash join over a
                // full scan of audit_events: 26 ms a round at 150,000 events under the load driver, growing with the
                // table, most of PostgreSQL's CPU with two sinks. The links are taken first, at most n, so the join
                // probes audit_events by its key at most n times.
                return db.sql("SELECT " + StoredAuditRow.COLUMNS + " FROM (SELECT chain_pos, seq, prev_hash, hash "
                                + "FROM audit_links WHERE chain_pos > " + afterChainPos + " ORDER BY chain_pos LIMIT "
                                + n + ") l JOIN audit_events e ON e.seq = l.seq ORDER BY l.chain_pos")
                        .map(StoredAuditRow::from).all().map(StoredAuditRow::toEvent);
            }
            Map<String, Object> binds = new LinkedHashMap<>();
            binds.put("after", afterChainPos);
            StringBuilder sql = new StringBuilder("SELECT " + StoredAuditRow.COLUMNS
                    + " FROM audit_links l JOIN audit_events e ON e.seq = l.seq WHERE l.chain_pos > :after");
            filters(sql, binds, type, subject, path, since);
            sql.append(" ORDER BY l.chain_pos LIMIT ").append(n);
            return db.sql(sql.toString()).bindValues(binds).map(StoredAuditRow::from).all()
                    .map(StoredAuditRow::toEvent);
        });
    }

    /** The chain position of event {@code seq}, empty while it is not linked (or does not exist); 0 for seq 0. */
    public Mono<Long> chainPosOf(long seq) {
        if (seq == 0) {
            return Mono.just(0L);
        }
        return db.sql("SELECT chain_pos FROM audit_links WHERE seq = :seq").bind("seq", seq)
                .map(row -> row.get("chain_pos", Long.class)).one();
    }

    /** Linked events after chain position {@code chainPos}, in chain order: what an export sink has not had yet. */
    public Flux<AuditEvent> linkedAfter(long chainPos, int limit) {
        return after(chainPos, null, null, null, null, limit);
    }

    /** The last chain position linked (0 before the first event). */
    public Mono<Long> chainHead() {
        return db.sql("SELECT chain_pos FROM audit_chain_head WHERE id = 1").map(row -> row.get("chain_pos",
                Long.class)).one().defaultIfEmpty(0L);
    }

    /** One event by its id with its link, empty when unknown. */
    public Mono<AuditEvent> byId(String id) {
        return db.sql("SELECT " + StoredAuditRow.COLUMNS + " FROM " + StoredAuditRow.EVENTS_WITH_LINKS
                + " WHERE e.id = :id").bind("id", id).map(StoredAuditRow::from).one().map(StoredAuditRow::toEvent);
    }

    private static void filters(StringBuilder sql, Map<String, Object> binds, AuditEventType type, String subject,
            String path, Instant since) {
        if (type != null) {
            sql.append(" AND e.type = :type");
            binds.put("type", type.wireName());
        }
        if (subject != null) {
            sql.append(" AND e.subject = :subject");
            binds.put("subject", subject);
        }
        if (path != null) {
            String p = SecretPath.likeEscape(SecretPath.requireValid(path));
            sql.append(" AND (e.secrets LIKE :pathAt ESCAPE '\\' OR e.secrets LIKE :pathOnly ESCAPE '\\')");
            binds.put("pathAt", "%\"" + p + "@%");
            binds.put("pathOnly", "%\"" + p + "\"%");
        }
        if (since != null) {
            sql.append(" AND e.occurred_at >= :since");
            binds.put("since", OffsetDateTime.ofInstant(since, ZoneOffset.UTC));
        }
    }

    /**
     * Events matching every given filter ({@code null} = any): {@code path} matches events whose secrets list holds
     * that path at any version; {@code since} is inclusive; {@code limit} defaults to 100 and is capped at 1000.
     *
     * @throws IllegalArgumentException for a limit below 1; {@code InvalidSecretException} for a malformed path
     */
    public Flux<AuditEvent> find(AuditEventType type, String subject, String path, Instant since, Integer limit) {
        return Flux.defer(() -> {
            int n = limit == null ? DEFAULT_LIMIT : Math.min(limit, MAX_LIMIT);
            if (n < 1) {
                throw new IllegalArgumentException("limit must be at least 1, got " + limit);
            }
            StringBuilder sql = new StringBuilder("SELECT * FROM audit_events WHERE 1 = 1");
            Map<String, Object> binds = new LinkedHashMap<>();
            if (type != null) {
                sql.append(" AND type = :type");
                binds.put("type", type.wireName());
            }
            if (subject != null) {
                sql.append(" AND subject = :subject");
                binds.put("subject", subject);
            }
            if (path != null) {
                // secrets is a JSON array of "path@version" (or "path"); neither '"' nor '@' can occur in a path.
                String p = SecretPath.likeEscape(SecretPath.requireValid(path));
                sql.append(" AND (secrets LIKE :pathAt ESCAPE '\\' OR secrets LIKE :pathOnly ESCAPE '\\')");
                binds.put("pathAt", "%\"" + p + "@%");
                binds.put("pathOnly", "%\"" + p + "\"%");
            }
            if (since != null) {
                sql.append(" AND occurred_at >= :since");
                binds.put("since", OffsetDateTime.ofInstant(since, ZoneOffset.UTC));
            }
            sql.append(" ORDER BY occurred_at DESC, seq DESC LIMIT ").append(n);
            // the links of the page only: joined before the LIMIT, every matching event would be looked up
            String page = "SELECT " + StoredAuditRow.COLUMNS + " FROM (" + sql + ") e "
                    + "LEFT JOIN audit_links l ON l.seq = e.seq ORDER BY e.occurred_at DESC, e.seq DESC";
            return db.sql(page).bindValues(binds).map(StoredAuditRow::from).all().map(StoredAuditRow::toEvent);
        });
    }
}
