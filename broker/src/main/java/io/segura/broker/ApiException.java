// SPDX-License-Identifier: Apache-2.0
package io.segura.broker;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * A refusal of the lease and admin APIs, rendered once at the edge as RFC 9457 {@code application/problem+json}
 * with {@code type = https://segura.dev/problems/<slug>}. The detail is caller-safe: paths, versions, lease ids and
 * the caller's own values, never a secret value, a token or server-side policy.
 */
public final class ApiException extends RuntimeException {

    /** The HTTP status classes DESIGN §5 names. */
    public enum Kind {
        BAD_REQUEST(400, "Bad request"),
        UNAUTHENTICATED(401, "Authentication required"),
        FORBIDDEN(403, "Not allowed"),
        NOT_FOUND(404, "Not found"),
        CONFLICT(409, "Conflict"),
        TOO_LARGE(413, "Too large"),
        INVALID(422, "Invalid input"),
        RATE_LIMITED(429, "Too many requests"),
        INTERNAL(500, "Internal error"),
        UNAVAILABLE(503, "Dependency unavailable");

        private final int status;
        private final String title;

        Kind(int status, String title) {
            this.status = status;
            this.title = title;
        }

        public int status() {
            return status;
        }

        public String title() {
            return title;
        }
    }

    private final Kind kind;
    private final String slug;
    private final Map<String, Object> members;
    private final Duration retryAfter;

    public ApiException(Kind kind, String slug, String detail) {
        this(kind, slug, detail, Map.of(), null);
    }

    /**
     * @param members    extra problem members (e.g. {@code violations}); values must be JSON-serialisable
     * @param retryAfter for 429/503, else {@code null}
     */
    public ApiException(Kind kind, String slug, String detail, Map<String, Object> members, Duration retryAfter) {
        super(detail, null, false, false);
        this.kind = Objects.requireNonNull(kind, "kind cannot be null");
        this.slug = Objects.requireNonNull(slug, "slug cannot be null");
        this.members = Map.copyOf(members);
        this.retryAfter = retryAfter;
    }

    public static ApiException invalid(String slug, String detail) {
        return new ApiException(Kind.INVALID, slug, detail);
    }

    public static ApiException forbidden(String slug, String detail) {
        return new ApiException(Kind.FORBIDDEN, slug, detail);
    }

    public static ApiException notFound(String slug, String detail) {
        return new ApiException(Kind.NOT_FOUND, slug, detail);
    }

    public static ApiException unauthenticated(String detail) {
        return new ApiException(Kind.UNAUTHENTICATED, "unauthenticated", detail);
    }

    public Kind kind() {
        return kind;
    }

    public String slug() {
        return slug;
    }

    public Map<String, Object> members() {
        return members;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
