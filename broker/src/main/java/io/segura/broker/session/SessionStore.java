// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.session;

import io.r2dbc.spi.Readable;
import io.segura.broker.Refusal;
import io.segura.broker.database.DatabaseDeadline;
import io.segura.broker.database.GroupRead;
import io.segura.broker.database.Update;
import io.segura.broker.database.Table;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import static io.segura.broker.database.Timestamps.instant;
import static io.segura.broker.database.Timestamps.utc;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Mono;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Sessions in the {@code sessions} table, keyed by the SHA-256 of their token. Every method joins the caller's
 * R2DBC transaction when there is one.
 */
public final class SessionStore {

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private static final Table TABLE = Table.of("sessions", "token_hash", String.class, "id", String.class,
            "role", String.class, "issuer", String.class, "client_id", String.class, "subject", String.class,
            "ctx", String.class, "claims", String.class, "created_at", OffsetDateTime.class,
            "expires_at", OffsetDateTime.class);

    /** Sessions remembered per replica for {@link #checkForLease}: a few MB (claims are the bulk). */
    static final int MAX_REMEMBERED = 1_024;

    private final DatabaseClient db;
    private final JsonMapper json;
    private final Map<String, Session> recent = new ConcurrentHashMap<>();
    private final GroupRead<String, Revocable> revocations;

    public SessionStore(DatabaseClient db, JsonMapper json, DatabaseDeadline deadline) {
        this.db = Objects.requireNonNull(db, "db cannot be null");
        this.json = Objects.requireNonNull(json, "json cannot be null");
        this.revocations = new GroupRead<>(this::forRevocation, 64, 2, deadline);
    }

    /** The session's row, for the group commit that also writes its audit event (and its jti). */
    public Table.Row row(Session s, String tokenHash) {
        return TABLE.row(tokenHash, s.id(), s.role(), s.issuer(), s.clientId(), s.subject(),
                json.writeValueAsString(s.ctx()), json.writeValueAsString(s.claims()), utc(s.createdAt()),
                utc(s.expiresAt()));
    }

    /**
     * The active session a bearer token names, read from the database; or why it is refused (unknown, expired,
     * revoked, not a session token), as a value with what is known of the token: its session when it has one, its
     * SHA-256 when it is shaped like a session token. The refusal's audit event is built from that.
     */
    public Mono<Authentication> check(String bearer, Instant now) {
        if (!SessionToken.looksLike(bearer)) {
            return Mono.just(new Authentication(null, null,
                    Refusal.unauthenticated("bearer token is not a Segura session token (sgs_…)")));
        }
        String hash = SessionToken.sha256Hex(bearer);
        return findByHash(hash)
                .map(found -> {
                    Refusal refusal = inactive(found.session(), found.revokeReason(), now);
                    if (refusal == null) {
                        remember(hash, found.session());
                    }
                    return new Authentication(found.session(), hash, refusal);
                })
                .switchIfEmpty(Mono.fromSupplier(() -> new Authentication(null, hash,
                        Refusal.unauthenticated("session token is unknown"))));
    }

    /**
     * What a bearer token names: an active session ({@code refusal} is null), or why it is refused, with its session
     * when the token names one that is revoked or expired and its SHA-256 when it is shaped like a session token.
     */
    public record Authentication(Session session, String tokenSha256, Refusal refusal) {
        public boolean admitted() {
            return refusal == null;
        }
    }

    /**
     * {@link #check} for a new lease, answered from the sessions this replica has already read when it can: a
     * session's row never changes but for its revocation, and the lease's own commit checks that
     * ({@link #recordLease}), so a lease never commits for a session revoked meanwhile, here or on another replica.
     * This saves the lease path a database round trip and the decoding of the session's claims.
     */
    public Mono<Authentication> checkForLease(String bearer, Instant now) {
        if (SessionToken.looksLike(bearer)) {
            String hash = SessionToken.sha256Hex(bearer);
            Session known = recent.get(hash);
            if (known != null && now.isBefore(known.expiresAt())) {
                return Mono.just(new Authentication(known, hash, null));
            }
        }
        return check(bearer, now);
    }

    /** This replica revoked the session: it is not answered from memory any more. */
    public void forget(String tokenHash) {
        recent.remove(tokenHash);
    }

    /** The {@code revoke_reason} of sessions an operator revoked ({@code DELETE /api/v2/admin/sessions}). */
    public static final String REVOKED_BY_ADMIN = "revoked by admin";

    /** Why a session may not be used {@code now} (revoked, expired), or null when it may. */
    private static Refusal inactive(Session s, String revokeReason, Instant now) {
        if (s.revokedAt() != null) {
            return revoked(revokeReason);
        }
        if (!now.isBefore(s.expiresAt())) {
            return Refusal.unauthenticated("session expired at " + s.expiresAt());
        }
        return null;
    }

    /** A session this replica has just issued (and committed): its first lease need not read it back. */
    public void issued(String tokenHash, Session s) {
        remember(tokenHash, s);
    }

    private void remember(String tokenHash, Session s) {
        if (recent.size() >= MAX_REMEMBERED) {
            recent.clear(); // bounded memory; the next lease of each session reads it again
        }
        recent.put(tokenHash, s);
    }

    /**
     * A session with what its revocation will end, in one read: the count of leases it has had (which proves, at the
     * revocation's commit, that no lease was added since) and its open leases, oldest first. Claims are not read:
     * the revocation's audit event does not carry them. The revocations in flight share one query
     * ({@link GroupRead}), outside any transaction of the caller.
     */
    public Mono<Revocable> forRevocation(String tokenHash) {
        return revocations.read(tokenHash);
    }

    private Mono<Map<String, Revocable>> forRevocation(List<String> tokenHashes) {
        String[] previous = {null};
        return db.sql("SELECT s.token_hash, s.id, s.role, s.issuer, s.client_id, s.subject, s.ctx, s.created_at,"
                        + " s.expires_at, s.revoked_at, s.lease_count, l.id AS lease_id FROM sessions s LEFT JOIN"
                        + " leases l ON l.session_id = s.id AND l.revoked_at IS NULL WHERE s.token_hash IN (:hashes)"
                        + " ORDER BY s.token_hash, l.issued_at, l.id")
                .bind("hashes", tokenHashes)
                // a session's columns repeat on each of its leases' rows (ordered by session): decoded from its first
                .map(row -> {
                    String hash = row.get("token_hash", String.class);
                    boolean first = !hash.equals(previous[0]);
                    previous[0] = hash;
                    return new RevocableRow(hash, first ? session(row, Map.of()) : null,
                            row.get("lease_count", Integer.class), row.get("lease_id", String.class));
                })
                .all()
                .collect(LinkedHashMap<String, Revocable>::new, (found, r) -> {
                    Revocable known = found.get(r.tokenHash());
                    if (known == null) {
                        found.put(r.tokenHash(), new Revocable(r.session(), r.leaseCount(), new ArrayList<>()));
                        known = found.get(r.tokenHash());
                    }
                    if (r.leaseId() != null) {
                        known.openLeases().add(r.leaseId());
                    }
                })
                .map(found -> {
                    Map<String, Revocable> frozen = new LinkedHashMap<>();
                    found.forEach((hash, r) -> frozen.put(hash, new Revocable(r.session(), r.leaseCount(),
                            List.copyOf(r.openLeases()))));
                    return frozen;
                });
    }

    /** A session, how many leases it has had, and the ids of those still open (oldest first). */
    public record Revocable(Session session, int leaseCount, List<String> openLeases) {
    }

    private record RevocableRow(String tokenHash, Session session, int leaseCount, String leaseId) {
    }

    /**
     * The refusal of a revoked session's request, saying who revoked it when that is known: a job whose next lease is
     * refused learns that an operator ended it, not that its token went bad.
     */
    public static Refusal revoked(String revokeReason) {
        if (revokeReason != null && revokeReason.startsWith(ANOMALY_BLOCK)) {
            return Refusal.unauthenticated(SESSION_REVOKED, "session was revoked by an automatic anomaly block ("
                    + revokeReason + ")");
        }
        return Refusal.unauthenticated(SESSION_REVOKED, REVOKED_BY_ADMIN.equals(revokeReason)
                ? "session was revoked by an administrator" : "session was revoked");
    }

    /** The {@code revoke_reason} prefix of sessions an anomaly block revoked ({@code anomaly-block: RULE}). */
    public static final String ANOMALY_BLOCK = "anomaly-block";

    /** The reason (problem type) of every refusal of a revoked session. */
    public static final String SESSION_REVOKED = "session-revoked";

    private Mono<Found> findByHash(String tokenHash) {
        return db.sql("SELECT id, role, issuer, client_id, subject, ctx, claims, created_at, expires_at, revoked_at,"
                        + " revoke_reason FROM sessions WHERE token_hash = :hash")
                .bind("hash", tokenHash)
                .map(row -> new Found(session(row, json.readValue(row.get("claims", String.class), MAP)),
                        row.get("revoke_reason", String.class)))
                .one();
    }

    private record Found(Session session, String revokeReason) {
    }

    /**
     * Marks the session revoked, in the revocation's transaction, if it is still as the caller read it: not revoked
     * (when {@code wasOpen}; else nothing is touched) and with {@code leaseCount} leases, so no lease was added since
     * the caller listed the open ones. Otherwise {@code raced} is the error.
     */
    public static Update revocation(String sessionId, String reason, Instant now, boolean wasOpen, int leaseCount,
            Supplier<? extends RuntimeException> raced) {
        return new Update("sessions", "id", sessionId, List.of(new Update.Assignment("revoked_at", utc(now), false),
                new Update.Assignment("revoke_reason", reason, false)),
                List.of(new Update.Match("lease_count", leaseCount)), "revoked_at IS NULL", wasOpen ? 1 : 0, raced);
    }

    /**
     * Marks the session revoked in the caller's transaction, unless it already is (or is unknown); emits whether this
     * call marked it. The row stays locked until that transaction ends, and every lease's commit updates the same row
     * ({@link #recordLease}): a lease in flight waits, then finds the mark. So once this has run, no lease of the
     * session can commit any more.
     */
    public Mono<Boolean> markRevoked(String tokenHash, String reason, Instant now) {
        return db.sql("UPDATE sessions SET revoked_at = :now, revoke_reason = :reason WHERE token_hash = :hash"
                        + " AND revoked_at IS NULL")
                .bind("now", utc(now))
                .bind("reason", reason)
                .bind("hash", tokenHash)
                .fetch().rowsUpdated()
                .map(n -> n > 0);
    }

    /**
     * The session a revocation has just marked ({@link #markRevoked}), read in the same transaction, without its
     * claims (the revocation's audit event does not carry them); empty for an unknown token.
     */
    public Mono<Session> forRevocationMark(String tokenHash) {
        return db.sql("SELECT id, role, issuer, client_id, subject, ctx, created_at, expires_at, revoked_at"
                        + " FROM sessions WHERE token_hash = :hash")
                .bind("hash", tokenHash)
                .map(row -> session(row, Map.of()))
                .one();
    }

    /**
     * Counts a new lease on the session, in the lease's transaction (DESIGN §6). It is also the lease's last check of
     * its session: the count only moves while the session is not revoked, so a lease never commits after its
     * session's revocation did.
     */
    public static Update recordLease(String sessionId) {
        return Update.increment("sessions", "lease_count", "id", sessionId, "revoked_at IS NULL",
                () -> revoked(null));
    }

    private Session session(Readable row, Map<String, Object> claims) {
        return new Session(
                row.get("id", String.class),
                row.get("role", String.class),
                row.get("issuer", String.class),
                row.get("client_id", String.class),
                row.get("subject", String.class),
                json.readValue(row.get("ctx", String.class), MAP),
                claims,
                instant(row.get("created_at", OffsetDateTime.class)),
                instant(row.get("expires_at", OffsetDateTime.class)),
                instant(row.get("revoked_at", OffsetDateTime.class)));
    }
}
