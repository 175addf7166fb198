// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

/**
 * The master keys given to the broker are unusable: a variable is malformed, or the vault holds versions sealed under
 * a key the broker was not given. The message names the variable or the key ids and the fix, never a key or a
 * fragment of one. The broker refuses to start with it ({@code MasterKeyFailureAnalyzer} prints it plainly).
 */
public final class MasterKeyException extends IllegalArgumentException {

    public MasterKeyException(String message) {
        super(message);
    }
}
