// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

/** A platform prerequisite is missing or the platform refused; the message says what to add or check. */
public final class PlatformException extends Exception {

    public PlatformException(String message) {
        super(message);
    }

    public PlatformException(String message, Throwable cause) {
        super(message, cause);
    }
}
