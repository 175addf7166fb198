// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.circleci.pack;

/** The orb source cannot be packed; the message names the file or value and the fix. */
public final class OrbPackException extends Exception {

    private static final long serialVersionUID = 1L;

    public OrbPackException(String message) {
        super(message);
    }

    public OrbPackException(String message, Throwable cause) {
        super(message, cause);
    }
}
