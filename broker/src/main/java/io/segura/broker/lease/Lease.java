// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.lease;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A lease as stored: who (session, role, issuer or client, subject, run context) holds which secret versions until
 * when, and if and why it ended. Holds no secret value.
 *
 * @param secrets {@code path@version} entries
 */
public record Lease(
        String id,
        String sessionId,
        String role,
        String issuer,
        String clientId,
        String subject,
        Map<String, Object> ctx,
        List<String> secrets,
        boolean renewable,
        Instant issuedAt,
        Instant expiresAt,
        Instant revokedAt,
        String revokeReason) {

    public Lease {
        ctx = ctx == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(ctx));
        secrets = List.copyOf(secrets);
    }

    public boolean activeAt(Instant now) {
        return revokedAt == null && now.isBefore(expiresAt);
    }

    public Lease withExpiry(Instant newExpiry, boolean stillRenewable) {
        return new Lease(id, sessionId, role, issuer, clientId, subject, ctx, secrets, stillRenewable, issuedAt,
                newExpiry, revokedAt, revokeReason);
    }
}
