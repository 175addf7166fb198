// SPDX-License-Identifier: Apache-2.0
package io.segura.client;

/** The client configuration is missing or wrong; the message names the variable and says what it expects. */
public final class ConfigException extends Exception {

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
