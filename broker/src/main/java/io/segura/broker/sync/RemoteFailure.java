// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.sync;

import java.time.Duration;

/**
 * A sync target call that failed: refused by the remote (4xx with its message), throttled (429, with the
 * {@code Retry-After} it sent), unavailable (5xx, connection refused, timeout), or refused locally before any call
 * (a value GitLab could not mask). Messages name the target, variable and rule — never a value or a token.
 */
final class RemoteFailure extends Exception {

    enum Kind { REFUSED, THROTTLED, UNAVAILABLE, NOT_MASKABLE }

    private final Kind kind;
    private final int status;
    private final Duration retryAfter;

    RemoteFailure(Kind kind, int status, String message, Duration retryAfter) {
        super(message, null, false, false);
        this.kind = kind;
        this.status = status;
        this.retryAfter = retryAfter;
    }

    Kind kind() {
        return kind;
    }

    /** The HTTP status, or 0 when there was no response. */
    int status() {
        return status;
    }

    /** The wait the remote asked for (429 or 503 {@code Retry-After}), or null. */
    Duration retryAfter() {
        return retryAfter;
    }

    /** Retrying cannot help until the value or the mapping changes. */
    boolean permanent() {
        return kind == Kind.NOT_MASKABLE;
    }

    /** Classifies an HTTP status with the remote's (already value-free) message. */
    static RemoteFailure fromStatus(int status, String message, Duration retryAfter) {
        Kind kind = status == 429 ? Kind.THROTTLED : status >= 500 || status == 408 || status == 0 ? Kind.UNAVAILABLE
                : Kind.REFUSED;
        return new RemoteFailure(kind, status, message, retryAfter);
    }

    /** Parses {@code Retry-After} in seconds (RFC 9110 §10.2.3; an HTTP date is rare and taken as absent). */
    static Duration retryAfter(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        try {
            long seconds = Long.parseLong(header.trim());
            return seconds < 0 ? null : Duration.ofSeconds(Math.min(seconds, 3600));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
