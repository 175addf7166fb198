// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.policy;

/**
 * The result of one CEL expression: true, false, or failed with a reason (a missing key, a wrong type, a result that
 * is not a bool, the iteration cap). A failure is never read as true or false by the caller: conditions deny, deny-if
 * rules count as a violation.
 */
public record CelOutcome(boolean value, String error) {

    static CelOutcome of(boolean value) {
        return new CelOutcome(value, null);
    }

    static CelOutcome failed(String error) {
        return new CelOutcome(false, error);
    }

    public boolean failed() {
        return error != null;
    }
}
