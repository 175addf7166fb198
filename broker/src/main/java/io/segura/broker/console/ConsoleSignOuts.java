// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.console;

import io.segura.broker.session.ReplayStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Mono;

/**
 * Signed-out console sessions shared by every replica through PostgreSQL ({@code console_sign_outs}, keyed by the
 * SHA-256 of the session's nonce). A cookie-authenticated request asks here after the cookie's MAC and expiry
 * checked out. To keep that cheap, an answer "not signed out" is cached for {@link #NEGATIVE_TTL}: a sign-out on
 * another replica takes effect here within that bound. A "signed out" answer is kept until the session's expiry.
 */
public final class ConsoleSignOuts {

    /** How long a "not signed out" lookup is trusted before the database is asked again (the documented bound). */
    public static final Duration NEGATIVE_TTL = Duration.ofSeconds(1);

    /** Past this many cached lookups the cache is dropped rather than grown (a flood of forged-but-valid cookies). */
    private static final int MAX_CACHED = 10_000;

    private final DatabaseClient db;
    private final Clock clock;
    /** Session hash → when "not signed out" was last read from the database. */
    private final Map<String, Instant> notSignedOut = new ConcurrentHashMap<>();
    /** Session hash → its expiry, for sessions known to be signed out (here or read from the database). */
    private final Map<String, Instant> signedOut = new ConcurrentHashMap<>();

    public ConsoleSignOuts(DatabaseClient db, Clock clock) {
        this.db = Objects.requireNonNull(db, "db cannot be null");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    }

    /** Whether the session (by {@link ConsoleSessions.Session#idSha256()}) was signed out on any replica. */
    public Mono<Boolean> isSignedOut(String sessionSha256, Instant expiresAt) {
        Instant now = clock.instant();
        if (signedOut.containsKey(sessionSha256)) {
            return Mono.just(true);
        }
        Instant checked = notSignedOut.get(sessionSha256);
        if (checked != null && now.isBefore(checked.plus(NEGATIVE_TTL)) && !now.isBefore(checked)) {
            return Mono.just(false);
        }
        return db.sql("SELECT 1 AS one FROM console_sign_outs WHERE session_sha256 = :id")
                .bind("id", sessionSha256).map(row -> Boolean.TRUE).first()
                .defaultIfEmpty(Boolean.FALSE)
                .doOnNext(found -> {
                    if (found) {
                        notSignedOut.remove(sessionSha256);
                        remember(sessionSha256, expiresAt, now);
                    } else {
                        if (notSignedOut.size() >= MAX_CACHED) {
                            notSignedOut.clear();
                        }
                        notSignedOut.put(sessionSha256, now);
                    }
                });
    }

    /**
     * Records a sign-out (idempotent) and purges rows no replica can need any more: a row is kept
     * {@link ReplayStore#CLOCK_MARGIN} past the cookie's expiry, since every replica checks expiry by its own clock.
     */
    public Mono<Void> signOut(String sessionSha256, Instant expiresAt) {
        Instant now = clock.instant();
        remember(sessionSha256, expiresAt, now);
        notSignedOut.remove(sessionSha256);
        // ON CONFLICT without a target: the form H2 (dev mode) accepts too
        return db.sql("INSERT INTO console_sign_outs (session_sha256, expires_at) VALUES (:id, :expires) "
                        + "ON CONFLICT DO NOTHING")
                .bind("id", sessionSha256).bind("expires", OffsetDateTime.ofInstant(expiresAt, ZoneOffset.UTC))
                .fetch().rowsUpdated()
                .then(purgeExpired(now))
                .then();
    }

    /** Deletes rows whose cookies every replica refuses as expired anyway; returns how many. */
    public Mono<Long> purgeExpired(Instant now) {
        return db.sql("DELETE FROM console_sign_outs WHERE expires_at < :now")
                .bind("now", OffsetDateTime.ofInstant(now.minus(ReplayStore.CLOCK_MARGIN), ZoneOffset.UTC))
                .fetch().rowsUpdated();
    }

    private void remember(String sessionSha256, Instant expiresAt, Instant now) {
        signedOut.values().removeIf(until -> !now.isBefore(until));
        signedOut.put(sessionSha256, expiresAt);
    }
}
