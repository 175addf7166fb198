// SPDX-License-Identifier: Apache-2.0
package io.segura.client;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The broker refused, or could not be reached. Carries the broker's RFC 9457 problem ({@code type}, {@code title},
 * {@code status}, {@code detail}, {@code violations}) or the RFC 6749 §5.2 {@code error}/{@code error_description}.
 * The broker never puts a token or secret value in those, and this class adds none.
 */
public final class BrokerException extends Exception {

    /** What the failure means for the caller; the CLI maps each to an exit code (DESIGN §10). */
    public enum Kind {
        /** 400/404/409/413/422: the request itself is wrong (a bad path, an unknown secret). */
        INVALID_REQUEST,
        /** 401, and OAuth errors: bad or unacceptable credentials. */
        UNAUTHENTICATED,
        /** 403 that is not a policy decision: the role may not do this. */
        FORBIDDEN,
        /** 403 from the deployment gate: {@link #violations()} says why. */
        BLOCKED_BY_POLICY,
        /** Connect errors, 429, 503 (after retries) and other 5xx. */
        UNAVAILABLE
    }

    private final Kind kind;
    private final int status;
    private final String type;
    private final String title;
    private final String detail;
    private final String error;
    private final List<Map<String, Object>> violations;

    public BrokerException(Kind kind, int status, String type, String title, String detail, String error,
            List<Map<String, Object>> violations, Throwable cause) {
        super(message(status, type, title, detail, error), cause);
        this.kind = Objects.requireNonNull(kind, "kind cannot be null");
        this.status = status;
        this.type = type;
        this.title = title;
        this.detail = detail;
        this.error = error;
        this.violations = violations == null ? List.of() : List.copyOf(violations);
    }

    static BrokerException unavailable(String what, Throwable cause) {
        return new BrokerException(Kind.UNAVAILABLE, 0, null, "broker unavailable", what, null, List.of(), cause);
    }

    private static String message(int status, String type, String title, String detail, String error) {
        StringBuilder sb = new StringBuilder();
        if (error != null) {
            sb.append(error);
            if (detail != null) {
                sb.append(": ").append(detail);
            }
        } else {
            sb.append(title == null ? "broker error" : title);
            if (detail != null) {
                sb.append(": ").append(detail);
            }
        }
        if (status > 0) {
            sb.append(" (HTTP ").append(status);
            if (type != null) {
                sb.append(", ").append(type);
            }
            sb.append(')');
        }
        return sb.toString();
    }

    public Kind kind() {
        return kind;
    }

    /** HTTP status, or 0 when no answer came. */
    public int status() {
        return status;
    }

    /** Problem {@code type} URI ({@code https://segura.dev/problems/<slug>}), or null. */
    public String type() {
        return type;
    }

    public String title() {
        return title;
    }

    /** Problem {@code detail} or OAuth {@code error_description}. */
    public String detail() {
        return detail;
    }

    /** OAuth {@code error} code ({@code invalid_grant} …), or null for problem answers. */
    public String error() {
        return error;
    }

    /** Policy violations ({@code {policy, rule, message, …}}), empty unless the gate decided. */
    public List<Map<String, Object>> violations() {
        return violations;
    }
}
