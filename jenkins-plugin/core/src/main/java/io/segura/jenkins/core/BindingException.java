// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins.core;

import java.util.Objects;

/**
 * Why a {@code withSegura} block could not start, as the build log shows it: what failed, the broker's RFC 9457 or
 * RFC 6749 reason when the broker answered, and the fix. The message is the whole story — adapters print it without
 * a stack trace (Jenkins: {@code AbortException}) — and never holds a token or secret value: only parameter names,
 * credential ids, role names, secret paths and the broker's own reason, which the broker keeps free of secrets.
 */
public final class BindingException extends Exception {

    private static final long serialVersionUID = 1L;

    /** What kind of fix the message asks for. */
    public enum Reason {
        /** A step parameter or the global configuration is missing or malformed. */
        CONFIGURATION,
        /** The credentials id names nothing usable (absent, wrong kind, unreadable key store). */
        CREDENTIALS,
        /** The broker refused the identity or the role (RFC 6749 §5.2 error). */
        AUTHENTICATION,
        /** The role may not lease what was asked for, or it does not exist (403, 404, 422). */
        DENIED,
        /** The deployment gate blocked the lease (403 {@code deployment-blocked} with violations). */
        BLOCKED,
        /** The broker could not be reached or answered 429/5xx after the retries. */
        UNAVAILABLE
    }

    private final Reason reason;

    public BindingException(Reason reason, String message) {
        super(Objects.requireNonNull(message, "message cannot be null"));
        this.reason = Objects.requireNonNull(reason, "reason cannot be null");
    }

    public Reason reason() {
        return reason;
    }
}
