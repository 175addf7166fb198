// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.core;

/**
 * A task cannot go on: the message says what failed and what to change, and is written to the build log as one
 * error entry, without a stack trace. Never carries a value, a token or a client secret.
 */
public final class TaskFailure extends Exception {

    public TaskFailure(String message) {
        super(message, null, false, false);
    }
}
