// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.session;

import io.r2dbc.spi.Readable;
import io.segura.broker.ApiException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.Objects;
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

    private final DatabaseClient db;
    private final JsonMapper json;

    public SessionStore(DatabaseClient db, JsonMapper json) {
        this.db = Objects.requireNonNull(db, "db cannot be null");
        this.json = Objects.requireNonNull(json, "json cannot be null");
    }

    public Mono<Session> insert(Session s, String tokenHash) {
        return db.sql("INSERT INTO sessions (token_hash, id, role, issuer, client_id, subject, ctx, claims, created_at,"
                        + " expires_at) VALUES (:hash, :id, :role, :issuer, :client, :subject, :ctx, :claims, :created,"
                        + " :expires)")
                .bind("hash", tokenHash)
                .bind("id", s.id())
                .bind("role", s.role())
                .bind("issuer", nullable(s.issuer()))
                .bind("client", nullable(s.clientId()))
                .bind("subject", s.subject())
                .bind("ctx", json.writeValueAsString(s.ctx()))
                .bind("claims", json.writeValueAsString(s.claims()))
                .bind("created", utc(s.createdAt()))
                .bind("expires", utc(s.expiresAt()))
                .fetch().rowsUpdated()
                .thenReturn(s);
    }

    /**
     * The active session a bearer token names.
     *
     * @return the session, or an {@link ApiException} 401 that says whether the token is unknown, expired or revoked
     */
    public Mono<Session> authenticate(String bearer, Instant now) {
        if (!SessionToken.looksLike(bearer)) {
            return Mono.error(ApiException.unauthenticated("bearer token is not a Segura session token (sgs_…)"));
        }
        return findByHash(SessionToken.sha256Hex(bearer))
                .switchIfEmpty(Mono.error(() -> ApiException.unauthenticated("session token is unknown")))
                .flatMap(s -> {
                    if (s.revokedAt() != null) {
                        return Mono.error(ApiException.unauthenticated("session was revoked"));
                    }
                    if (!now.isBefore(s.expiresAt())) {
                        return Mono.error(ApiException.unauthenticated("session expired at " + s.expiresAt()));
                    }
                    return Mono.just(s);
                });
    }

    public Mono<Session> findByHash(String tokenHash) {
        return db.sql("SELECT id, role, issuer, client_id, subject, ctx, claims, created_at, expires_at, revoked_at"
                        + " FROM sessions WHERE token_hash = :hash")
                .bind("hash", tokenHash)
                .map(this::session)
                .one();
    }

    /** Marks the session revoked if it is not already; emits whether this call revoked it. */
    public Mono<Boolean> revoke(String sessionId, String reason, Instant now) {
        return db.sql("UPDATE sessions SET revoked_at = :now, revoke_reason = :reason"
                        + " WHERE id = :id AND revoked_at IS NULL")
                .bind("now", utc(now))
                .bind("reason", reason)
                .bind("id", sessionId)
                .fetch().rowsUpdated()
                .map(n -> n > 0);
    }

    /** Counts a new lease on the session; part of the lease transaction (DESIGN §6). */
    public Mono<Void> recordLease(String sessionId) {
        return db.sql("UPDATE sessions SET lease_count = lease_count + 1 WHERE id = :id")
                .bind("id", sessionId)
                .fetch().rowsUpdated()
                .then();
    }

    private Session session(Readable row) {
        return new Session(
                row.get("id", String.class),
                row.get("role", String.class),
                row.get("issuer", String.class),
                row.get("client_id", String.class),
                row.get("subject", String.class),
                json.readValue(row.get("ctx", String.class), MAP),
                json.readValue(row.get("claims", String.class), MAP),
                instant(row.get("created_at", OffsetDateTime.class)),
                instant(row.get("expires_at", OffsetDateTime.class)),
                instant(row.get("revoked_at", OffsetDateTime.class)));
    }


    private static org.springframework.r2dbc.core.Parameter nullable(String s) {
        return org.springframework.r2dbc.core.Parameter.fromOrEmpty(s, String.class);
    }
}
