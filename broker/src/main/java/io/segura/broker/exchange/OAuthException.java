// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.exchange;

import java.time.Duration;
import java.util.Objects;

/**
 * An RFC 6749 §5.2 error of {@code /oauth2/token}: {@code error} code plus a caller-safe {@code error_description}
 * that names the failed check and claim with the caller's own actual value, never an expected value.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6749#section-5.2">RFC 6749 §5.2</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8693#section-2.2.2">RFC 8693 §2.2.2</a>
 */
public final class OAuthException extends RuntimeException {

    private final String error;
    private final int status;
    private final String reason;
    private final Duration retryAfter;

    /**
     * @param reason short machine reason for metrics and audit (e.g. {@code aud}, {@code role-mismatch})
     */
    public OAuthException(String error, int status, String reason, String description, Duration retryAfter) {
        super(description, null, false, false);
        this.error = Objects.requireNonNull(error, "error cannot be null");
        this.status = status;
        this.reason = reason;
        this.retryAfter = retryAfter;
    }

    public static OAuthException invalidRequest(String description) {
        return new OAuthException("invalid_request", 400, "invalid-request", description, null);
    }

    public static OAuthException invalidGrant(String reason, String description) {
        return new OAuthException("invalid_grant", 400, reason, description, null);
    }

    public static OAuthException invalidScope(String description) {
        return new OAuthException("invalid_scope", 400, "invalid-scope", description, null);
    }

    /** RFC 6749 §5.2: the only error answered with 401 (and a {@code WWW-Authenticate} challenge). */
    public static OAuthException invalidClient(String description) {
        return new OAuthException("invalid_client", 401, "invalid-client", description, null);
    }

    public static OAuthException unsupportedGrantType(String description) {
        return new OAuthException("unsupported_grant_type", 400, "unsupported-grant-type", description, null);
    }

    public static OAuthException rateLimited(String description, Duration retryAfter) {
        return new OAuthException("slow_down", 429, "rate-limited", description, retryAfter);
    }

    public static OAuthException temporarilyUnavailable(String reason, String description, Duration retryAfter) {
        return new OAuthException("temporarily_unavailable", 503, reason, description, retryAfter);
    }

    public String error() {
        return error;
    }

    public int status() {
        return status;
    }

    public String reason() {
        return reason;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
