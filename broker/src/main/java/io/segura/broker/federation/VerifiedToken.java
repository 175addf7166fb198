// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.federation;

import java.time.Instant;
import java.util.Map;

/**
 * A CI identity token that passed every check of DESIGN §14. Never holds the raw token: only its SHA-256.
 *
 * @param issuerName the configured issuer's {@code name} (not the {@code iss} URL)
 * @param claims     the token's claims as JSON-like values (String, Number, Boolean, List, Map)
 * @param tokenSha256 lower-case hex SHA-256 of the raw token, for audit
 * @param replayUntil for an issuer with replay protection, until when the spent jti must be remembered
 *                    ({@code exp} + clock skew); null otherwise
 */
public record VerifiedToken(
        String issuerName,
        String iss,
        String subject,
        String jti,
        Instant expiresAt,
        Map<String, Object> claims,
        RunContext ctx,
        String tokenSha256,
        Instant replayUntil) {

    public VerifiedToken {
        claims = Map.copyOf(claims);
    }

    /** Width of the jti replay store's key: a longer jti is refused by the verifier, naming the claim. */
    public static final int MAX_JTI_CHARS = 512;

    /** Whether the token's issuer is single use: its jti is spent by the session it buys. */
    public boolean singleUse() {
        return replayUntil != null;
    }
}
