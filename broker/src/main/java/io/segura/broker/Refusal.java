// SPDX-License-Identifier: Apache-2.0
package io.segura.broker;

import io.segura.broker.federation.Quote;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Every "no" the broker's core says, typed by what went wrong — never by HTTP status. The web edge maps each variant
 * once: to RFC 6749 §5.2 JSON on {@code /oauth2/*}, to RFC 9457 {@code application/problem+json} everywhere else
 * ({@code io.segura.broker.web.ProblemHandler}); {@link Edge} makes that mapping exhaustive at compile time.
 *
 * <p>The detail is caller-safe: it names the check, the parameter or claim and the caller's own value (quoted and
 * bounded by {@link Quote}), never a secret value, a token or server-side policy such as an expected claim value.
 */
public abstract sealed class Refusal extends RuntimeException {

    private final String reason;
    private final String claim;
    private final Map<String, Object> members;
    private final Duration retryAfter;

    private Refusal(String reason, String claim, String detail, Map<String, Object> members, Duration retryAfter) {
        super(Objects.requireNonNull(detail, "detail cannot be null"), null, false, false);
        this.reason = Objects.requireNonNull(reason, "reason cannot be null");
        this.claim = claim;
        this.members = Map.copyOf(members);
        this.retryAfter = retryAfter;
    }

    /** Short machine reason: the problem type slug, the metrics label and the audit reason prefix. */
    public String reason() {
        return reason;
    }

    /** The parameter or claim the refusal is about, or {@code null}. */
    public String claim() {
        return claim;
    }

    /** Extra members for the problem document (e.g. {@code violations}); JSON-serialisable values. */
    public Map<String, Object> members() {
        return members;
    }

    /** For {@link Throttled} and {@link Unavailable}: when to try again; else {@code null}. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /**
     * Whether this says no to the caller's request (and is audited as a refusal); a broker that could not answer
     * ({@link Unavailable}, {@link Internal}) or asks the caller to slow down ({@link Throttled}) has refused nothing.
     */
    public boolean isDenial() {
        return !(this instanceof Unavailable || this instanceof Internal || this instanceof Throttled);
    }

    public abstract <T> T accept(Edge<T> edge);

    /** One rendering of every refusal; adding a variant breaks every edge until it says how to render it. */
    public interface Edge<T> {
        T malformed(Malformed r);

        T invalid(Invalid r);

        T unauthenticated(Unauthenticated r);

        T tokenRefused(TokenRefused r);

        T scopeRefused(ScopeRefused r);

        T unsupportedGrant(UnsupportedGrant r);

        T forbidden(Forbidden r);

        T notFound(NotFound r);

        T conflict(Conflict r);

        T tooLarge(TooLarge r);

        T throttled(Throttled r);

        T unavailable(Unavailable r);

        T internal(Internal r);
    }

    // ---- factories: the one way core code says no ---------------------------------------------------------------

    /** The request cannot be read at all (wrong method or media type, broken syntax). */
    public static Refusal malformed(String reason, String detail) {
        return new Malformed(reason, null, detail);
    }

    /** A parameter or field is missing or has a value the broker does not accept; {@code param} names it. */
    public static Refusal invalid(String reason, String detail) {
        return new Invalid(reason, null, detail);
    }

    public static Refusal invalidParameter(String param, String detail) {
        return new Invalid("invalid-request", param, detail);
    }

    /** No credentials, or credentials the broker does not know (admin token, session token, OAuth client). */
    public static Refusal unauthenticated(String detail) {
        return new Unauthenticated("unauthenticated", detail);
    }

    public static Refusal unauthenticated(String reason, String detail) {
        return new Unauthenticated(reason, detail);
    }

    /** An identity token failed a check, or no trust role admits it; {@code claim} names the claim. */
    public static Refusal tokenRefused(String check, String claim, String detail) {
        return new TokenRefused(check, claim, detail);
    }

    /** The requested role does not exist, does not accept the caller, or is ambiguous. */
    public static Refusal scopeRefused(String reason, String detail) {
        return new ScopeRefused(reason, detail);
    }

    public static Refusal unsupportedGrant(String detail) {
        return new UnsupportedGrant(detail);
    }

    public static Refusal forbidden(String reason, String detail) {
        return new Forbidden(reason, detail, Map.of());
    }

    public static Refusal forbidden(String reason, String detail, Map<String, Object> members) {
        return new Forbidden(reason, detail, members);
    }

    public static Refusal notFound(String reason, String detail) {
        return new NotFound(reason, detail);
    }

    public static Refusal conflict(String reason, String detail) {
        return new Conflict(reason, detail);
    }

    public static Refusal tooLarge(String reason, String detail) {
        return new TooLarge(reason, detail);
    }

    public static Refusal throttled(String reason, String detail, Duration retryAfter) {
        return new Throttled(reason, detail, Objects.requireNonNull(retryAfter, "retryAfter cannot be null"));
    }

    /** A dependency (database, issuer JWKS) did not answer, or a race the caller may simply retry. */
    public static Refusal unavailable(String reason, String detail, Duration retryAfter) {
        return new Unavailable(reason, detail, Objects.requireNonNull(retryAfter, "retryAfter cannot be null"));
    }

    /** Something only an operator can fix; the detail says so without internals. */
    public static Refusal internal(String reason, String detail) {
        return new Internal(reason, detail);
    }

    // ---- the variants ------------------------------------------------------------------------------------------

    public static final class Malformed extends Refusal {
        private Malformed(String reason, String claim, String detail) {
            super(reason, claim, detail, Map.of(), null);
        }

        @Override
        public <T> T accept(Edge<T> edge) {
            return edge.malformed(this);
        }
    }

    public static final class Invalid extends Refusal {
        private Invalid(String reason, String claim, String detail) {
            super(reason, claim, detail, Map.of(), null);
        }

        @Override
        public <T> T accept(Edge<T> edge) {
            return edge.invalid(this);
        }
    }

    public static final class Unauthenticated extends Refusal {
        private Unauthenticated(String reason, String detail) {
            super(reason, null, detail, Map.of(), null);
        }

        @Override
        public <T> T accept(Edge<T> edge) {
            return edge.unauthenticated(this);
        }
    }

    public static final class TokenRefused extends Refusal {
        private TokenRefused(String check, String claim, String detail) {
            super(check, claim, detail, Map.of(), null);
        }

        @Override
        public <T> T accept(Edge<T> edge) {
            return edge.tokenRefused(this);
        }
    }

    public static final class ScopeRefused extends Refusal {
        private ScopeRefused(String reason, String detail) {
            super(reason, "scope", detail, Map.of(), null);
        }

        @Override
        public <T> T accept(Edge<T> edge) {
            return edge.scopeRefused(this);
        }
    }

    public static final class UnsupportedGrant extends Refusal {
        private UnsupportedGrant(String detail) {
            super("unsupported-grant-type", "grant_type", detail, Map.of(), null);
        }

        @Override
        public <T> T accept(Edge<T> edge) {
            return edge.unsupportedGrant(this);
        }
    }

    public static final class Forbidden extends Refusal {
        private Forbidden(String reason, String detail, Map<String, Object> members) {
            super(reason, null, detail, members, null);
        }

        @Override
        public <T> T accept(Edge<T> edge) {
            return edge.forbidden(this);
        }
    }

    public static final class NotFound extends Refusal {
        private NotFound(String reason, String detail) {
            super(reason, null, detail, Map.of(), null);
        }

        @Override
        public <T> T accept(Edge<T> edge) {
            return edge.notFound(this);
        }
    }

    public static final class Conflict extends Refusal {
        private Conflict(String reason, String detail) {
            super(reason, null, detail, Map.of(), null);
        }

        @Override
        public <T> T accept(Edge<T> edge) {
            return edge.conflict(this);
        }
    }

    public static final class TooLarge extends Refusal {
        private TooLarge(String reason, String detail) {
            super(reason, null, detail, Map.of(), null);
        }

        @Override
        public <T> T accept(Edge<T> edge) {
            return edge.tooLarge(this);
        }
    }

    public static final class Throttled extends Refusal {
        private Throttled(String reason, String detail, Duration retryAfter) {
            super(reason, null, detail, Map.of(), retryAfter);
        }

        @Override
        public <T> T accept(Edge<T> edge) {
            return edge.throttled(this);
        }
    }

    public static final class Unavailable extends Refusal {
        private Unavailable(String reason, String detail, Duration retryAfter) {
            super(reason, null, detail, Map.of(), retryAfter);
        }

        @Override
        public <T> T accept(Edge<T> edge) {
            return edge.unavailable(this);
        }
    }

    public static final class Internal extends Refusal {
        private Internal(String reason, String detail) {
            super(reason, null, detail, Map.of(), null);
        }

        @Override
        public <T> T accept(Edge<T> edge) {
            return edge.internal(this);
        }
    }
}
