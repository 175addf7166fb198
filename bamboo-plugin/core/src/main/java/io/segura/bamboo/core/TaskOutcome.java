// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.core;

/** How a task ended; the adapter maps it onto Bamboo's {@code TaskResultBuilder}. The reason is in the build log. */
public enum TaskOutcome {
    SUCCESS,
    FAILED
}
