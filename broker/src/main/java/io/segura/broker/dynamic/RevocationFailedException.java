// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic;

/**
 * An engine could not revoke a credential now; the revoker keeps it and retries with backoff. The message is shown
 * to admins and stored, so engines build it without secrets.
 */
public final class RevocationFailedException extends RuntimeException {

    public RevocationFailedException(String message) {
        super(message, null, false, false);
    }
}
