// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.sync;

/** A variable to write: the mapping's key, scope, flags and the secret's value. {@link #toString()} hides the value. */
record DesiredVariable(String key, String environmentScope, String value, VariableFlags flags, String description) {

    @Override
    public String toString() {
        return key + " (" + environmentScope + ", " + flags + ")";
    }
}
