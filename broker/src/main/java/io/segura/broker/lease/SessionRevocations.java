// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.lease;

import static io.segura.broker.database.Timestamps.utc;

import io.segura.broker.audit.AuditEvent;
import io.segura.broker.audit.AuditEventType;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.database.WriteStatements;
import io.segura.broker.database.Writes;
import io.segura.broker.session.SessionStore;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;
import reactor.core.publisher.Mono;

/**
 * An operator's revocation of every open session of a role and/or subject ({@code DELETE /api/v2/admin/sessions}), with
 * their leases: what {@code POST /oauth2/revoke} does for one job, for all the jobs of an incident at once. A revoked
 * session cannot lease again (its next lease is refused with 401 {@code session-revoked}), unlike after
 * {@code DELETE /api/v2/admin/leases}, which ends leases and leaves their sessions able to lease anew.
 *
 * <p>Sessions are revoked in chunks, each in one transaction: the chunk's session rows are locked, marked revoked
 * ({@code revoked by admin}), their open leases ended ({@code session revoked}) and one {@code session.revoked} event
 * per session written, listing its leases. A lease committing meanwhile either commits first (its row is then seen and
 * ended: each statement reads what is committed before it) or waits for the session row's lock and then finds the
 * session revoked at its commit ({@link SessionStore#recordLease}) and is refused: none outlives the revocation.
 * Active sessions are found through {@code sessions_expiry}: only unexpired sessions are read.
 */
public final class SessionRevocations {

    /** Sessions per transaction: bounds the IN lists and the rows one transaction locks. */
    static final int CHUNK = 500;

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private final DatabaseClient db;
    private final WriteStatements statements;
    private final TransactionalOperator tx;
    private final SessionStore sessions;
    private final JsonMapper json;
    private final Clock clock;
    private final LeaseService.LeaseEndings endings;

    /**
     * @param endings told the ended leases after each chunk commits, as after any other revocation: the
     *                dynamic-secret revoker drops their credentials then
     */
    public SessionRevocations(DatabaseClient db, TransactionalOperator tx, SessionStore sessions, JsonMapper json,
            Clock clock, LeaseService.LeaseEndings endings) {
        this.endings = Objects.requireNonNull(endings, "endings cannot be null");
        this.db = Objects.requireNonNull(db, "db cannot be null");
        this.statements = new WriteStatements(db);
        this.tx = Objects.requireNonNull(tx, "tx cannot be null");
        this.sessions = Objects.requireNonNull(sessions, "sessions cannot be null");
        this.json = Objects.requireNonNull(json, "json cannot be null");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    }

    /** How many sessions and leases one revocation ended. */
    public record Revoked(int sessions, int leases) {
        Revoked plus(Revoked other) {
            return new Revoked(sessions + other.sessions, leases + other.leases);
        }
    }

    /**
     * Revokes the open sessions matching every given filter (at least one of {@code role}, {@code subject}).
     *
     * @throws IllegalArgumentException when neither filter is given
     */
    public Mono<Revoked> revokeWhere(String role, String subject, String clientIp) {
        return revokeWhere(role, subject, clientIp, SessionStore.REVOKED_BY_ADMIN);
    }

    /**
     * As {@link #revokeWhere(String, String, String)}, recording {@code reason} on the sessions and their
     * {@code session.revoked} events (an anomaly block names itself there).
     */
    public Mono<Revoked> revokeWhere(String role, String subject, String clientIp, String reason) {
        if (role == null && subject == null) {
            throw new IllegalArgumentException("role or subject is required");
        }
        Objects.requireNonNull(reason, "reason cannot be null");
        return chunk(role, subject, null, clientIp, reason)
                .expand(done -> done.sessions() < CHUNK ? Mono.empty()
                        : chunk(role, subject, null, clientIp, reason))
                .reduce(new Revoked(0, 0), Revoked::plus);
    }

    /**
     * Revokes the session that holds lease {@code leaseId}, with all its open leases: the console's "revoke this
     * lease", after which the job's next lease is refused (401) rather than quietly granted again. Empty when no such
     * lease exists; {@code Revoked(0, 0)} when its session was no longer open.
     */
    public Mono<Revoked> revokeSessionOfLease(String leaseId, String clientIp) {
        return db.sql("SELECT session_id FROM leases WHERE id = :id").bind("id", leaseId)
                .map(row -> row.get("session_id", String.class)).one()
                .flatMap(sessionId -> chunk(null, null, sessionId, clientIp, SessionStore.REVOKED_BY_ADMIN));
    }

    private Mono<Revoked> chunk(String role, String subject, String sessionId, String clientIp, String reason) {
        return openChunk(role, subject, sessionId, clientIp, reason)
                .flatMap(done -> endings.ended(done.leaseIds()).thenReturn(done.revoked()));
    }

    /** One chunk's sessions and the leases it ended, once its transaction committed. */
    private record Chunk(Revoked revoked, List<String> leaseIds) {
    }

    private Mono<Chunk> openChunk(String role, String subject, String sessionId, String clientIp,
            String reason) {
        Instant now = clock.instant();
        StringBuilder sql = new StringBuilder("SELECT id, token_hash, role, issuer, subject, ctx FROM sessions"
                + " WHERE expires_at > :now AND revoked_at IS NULL");
        Map<String, Object> binds = new LinkedHashMap<>();
        binds.put("now", utc(now));
        if (role != null) {
            sql.append(" AND role = :role");
            binds.put("role", role);
        }
        if (subject != null) {
            sql.append(" AND subject = :subject");
            binds.put("subject", subject);
        }
        if (sessionId != null) {
            sql.append(" AND id = :sessionId");
            binds.put("sessionId", sessionId);
        }
        sql.append(" ORDER BY expires_at, id LIMIT ").append(CHUNK).append(" FOR UPDATE");
        return db.sql(sql.toString()).bindValues(binds)
                .map(row -> new Open(row.get("id", String.class), row.get("token_hash", String.class),
                        row.get("role", String.class), row.get("issuer", String.class),
                        row.get("subject", String.class), json.readValue(row.get("ctx", String.class), MAP)))
                .all().collectList()
                .flatMap(open -> open.isEmpty() ? Mono.just(new Chunk(new Revoked(0, 0), List.of()))
                        : revoke(open, now, clientIp, reason))
                .as(tx::transactional);
    }

    private Mono<Chunk> revoke(List<Open> open, Instant now, String clientIp, String reason) {
        List<String> ids = open.stream().map(Open::id).toList();
        OffsetDateTime at = utc(now);
        Mono<Void> markSessions = db.sql("UPDATE sessions SET revoked_at = :now, revoke_reason = :reason"
                        + " WHERE id IN (:ids) AND revoked_at IS NULL")
                .bind("now", at).bind("reason", reason).bind("ids", ids)
                .fetch().rowsUpdated().then();
        Mono<Map<String, List<String>>> openLeases = db.sql("SELECT id, session_id FROM leases"
                        + " WHERE session_id IN (:ids) AND revoked_at IS NULL ORDER BY issued_at, id FOR UPDATE")
                .bind("ids", ids)
                .map(row -> Map.entry(row.get("session_id", String.class), row.get("id", String.class)))
                .all()
                .collect(LinkedHashMap<String, List<String>>::new,
                        (bySession, e) -> bySession.computeIfAbsent(e.getKey(), k -> new ArrayList<>())
                                .add(e.getValue()));
        return markSessions.then(openLeases).flatMap(leasesBySession -> {
            List<String> leaseIds = leasesBySession.values().stream().flatMap(List::stream).toList();
            Mono<Void> endLeases = leaseIds.isEmpty() ? Mono.empty()
                    : db.sql("UPDATE leases SET revoked_at = :now, revoke_reason = 'session revoked'"
                                    + " WHERE id IN (:ids) AND revoked_at IS NULL")
                            .bind("now", at).bind("ids", leaseIds).fetch().rowsUpdated().then();
            List<io.segura.broker.database.Table.Row> events = new ArrayList<>(open.size());
            for (Open s : open) {
                events.add(AuditLog.row(AuditEvent.builder(AuditEventType.SESSION_REVOKED).role(s.role())
                        .issuer(s.issuer()).subject(s.subject()).clientIp(clientIp).ctx(s.ctx())
                        .reason(reason)
                        .details(Map.of("session_id", s.id(), "leases",
                                leasesBySession.getOrDefault(s.id(), List.of())))
                        .build()));
            }
            return endLeases.then(statements.execute(new Writes(events, List.of())))
                    .then(Mono.fromRunnable(() -> open.forEach(s -> sessions.forget(s.tokenHash()))))
                    .thenReturn(new Chunk(new Revoked(open.size(), leaseIds.size()), leaseIds));
        });
    }

    private record Open(String id, String tokenHash, String role, String issuer, String subject,
            Map<String, Object> ctx) {
    }
}
