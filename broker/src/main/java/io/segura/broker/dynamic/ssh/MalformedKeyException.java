// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic.ssh;

/**
 * A key (a caller's public key or a stored CA key) that cannot be read. The message names what is wrong with its
 * structure — never its bytes — so it may reach the caller (public keys) or the log (the CA key's path).
 */
public final class MalformedKeyException extends RuntimeException {

    MalformedKeyException(String message) {
        super(message, null, false, false);
    }
}
