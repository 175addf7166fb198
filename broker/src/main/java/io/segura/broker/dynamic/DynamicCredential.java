// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic;

import java.time.Instant;

/**
 * A credential an engine created, as stored beside its lease (same id): enough to revoke it, and the revocation's
 * progress. Holds no secret.
 *
 * @param engine    the engine kind ({@code postgresql}, {@code mysql}, …)
 * @param principal the user name (or certificate key id)
 * @param attempts  failed revocation attempts so far
 * @param lastError the last failure, as the engine described it (no secrets), or {@code null}
 */
public record DynamicCredential(
        String leaseId,
        String name,
        String engine,
        String role,
        String principal,
        RevocationHandle handle,
        Instant issuedAt,
        Instant expiresAt,
        Instant revokedAt,
        int attempts,
        Instant nextAttemptAt,
        String lastError) {
}
