// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.console.web;

import io.segura.broker.Refusal;
import io.segura.broker.console.ConsoleSessions;
import io.segura.broker.console.ConsoleSignOuts;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpCookie;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * The console's edge: security headers on every {@code /console} response (a strict Content-Security-Policy with no
 * inline script or style), and cookie sign-in for the operator API. A request that carries the console's session
 * cookie and <em>no</em> Authorization header, to one of the operator API's paths, is authenticated by the cookie;
 * a state-changing one must also carry the session's CSRF token in {@value #CSRF_HEADER}. Everywhere else the cookie
 * means nothing: the CI-facing API (leases, token exchange) never accepts it, and a bearer token always wins.
 */
@Order(-50)
final class ConsoleFilter implements WebFilter {

    static final String CSRF_HEADER = "X-Segura-CSRF";

    /** No inline script or style, nothing from elsewhere, no framing, no plugins. */
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; "
            + "frame-ancestors 'none'";

    /** The operator API the cookie may stand in for the admin token on (paths, by prefix). */
    static final List<String> COOKIE_PATHS = List.of("/api/v2/admin/", "/api/v2/a2a/events", "/api/v2/a2a/webhooks",
            "/api/v2/policy/evaluate");

    private static final Set<HttpMethod> SAFE = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

    private final ConsoleSessions sessions;
    private final ConsoleSignOuts signOuts;

    ConsoleFilter(ConsoleSessions sessions, ConsoleSignOuts signOuts) {
        this.sessions = Objects.requireNonNull(sessions, "sessions cannot be null");
        this.signOuts = Objects.requireNonNull(signOuts, "signOuts cannot be null");
    }

    /**
     * The cookie's verdict on this replica ({@link ConsoleSessions#verify}: MAC, expiry, signed out here), then
     * whether any replica signed it out ({@link ConsoleSignOuts}, within its cache bound).
     */
    static Mono<ConsoleSessions.Verdict> verify(ConsoleSessions sessions, ConsoleSignOuts signOuts, String cookie) {
        ConsoleSessions.Verdict local = sessions.verify(cookie);
        if (local.session() == null) {
            return Mono.just(local);
        }
        return signOuts.isSignedOut(local.session().idSha256(), local.session().expiresAt())
                .map(out -> out ? new ConsoleSessions.Verdict(null, ConsoleSessions.Rejection.SIGNED_OUT) : local);
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        ServerHttpRequest request = exchange.getRequest();
        String path = request.getPath().pathWithinApplication().value();
        if (path.equals("/console") || path.startsWith("/console/")) {
            HttpHeaders headers = exchange.getResponse().getHeaders();
            headers.set("Content-Security-Policy", CSP);
            headers.set("X-Content-Type-Options", "nosniff");
            headers.set("X-Frame-Options", "DENY");
            headers.set("Referrer-Policy", "no-referrer");
            headers.set("Cross-Origin-Opener-Policy", "same-origin");
            headers.set("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
            return chain.filter(exchange);
        }
        HttpCookie cookie = request.getCookies().getFirst(ConsoleSessions.COOKIE);
        if (cookie == null || request.getHeaders().containsHeader(HttpHeaders.AUTHORIZATION)
                || COOKIE_PATHS.stream().noneMatch(path::startsWith)) {
            return chain.filter(exchange);
        }
        return verify(sessions, signOuts, cookie.getValue()).flatMap(verdict -> {
            if (verdict.session() == null) {
                return Mono.error(refusal(verdict.rejection()));
            }
            if (!SAFE.contains(request.getMethod())
                    && !ConsoleSessions.csrfMatches(verdict.session(), request.getHeaders().getFirst(CSRF_HEADER))) {
                return Mono.error(Refusal.forbidden("csrf-token-invalid", "a state-changing console request needs "
                        + "the session's CSRF token in " + CSRF_HEADER));
            }
            exchange.getAttributes().put(ConsoleSessions.AUTHENTICATED_ATTRIBUTE, Boolean.TRUE);
            return chain.filter(exchange);
        });
    }

    static Refusal refusal(ConsoleSessions.Rejection rejection) {
        return switch (rejection) {
            case EXPIRED -> Refusal.unauthenticated("console-session-expired",
                    "your console session has expired: sign in again");
            case SIGNED_OUT -> Refusal.unauthenticated("console-signed-out", "this console session was signed out");
            case INVALID -> Refusal.unauthenticated("console-session-invalid",
                    "the console session is not valid (the admin token may have changed): sign in again");
        };
    }
}
