// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.session;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * A CI job's authenticated session: who (issuer or OAuth client, subject, claims, run context) was admitted into
 * which trust role, until when. Leases hang off it; revoking it revokes them.
 *
 * @param issuer   configured issuer name for OIDC sessions, else {@code null}
 * @param clientId OAuth client id for client-credentials sessions, else {@code null}
 */
public record Session(
        String id,
        String role,
        String issuer,
        String clientId,
        String subject,
        Map<String, Object> ctx,
        Map<String, Object> claims,
        Instant createdAt,
        Instant expiresAt,
        Instant revokedAt) {

    public Session {
        ctx = ctx == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(ctx));
        claims = claims == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(claims));
    }

    public boolean activeAt(Instant now) {
        return revokedAt == null && now.isBefore(expiresAt);
    }

    public Duration remaining(Instant now) {
        Duration d = Duration.between(now, expiresAt);
        return d.isNegative() ? Duration.ZERO : d;
    }
}
