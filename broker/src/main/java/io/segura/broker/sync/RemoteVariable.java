// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.sync;

/**
 * A variable as the platform shows it when read back. {@code value} is null where the platform never returns it
 * (GitLab hidden variables, Azure DevOps secrets); the flags that the platform has no notion of are false.
 */
record RemoteVariable(String key, String environmentScope, String value, VariableFlags flags) {

    @Override
    public String toString() {
        return key + " (" + environmentScope + ", " + flags + ")"; // never the value
    }
}
