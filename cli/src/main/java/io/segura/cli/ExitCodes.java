// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

/** DESIGN §10 exit codes; {@code exec} returns its child's code instead of {@link #OK}. */
final class ExitCodes {

    static final int OK = 0;
    /** A check ran and failed (e.g. {@code audit --verify} found a broken chain). */
    static final int FAILED = 1;
    static final int USAGE = 2;
    static final int BLOCKED_BY_POLICY = 3;
    static final int AUTH = 4;
    static final int UNAVAILABLE = 5;

    private ExitCodes() {
    }
}
