// SPDX-License-Identifier: Apache-2.0
package io.segura.client;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A lease from {@code POST /api/v2/a2a/leases} (or a renewal, then without secrets). The secrets' values are
 * redacted in {@code toString()} by {@link LeasedSecret}.
 */
public record Lease(String leaseId, Instant issuedAt, Instant expiresAt, boolean renewable,
        List<LeasedSecret> secrets, List<String> warnings) {

    public Lease {
        Objects.requireNonNull(leaseId, "leaseId cannot be null");
        Objects.requireNonNull(expiresAt, "expiresAt cannot be null");
        secrets = List.copyOf(secrets);
        warnings = List.copyOf(warnings);
    }
}
