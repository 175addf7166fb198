// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

import java.util.List;

/** The decrypted values of a lease request and the gate facts of each, in request order (one SQL statement). */
public record LeaseRead(List<SecretValue> values, List<SecretFacts> facts) {

    public LeaseRead {
        values = List.copyOf(values);
        facts = List.copyOf(facts);
    }
}
