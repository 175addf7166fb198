// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.federation;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.SignedJWT;
import io.segura.broker.config.IssuerSpec;
import io.segura.broker.config.Preset;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import reactor.core.publisher.Mono;

/**
 * Verifies a CI job's OIDC token against the configured issuers, enforcing every token rule of DESIGN §14: size,
 * signed compact JWS only, exact (or fully matched pattern) {@code iss}, the issuer's algorithm allowlist (never
 * {@code none} or HMAC), a signature by one of that issuer's own keys (never a key named by the token's {@code jku},
 * {@code x5u}, {@code jwk} or {@code x5c}), {@code exp} required, {@code nbf}/{@code iat} within the clock skew, the
 * lifetime cap, an {@code aud} that intersects the issuer's audiences, and jti single use where enabled.
 *
 * <p>With the issuer's keys cached, verification runs synchronously on the calling thread and allocates little beyond
 * what parsing needs; only a key refresh (unknown kid, cold cache) or the replay store leaves the thread.
 *
 * <p>Refusals are {@link TokenRejectedException}s whose message quotes only the token's own values (its issuer, its
 * audience, its times) — never the configured audiences, patterns, limits or keys. An issuer whose keys cannot be
 * fetched yields {@link IssuerUnavailableException} instead (503, not 401).
 */
public final class TokenVerifier {

    /** DESIGN §14: tokens longer than 16 KiB are refused before any parsing. */
    public static final int MAX_TOKEN_CHARS = 16 * 1024;
    private static final int MAX_ISS_CHARS = 1024;
    /** DESIGN §3 defaults, used when a spec leaves them null. */
    private static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(60);
    private static final Duration DEFAULT_MAX_LIFETIME = Duration.ofHours(2);
    private static final HexFormat HEX = HexFormat.of();

    /** One configured issuer, compiled for fast checks. */
    private record Trusted(IssuerSpec spec, Preset preset, Set<JWSAlgorithm> algorithms, Set<String> audiences,
                           Pattern pattern, long skewSeconds, long maxLifetimeSeconds) {
    }

    private final Map<String, Trusted> byIss = new HashMap<>();
    private final List<Trusted> patterns = new ArrayList<>();
    private final IssuerKeys keys;
    private final Clock clock;

    /**
     * @throws IllegalArgumentException for an issuer this verifier cannot enforce safely (HMAC or unknown algorithm,
     *                                  both or neither of issuer and issuer-pattern, duplicate issuer, no audience)
     */
    public TokenVerifier(List<IssuerSpec> issuers, IssuerKeys keys, Clock clock) {
        Objects.requireNonNull(issuers, "issuers cannot be null");
        this.keys = Objects.requireNonNull(keys, "keys cannot be null");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
        for (IssuerSpec spec : issuers) {
            Trusted t = compile(spec);
            if (t.pattern() != null) {
                patterns.add(t);
            } else if (byIss.putIfAbsent(spec.issuer(), t) != null) {
                throw new IllegalArgumentException("issuer " + spec.name() + ": another issuer has the same iss");
            }
        }
    }

    private static Trusted compile(IssuerSpec spec) {
        if ((spec.issuer() == null) == (spec.issuerPattern() == null)) {
            throw new IllegalArgumentException("issuer " + spec.name() + ": exactly one of issuer and issuer-pattern");
        }
        if (spec.audiences().isEmpty()) {
            throw new IllegalArgumentException("issuer " + spec.name() + ": audiences must not be empty");
        }
        Set<JWSAlgorithm> algs = new LinkedHashSet<>();
        for (String name : spec.algorithms().isEmpty() ? Preset.DEFAULT_ALGORITHMS : spec.algorithms()) {
            JWSAlgorithm alg = JWSAlgorithm.parse(name);
            // DESIGN §14: asymmetric signatures only; an HMAC key would be a secret shared with every relying party.
            if (!JWSAlgorithm.Family.RSA.contains(alg) && !JWSAlgorithm.Family.EC.contains(alg)
                    || JWSAlgorithm.ES256K.equals(alg)) {
                throw new IllegalArgumentException("issuer " + spec.name() + ": algorithm " + name + " is not allowed");
            }
            algs.add(alg);
        }
        Preset preset = spec.preset() == null ? null : Preset.byName(spec.preset())
                .orElseThrow(() -> new IllegalArgumentException("issuer " + spec.name() + ": unknown preset"));
        // matches() anchors at both ends, so neither a suffix nor an alternation can widen the pattern.
        Pattern pattern = spec.issuerPattern() == null ? null : Pattern.compile(spec.issuerPattern());
        Duration skew = spec.clockSkew() != null ? spec.clockSkew() : DEFAULT_CLOCK_SKEW;
        Duration lifetime = spec.maxTokenLifetime() != null ? spec.maxTokenLifetime() : DEFAULT_MAX_LIFETIME;
        if (skew.isNegative() || lifetime.isNegative() || lifetime.isZero()) {
            throw new IllegalArgumentException("issuer " + spec.name() + ": clock-skew must be >= 0 and "
                    + "max-token-lifetime > 0");
        }
        return new Trusted(spec, preset, Set.copyOf(algs), Set.copyOf(spec.audiences()), pattern,
                skew.toSeconds(), lifetime.toSeconds());
    }

    /**
     * Verifies {@code rawToken}. Errors: {@link TokenRejectedException} (refuse, 401/400) or
     * {@link IssuerUnavailableException} (503 with Retry-After). A single-use token's jti is not spent here: the
     * session issued for it spends it ({@link VerifiedToken#singleUse()}), so a refused token or a policy dry run
     * burns nothing.
     */
    public Mono<VerifiedToken> verify(String rawToken) {
        return Mono.defer(() -> {
            try {
                return start(rawToken);
            } catch (TokenRejectedException | IssuerUnavailableException e) {
                return Mono.error(e);
            }
        });
    }

    private Mono<VerifiedToken> start(String raw) {
        if (raw == null || raw.isEmpty()) {
            throw reject("format", null, "no token was given");
        }
        if (raw.length() > MAX_TOKEN_CHARS) {
            throw reject("size", null, "token has " + raw.length() + " characters, more than the " + MAX_TOKEN_CHARS
                    + " allowed");
        }
        int dots = 0;
        for (int i = 0; i < raw.length(); i++) {
            if (raw.charAt(i) == '.') {
                dots++;
            }
        }
        if (dots == 4) {
            throw reject("format", null, "encrypted tokens (JWE) are not accepted; send the signed ID token");
        }
        if (dots != 2) {
            throw reject("format", null, "token is not a compact JWS (header.payload.signature)");
        }
        SignedJWT jwt = parse(raw);
        JWSHeader header = jwt.getHeader();
        Map<String, Object> claims = claims(jwt);
        if (claims == null) {
            throw reject("format", null, "token payload is not a JSON object");
        }
        Object issClaim = claims.get("iss");
        if (!(issClaim instanceof String iss) || iss.isEmpty()) {
            throw reject("iss", "iss", issClaim == null ? "token has no iss claim" : "token iss is not a string");
        }
        Trusted t = trusted(iss);
        JWSAlgorithm alg = header.getAlgorithm();
        if (!t.algorithms().contains(alg)) {
            throw reject("alg", null, "token algorithm " + Quote.value(alg.getName())
                    + " is not accepted for issuer " + Quote.value(iss));
        }
        IssuerKeys.Source source = keys.source(t.spec(), iss);
        String kid = header.getKeyID();
        KeySet cached = source.current(clock.instant());
        if (cached != null) {
            List<KeySet.Entry> candidates = cached.candidates(kid, alg);
            if (!candidates.isEmpty()) {
                return finish(raw, jwt, claims, t, iss, candidates);
            }
            if (cached.weakKid(kid)) {
                throw weakKey(kid);
            }
        }
        return source.refresh().flatMap(fresh -> {
            List<KeySet.Entry> candidates = fresh.candidates(kid, alg);
            if (candidates.isEmpty()) {
                throw fresh.weakKid(kid) ? weakKey(kid) : unknownKid(kid, alg, iss);
            }
            return finish(raw, jwt, claims, t, iss, candidates);
        });
    }

    private static SignedJWT parse(String raw) {
        try {
            return SignedJWT.parse(raw);
        } catch (ParseException | RuntimeException e) {
            // RuntimeException too: nimbus throws a NullPointerException for a header that is JSON null (found by
            // TokenFormatFuzzTest; it was a 500 from an unauthenticated request).
            String alg = headerAlg(raw);
            if ("none".equalsIgnoreCase(alg)) {
                throw reject("alg", null, "token algorithm \"none\" is not accepted: the token is unsigned");
            }
            throw reject("format", null, "token is not a signed JWT: its header is not a valid JWS header");
        }
    }

    /**
     * The payload's claims, or null when it is not a JSON object. Decoded with the JDK's base64, several times faster
     * than nimbus's constant-time decoder, which a payload that is public anyway does not need.
     */
    private static Map<String, Object> claims(SignedJWT jwt) {
        try {
            byte[] json = java.util.Base64.getUrlDecoder().decode(jwt.getParsedParts()[1].toString());
            return JSONObjectUtils.parse(new String(json, java.nio.charset.StandardCharsets.UTF_8));
        } catch (IllegalArgumentException | ParseException e) {
            return null;
        }
    }

    /** Best-effort read of the header's alg for a token nimbus refused to parse as JWS. */
    private static String headerAlg(String raw) {
        try {
            Map<String, Object> h = JSONObjectUtils.parse(
                    new Base64URL(raw.substring(0, raw.indexOf('.'))).decodeToString());
            return h.get("alg") instanceof String s ? s : null;
        } catch (ParseException | RuntimeException e) {
            return null;
        }
    }

    private Trusted trusted(String iss) {
        Trusted t = byIss.get(iss);
        if (t != null) {
            return t;
        }
        if (iss.length() <= MAX_ISS_CHARS) {
            for (Trusted p : patterns) {
                if (p.pattern().matcher(iss).matches()) {
                    return p;
                }
            }
        }
        throw reject("iss", "iss", "issuer " + Quote.value(iss) + " is not trusted");
    }

    private Mono<VerifiedToken> finish(String raw, SignedJWT jwt, Map<String, Object> claims, Trusted t, String iss,
                                       List<KeySet.Entry> candidates) {
        verifySignature(jwt, candidates);
        long now = clock.instant().getEpochSecond();
        long skew = t.skewSeconds();
        // Every claim is read (and range-checked) before any arithmetic: each is then within Instant's range, far
        // from overflow, and the sums below saturate, so no token can wrap a comparison around.
        Long exp = time(claims, "exp");
        Long nbf = time(claims, "nbf");
        Long iat = time(claims, "iat");
        if (exp == null) {
            throw reject("exp", "exp", "token has no exp claim");
        }
        if (exp < saturatedSum(now, -skew)) {
            throw reject("exp", "exp", "token expired at " + Instant.ofEpochSecond(exp));
        }
        if (nbf != null && nbf > saturatedSum(now, skew)) {
            throw reject("nbf", "nbf", "token is not valid before " + Instant.ofEpochSecond(nbf));
        }
        if (iat != null) {
            if (iat < 0) {
                throw reject("iat", "iat", "token iat " + iat + " is before 1970-01-01T00:00:00Z");
            }
            if (iat > saturatedSum(now, skew)) {
                throw reject("iat", "iat", "token was issued in the future, at " + Instant.ofEpochSecond(iat));
            }
            if (iat > exp) {
                throw reject("iat", "iat", "token was issued at " + Instant.ofEpochSecond(iat)
                        + ", after it expires (" + Instant.ofEpochSecond(exp) + ")");
            }
        }
        // Both operands lie within Instant's range (|x| < 2^55), so the difference cannot overflow; subtractExact
        // states it and would fail loudly instead of wrapping should that ever change.
        long lifetime = Math.subtractExact(exp, iat != null ? iat : now);
        if (lifetime > t.maxLifetimeSeconds()) {
            throw reject("lifetime", iat != null ? "iat" : "exp", "token lifetime of " + lifetime
                    + " seconds (exp - " + (iat != null ? "iat" : "now") + ") is longer than this broker accepts");
        }
        checkAudience(claims.get("aud"), t.audiences());
        if (!(claims.get("sub") instanceof String sub) || sub.isEmpty()) {
            throw reject("sub", "sub", "token has no sub claim");
        }
        Object jtiClaim = claims.get("jti");
        String jti = jtiClaim instanceof String s ? s : null;
        Instant replayUntil = null;
        if (t.spec().replayProtection()) {
            if (jti == null) {
                throw reject("replay", "jti", "token has no jti claim; tokens of this issuer must be single use");
            }
            if (jti.isEmpty() || jti.length() > VerifiedToken.MAX_JTI_CHARS) {
                throw reject("replay", "jti", "token jti must have 1 to " + VerifiedToken.MAX_JTI_CHARS
                        + " characters, it has " + jti.length());
            }
            replayUntil = Instant.ofEpochSecond(Math.min(saturatedSum(exp, skew), Instant.MAX.getEpochSecond()));
        }
        claims.values().removeIf(Objects::isNull);
        VerifiedToken token = new VerifiedToken(t.spec().name(), iss, sub, jti, Instant.ofEpochSecond(exp), claims,
                PresetMapping.map(t.preset(), claims), sha256(raw), replayUntil);
        return Mono.just(token);
    }

    private static void verifySignature(SignedJWT jwt, List<KeySet.Entry> candidates) {
        byte[] signingInput = jwt.getSigningInput();
        for (KeySet.Entry e : candidates) {
            try {
                if (e.verifier().verify(jwt.getHeader(), signingInput, jwt.getSignature())) {
                    return;
                }
            } catch (JOSEException ignored) {
                // A verifier that cannot process the token (e.g. an unknown crit header) counts as a mismatch.
            }
        }
        throw reject("signature", null, "token signature does not verify");
    }

    private static void checkAudience(Object aud, Set<String> accepted) {
        if (aud instanceof String s) {
            if (accepted.contains(s)) {
                return;
            }
        } else if (aud instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof String s && accepted.contains(s)) {
                    return;
                }
            }
        } else if (aud == null) {
            throw reject("aud", "aud", "token has no aud claim");
        }
        throw reject("aud", "aud", "token audience " + Quote.value(aud) + " is not accepted by this broker");
    }

    /**
     * A NumericDate claim (RFC 7519 §2) as epoch seconds, null when absent. Refused, naming the claim: a value that is
     * not a number, not whole seconds, or outside the range an {@link Instant} can hold (so {@code 1e300} or
     * {@code -2^63} are refusals, never a {@code DateTimeException} or a silently saturated {@code long}). The JSON
     * parser gives a {@link Long} for an integer that fits and a {@link Double} otherwise (NaN and infinities are
     * not JSON).
     */
    private static Long time(Map<String, Object> claims, String name) {
        Object v = claims.get(name);
        if (v == null) {
            return null;
        }
        if (!(v instanceof Number n)) {
            throw reject(name, name, "token " + name + " is not a number: " + Quote.value(v));
        }
        long seconds;
        if (n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte) {
            seconds = n.longValue();
        } else {
            double d = n.doubleValue();
            if (!Double.isFinite(d) || d != Math.rint(d)) {
                throw reject(name, name, "token " + name + " must be whole seconds since 1970, got "
                        + Quote.value(String.valueOf(v)));
            }
            if (d < Instant.MIN.getEpochSecond() || d > Instant.MAX.getEpochSecond()) {
                throw outOfRange(name, v);
            }
            seconds = (long) d;
        }
        if (seconds < Instant.MIN.getEpochSecond() || seconds > Instant.MAX.getEpochSecond()) {
            throw outOfRange(name, v);
        }
        return seconds;
    }

    private static TokenRejectedException outOfRange(String name, Object value) {
        return reject(name, name, "token " + name + " " + Quote.value(String.valueOf(value))
                + " is outside the range of dates this broker can represent");
    }

    /** {@code a + b}, or the nearest long when the sum does not fit. */
    private static long saturatedSum(long a, long b) {
        long sum = a + b;
        // overflow iff both operands have the sign the sum lacks (Hacker's Delight 2-13)
        if (((a ^ sum) & (b ^ sum)) < 0) {
            return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return sum;
    }

    private static TokenRejectedException weakKey(String kid) {
        return reject("key", null, "token key id " + Quote.value(kid)
                + " names an RSA key shorter than " + KeySet.MIN_RSA_BITS + " bits, which is never accepted");
    }

    private static TokenRejectedException unknownKid(String kid, JWSAlgorithm alg, String iss) {
        if (kid == null) {
            return reject("kid", null, "token has no kid and no signing key of issuer " + Quote.value(iss)
                    + " fits its algorithm " + Quote.value(alg.getName()));
        }
        return reject("kid", null, "token key id " + Quote.value(kid) + " is not a " + alg.getName()
                + " signing key of issuer " + Quote.value(iss));
    }

    private static TokenRejectedException reject(String check, String claim, String detail) {
        return new TokenRejectedException(check, claim, detail);
    }

    static String sha256(String raw) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(raw.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
