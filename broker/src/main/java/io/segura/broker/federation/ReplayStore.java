// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.federation;

import io.r2dbc.spi.R2dbcException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Objects;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Mono;

/**
 * The jti single-use store (DESIGN §14, §15): one row per consumed {@code (issuer, jti)} in PostgreSQL, shared by every
 * broker replica, so a token replayed against another replica is refused too. The primary key does the work — a plain
 * INSERT either succeeds (first use) or violates uniqueness (replay); no read-then-write race. The SQL is portable to
 * H2 in PostgreSQL mode (no {@code ON CONFLICT (col)}).
 */
public final class ReplayStore {

    /** Width of {@code jti_replay.jti}. */
    static final int MAX_JTI_CHARS = 512;
    private static final String UNIQUE_VIOLATION = "23505";

    private final DatabaseClient db;

    public ReplayStore(DatabaseClient db) {
        this.db = Objects.requireNonNull(db, "db cannot be null");
    }

    /**
     * Records the first use of {@code jti}.
     *
     * @param expiresAt until when the row must be kept: the token's {@code exp} plus the issuer's clock skew, after
     *                  which the token is refused as expired anyway
     * @return empty on first use; {@link TokenRejectedException} ({@code replay}) when the jti was used before
     */
    public Mono<Void> consume(String issuerName, String jti, Instant expiresAt) {
        Objects.requireNonNull(issuerName, "issuerName cannot be null");
        Objects.requireNonNull(jti, "jti cannot be null");
        Objects.requireNonNull(expiresAt, "expiresAt cannot be null");
        if (jti.isEmpty() || jti.length() > MAX_JTI_CHARS) {
            return Mono.error(new TokenRejectedException("replay", "jti",
                    "token jti must have 1 to " + MAX_JTI_CHARS + " characters, it has " + jti.length()));
        }
        return db.sql("INSERT INTO jti_replay (issuer, jti, expires_at) VALUES (:issuer, :jti, :expiresAt)")
                .bind("issuer", issuerName)
                .bind("jti", jti)
                .bind("expiresAt", OffsetDateTime.ofInstant(expiresAt, ZoneOffset.UTC))
                .fetch()
                .rowsUpdated()
                .then()
                .onErrorMap(ReplayStore::isDuplicate, e -> new TokenRejectedException("replay", "jti",
                        "token jti " + Quote.value(jti) + " was already used; tokens of this issuer are single use"));
    }

    /** Deletes rows whose tokens can no longer be accepted anyway; returns how many. */
    public Mono<Long> purgeExpired(Instant now) {
        Objects.requireNonNull(now, "now cannot be null");
        return db.sql("DELETE FROM jti_replay WHERE expires_at < :now")
                .bind("now", OffsetDateTime.ofInstant(now, ZoneOffset.UTC))
                .fetch()
                .rowsUpdated();
    }

    /** Unique violation only (SQLState 23505, PostgreSQL and H2 alike); other integrity errors stay errors. */
    static boolean isDuplicate(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof DuplicateKeyException) {
                return true;
            }
            if (t instanceof R2dbcException r && UNIQUE_VIOLATION.equals(r.getSqlState())) {
                return true;
            }
            if (t instanceof java.sql.SQLException s && UNIQUE_VIOLATION.equals(s.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
