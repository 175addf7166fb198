// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.lease;

import io.segura.broker.vault.SecretRef;
import java.time.Duration;
import java.util.List;

/**
 * {@code POST /api/v2/a2a/leases}: the secrets wanted ({@code path} or {@code path@version}) and an optional TTL,
 * which the broker caps by the role's {@code max-lease-ttl} and the session's remaining lifetime.
 */
public record LeaseRequest(List<SecretRef> secrets, Duration ttl) {

    public static final int MAX_SECRETS = 100;

    public LeaseRequest {
        secrets = List.copyOf(secrets);
    }
}
