// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.console;

import io.segura.broker.session.SessionToken;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The operator console's sign-in: the admin token is exchanged for a short-lived session whose cookie value is
 * {@code v1.<expiry epoch s>.<nonce>.<mac>}, MACed with a key derived from the admin token. Nothing is stored, so
 * every replica that shares the admin token accepts the cookie, and changing the admin token ends every console
 * session. The CSRF token is derived from the same nonce (a synchronizer token the server can recompute), so it needs
 * no storage either. Sign-out remembers the nonce until its expiry in this process; {@link ConsoleSignOuts} shares it
 * with the other replicas through the database (see docs/CONSOLE.md).
 */
public final class ConsoleSessions {

    /** What a caller sends: the cookie's value is the whole credential. */
    public static final String COOKIE = "segura_console";

    /**
     * The exchange attribute the console filter sets on a request it authenticated by cookie (and CSRF token, for a
     * state-changing one). Only a server-side filter can set an exchange attribute; the admin API's guard accepts it
     * in place of the bearer token.
     */
    public static final String AUTHENTICATED_ATTRIBUTE = "segura.console.authenticated";

    private static final String VERSION = "v1";
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private final byte[] adminDigest;
    private final byte[] key;
    private final Duration ttl;
    private final Clock clock;
    private final SecureRandom random;
    /** Signed-out nonces until their expiry, pruned on each sign-out. */
    private final Map<String, Instant> signedOut = new ConcurrentHashMap<>();

    /**
     * @param adminToken the configured admin token, or {@code null}: then nobody can sign in
     * @param ttl        how long a console session lasts (absolute, not sliding)
     */
    public ConsoleSessions(String adminToken, Duration ttl, Clock clock, SecureRandom random) {
        this.ttl = Objects.requireNonNull(ttl, "ttl cannot be null");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("SEGURA_CONSOLE_SESSION_TTL must be positive, got " + ttl);
        }
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
        this.random = Objects.requireNonNull(random, "random cannot be null");
        this.adminDigest = adminToken == null ? null : HexFormat.of().parseHex(SessionToken.sha256Hex(adminToken));
        this.key = adminToken == null ? null : hmac(adminToken.getBytes(StandardCharsets.UTF_8),
                "segura-console-session-key-v1");
    }

    /** A console session: the cookie value, its CSRF token and when it ends. */
    public record Session(String cookie, String csrfToken, Instant expiresAt) {
        public Session {
            Objects.requireNonNull(cookie, "cookie cannot be null");
            Objects.requireNonNull(csrfToken, "csrfToken cannot be null");
            Objects.requireNonNull(expiresAt, "expiresAt cannot be null");
        }

        /**
         * The session's name in audit events and in {@code console_sign_outs}: the SHA-256 (hex) of its nonce. It
         * identifies the session without being a credential (the cookie also needs the MAC, the CSRF token the key).
         */
        public String idSha256() {
            return SessionToken.sha256Hex(cookie.split("\\.", -1)[2]);
        }

        @Override
        public String toString() {
            return "Session[expiresAt=" + expiresAt + "]";
        }
    }

    /** Why a cookie was not accepted, so the console can tell "expired" from "never valid". */
    public enum Rejection { EXPIRED, SIGNED_OUT, INVALID }

    /** A cookie's verdict: the session, or why not. */
    public record Verdict(Session session, Rejection rejection) {
    }

    public Duration ttl() {
        return ttl;
    }

    public boolean enabled() {
        return key != null;
    }

    /** A new session for the admin token (constant-time comparison), empty if it is not the admin token. */
    public Optional<Session> signIn(String adminToken) {
        if (adminDigest == null || adminToken == null
                || !MessageDigest.isEqual(adminDigest, HexFormat.of().parseHex(SessionToken.sha256Hex(adminToken)))) {
            return Optional.empty();
        }
        byte[] nonce = new byte[18];
        random.nextBytes(nonce);
        Instant expires = clock.instant().plus(ttl).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        String body = VERSION + "." + expires.getEpochSecond() + "." + B64.encodeToString(nonce);
        String cookie = body + "." + B64.encodeToString(hmac(key, body));
        return Optional.of(new Session(cookie, csrf(B64.encodeToString(nonce)), expires));
    }

    /** The session a cookie carries, or why it is refused. */
    public Verdict verify(String cookie) {
        if (key == null || cookie == null) {
            return new Verdict(null, Rejection.INVALID);
        }
        String[] parts = cookie.split("\\.", -1);
        if (parts.length != 4 || !VERSION.equals(parts[0])) {
            return new Verdict(null, Rejection.INVALID);
        }
        String body = parts[0] + "." + parts[1] + "." + parts[2];
        byte[] mac;
        try {
            mac = Base64.getUrlDecoder().decode(parts[3]);
        } catch (IllegalArgumentException e) {
            return new Verdict(null, Rejection.INVALID);
        }
        if (!MessageDigest.isEqual(mac, hmac(key, body))) {
            return new Verdict(null, Rejection.INVALID);
        }
        Instant expires;
        try {
            expires = Instant.ofEpochSecond(Long.parseLong(parts[1]));
        } catch (NumberFormatException | java.time.DateTimeException e) {
            return new Verdict(null, Rejection.INVALID);
        }
        if (!clock.instant().isBefore(expires)) {
            return new Verdict(null, Rejection.EXPIRED);
        }
        if (signedOut.containsKey(parts[2])) {
            return new Verdict(null, Rejection.SIGNED_OUT);
        }
        return new Verdict(new Session(cookie, csrf(parts[2]), expires), null);
    }

    /** Whether {@code given} is the session's CSRF token (constant-time). */
    public static boolean csrfMatches(Session session, String given) {
        return given != null && MessageDigest.isEqual(session.csrfToken().getBytes(StandardCharsets.US_ASCII),
                given.getBytes(StandardCharsets.US_ASCII));
    }

    /** Ends a session here: its cookie is refused until it would have expired anyway. */
    public void signOut(Session session) {
        Instant now = clock.instant();
        signedOut.values().removeIf(until -> !now.isBefore(until));
        signedOut.put(session.cookie().split("\\.", -1)[2], session.expiresAt());
    }

    private String csrf(String nonce) {
        return B64.encodeToString(hmac(key, "csrf." + nonce));
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every Java platform", e);
        }
    }
}
