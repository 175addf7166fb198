// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.session;

import io.r2dbc.spi.R2dbcException;
import io.segura.broker.Refusal;
import io.segura.broker.federation.Quote;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import io.segura.broker.database.Table;
import java.util.Objects;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Mono;

/**
 * The jti single-use store (DESIGN §14, §15): one row per consumed {@code (issuer, jti)} in PostgreSQL, shared by every
 * broker replica, so a token replayed against another replica is refused too. The primary key does the work — a plain
 * INSERT either succeeds (first use) or violates uniqueness (replay); no read-then-write race. The row is written by
 * the exchange's group commit together with the session (see {@link SessionIssuer}).
 */
public final class ReplayStore {

    private static final Table TABLE = Table.of("jti_replay", "issuer", String.class, "jti", String.class,
            "expires_at", OffsetDateTime.class);
    private static final String UNIQUE_VIOLATION = "23505";
    /** How far replica clocks may run ahead of each other before a purge could reopen a replay: the largest
     * {@code clock-skew} an issuer may configure (5 min). */
    public static final Duration CLOCK_MARGIN = Duration.ofMinutes(5);

    private final DatabaseClient db;

    public ReplayStore(DatabaseClient db) {
        this.db = Objects.requireNonNull(db, "db cannot be null");
    }

    /**
     * The row that records the first use of a token's jti. It is committed with the session it buys, so a token is
     * spent exactly when a session was issued for it; when the insert violates the key, {@link #replayed} is the
     * answer.
     *
     * @param keepUntil until when the row must be kept: the token's {@code exp} plus the issuer's clock skew, after
     *                  which the token is refused as expired anyway
     */
    public static Table.Row firstUse(String issuerName, String jti, Instant keepUntil) {
        Objects.requireNonNull(issuerName, "issuerName cannot be null");
        Objects.requireNonNull(jti, "jti cannot be null");
        Objects.requireNonNull(keepUntil, "keepUntil cannot be null");
        return TABLE.row(issuerName, jti, OffsetDateTime.ofInstant(keepUntil, ZoneOffset.UTC));
    }

    /** The refusal of a token whose jti was used before. */
    public static Refusal replayed(String jti) {
        return Refusal.tokenRefused("replay", "jti",
                "token jti " + Quote.value(jti) + " was already used; tokens of this issuer are single use");
    }

    /**
     * Deletes rows whose tokens no replica can accept anyway; returns how many. A row is kept {@link #CLOCK_MARGIN}
     * past its {@code expires_at}: every replica purges by its own clock, and a replica running ahead (30 s of skew
     * on one replica, issue 16) would otherwise delete a row while a replica on time still accepts its token — a replay
     * window of exactly the skew.
     */
    public Mono<Long> purgeExpired(Instant now) {
        Objects.requireNonNull(now, "now cannot be null");
        return db.sql("DELETE FROM jti_replay WHERE expires_at < :now")
                .bind("now", OffsetDateTime.ofInstant(now.minus(CLOCK_MARGIN), ZoneOffset.UTC))
                .fetch()
                .rowsUpdated();
    }

    /** Unique violation only (SQLState 23505, PostgreSQL and H2 alike); other integrity errors stay errors. */
    public static boolean isDuplicate(Throwable error) {
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
