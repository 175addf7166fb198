// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.lease;

import io.segura.broker.vault.SecretValue;
import java.util.List;

/** A granted lease with the secret values it releases, answered once and never stored in this form. */
public record IssuedLease(Lease lease, List<SecretValue> values, List<String> warnings) {

    public IssuedLease {
        values = List.copyOf(values);
        warnings = List.copyOf(warnings);
    }

    @Override
    public String toString() {
        return "IssuedLease[" + lease.id() + ", " + lease.secrets() + "]";
    }
}
