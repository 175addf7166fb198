// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.lease;

import io.segura.broker.vault.SecretValue;
import io.segura.broker.policy.Violation;
import java.util.List;

/**
 * A granted lease with the secret values it releases, answered once and never stored in this form.
 *
 * @param warnings       caller-readable lines: capped TTLs and each warn-mode policy violation
 * @param policyWarnings the warn-mode violations themselves, for clients that print them as a table
 */
public record IssuedLease(Lease lease, List<SecretValue> values, List<String> warnings,
        List<Violation> policyWarnings) {

    public IssuedLease {
        values = List.copyOf(values);
        warnings = List.copyOf(warnings);
        policyWarnings = List.copyOf(policyWarnings);
    }

    @Override
    public String toString() {
        return "IssuedLease[" + lease.id() + ", " + lease.secrets() + "]";
    }
}
