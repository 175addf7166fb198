// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

/**
 * A master-key rotation cannot start or run on this broker: the key the operator expects is not this broker's
 * current key, another rotation targets a different key, or some versions are under a key this broker does not hold.
 * Nothing was changed. The message names key ids and the fix, never key material.
 */
public final class RekeyConflictException extends RuntimeException {

    public RekeyConflictException(String message) {
        super(message, null, false, false);
    }
}
