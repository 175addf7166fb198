// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.federation;

import java.time.Instant;
import io.segura.broker.database.Table;
import java.util.Map;
import java.util.Optional;

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

    /** The jti row the session issued for this token must commit with: empty unless the issuer is single use. */
    public Optional<Table.Row> firstUse() {
        return replayUntil == null ? Optional.empty() : Optional.of(ReplayStore.firstUse(issuerName, jti, replayUntil));
    }
}
