// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.console.web;

import io.segura.broker.Refusal;
import io.segura.broker.config.TrustConfig;
import io.segura.broker.console.ConfigView;
import io.segura.broker.audit.AuditEvent;
import io.segura.broker.audit.AuditEventType;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.console.ConsoleSessions;
import io.segura.broker.console.ConsoleSignOuts;
import io.segura.broker.console.ConsoleStats;
import io.segura.broker.exchange.RateLimiter;
import io.segura.broker.web.Requests;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpCookie;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseCookie;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The console's own endpoints: sign-in ({@code POST /console/api/session}, the admin token for a session cookie),
 * the session's CSRF token ({@code GET}), sign-out ({@code DELETE}); and the two admin views the console needs that
 * the operator API lacked, the overview counts and the loaded trust config.
 */
final class ConsoleHandler {

    private static final int MAX_SIGN_IN_BODY = 4096;

    /** The subject of the console's audit events: whoever holds the admin token. */
    static final String ADMIN = "admin";

    private final ConsoleSessions sessions;
    private final ConsoleSignOuts signOuts;
    private final AuditLog audit;
    private final ConsoleStats stats;
    private final TrustConfig config;
    private final Supplier<List<String>> lintWarnings;
    private final RateLimiter signIns;
    private final JsonMapper json;

    ConsoleHandler(ConsoleSessions sessions, ConsoleSignOuts signOuts, AuditLog audit, ConsoleStats stats,
            TrustConfig config, Supplier<List<String>> lintWarnings, RateLimiter signIns, JsonMapper json) {
        this.sessions = Objects.requireNonNull(sessions, "sessions cannot be null");
        this.signOuts = Objects.requireNonNull(signOuts, "signOuts cannot be null");
        this.audit = Objects.requireNonNull(audit, "audit cannot be null");
        this.stats = Objects.requireNonNull(stats, "stats cannot be null");
        this.config = Objects.requireNonNull(config, "config cannot be null");
        this.lintWarnings = Objects.requireNonNull(lintWarnings, "lintWarnings cannot be null");
        this.signIns = Objects.requireNonNull(signIns, "signIns cannot be null");
        this.json = Objects.requireNonNull(json, "json cannot be null");
    }

    /**
     * {@code POST /console/api/session} with {@code {"token": "<admin token>"}}. Audited {@code console.signed_in}
     * (client address, the session's {@link ConsoleSessions.Session#idSha256() hash} and expiry) or
     * {@code console.sign_in_failed} (client address and the refusal's code); never the token or the cookie.
     * Throttled attempts are not audited: the throttle is there so a flood does not reach the log either.
     */
    Mono<ServerResponse> signIn(ServerRequest request) {
        if (!sessions.enabled()) {
            return Mono.error(Refusal.forbidden("admin-disabled",
                    "the console is disabled: SEGURA_ADMIN_TOKEN is not set"));
        }
        // the address a trusted proxy names (SEGURA_TRUSTED_PROXIES), else the peer: one bucket per operator
        String ip = Requests.clientIp(request);
        Duration wait = signIns.acquire(ip).orElse(null);
        if (wait != null) {
            return Mono.error(Refusal.throttled("sign-in-throttled", "too many sign-in attempts; wait", wait));
        }
        return request.bodyToMono(String.class).defaultIfEmpty("")
                .map(text -> {
                    if (text.length() > MAX_SIGN_IN_BODY) {
                        throw Refusal.tooLarge("body-too-large", "the sign-in body is too large");
                    }
                    JsonNode body;
                    try {
                        body = json.readTree(text);
                    } catch (RuntimeException e) {
                        throw Refusal.malformed("invalid-json", "the body must be {\"token\": \"…\"}");
                    }
                    JsonNode token = body == null ? null : body.get("token");
                    if (token == null || !token.isString()) {
                        throw Refusal.invalid("invalid-sign-in", "the body must be {\"token\": \"…\"}");
                    }
                    return sessions.signIn(token.asString().trim()).orElseThrow(() -> Refusal.unauthenticated(
                            "admin-token-invalid", "that is not the admin token"));
                })
                .onErrorResume(Refusal.class, refusal -> audit.appendRefusal(AuditEvent.builder(
                        AuditEventType.CONSOLE_SIGN_IN_FAILED).subject(ADMIN).clientIp(ip)
                        .reason(refusal.reason()), Requests.requestId(request)).then(Mono.error(refusal)))
                .flatMap(session -> audit.append(AuditEvent.builder(AuditEventType.CONSOLE_SIGNED_IN).subject(ADMIN)
                        .clientIp(ip).details(Map.of("session_sha256", session.idSha256(),
                                "expires_at", session.expiresAt().toString()))).thenReturn(session))
                .flatMap(session -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                        .cacheControl(CacheControl.noStore())
                        .cookie(cookie(request, session.cookie(), sessions.ttl()))
                        .bodyValue(view(session)));
    }

    /** {@code GET /console/api/session}: the signed-in session's CSRF token and expiry (after a page reload). */
    Mono<ServerResponse> current(ServerRequest request) {
        HttpCookie cookie = request.cookies().getFirst(ConsoleSessions.COOKIE);
        if (cookie == null) {
            return Mono.error(Refusal.unauthenticated("console-signed-out", "not signed in"));
        }
        return ConsoleFilter.verify(sessions, signOuts, cookie.getValue()).flatMap(verdict -> verdict.session() == null
                ? Mono.error(ConsoleFilter.refusal(verdict.rejection()))
                : ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).cacheControl(CacheControl.noStore())
                        .bodyValue(view(verdict.session())));
    }

    /**
     * {@code DELETE /console/api/session}: signs out. A valid session needs its CSRF token (else anyone could sign
     * an operator out); the cookie is cleared in every case. The sign-out is recorded in the database for every
     * replica ({@link ConsoleSignOuts}) and audited {@code console.signed_out} with the session's hash.
     */
    Mono<ServerResponse> signOut(ServerRequest request) {
        Mono<ServerResponse> cleared = ServerResponse.status(HttpStatus.NO_CONTENT)
                .cacheControl(CacheControl.noStore()).cookie(cookie(request, "", Duration.ZERO)).build();
        HttpCookie cookie = request.cookies().getFirst(ConsoleSessions.COOKIE);
        if (cookie == null) {
            return cleared;
        }
        return ConsoleFilter.verify(sessions, signOuts, cookie.getValue()).flatMap(verdict -> {
            ConsoleSessions.Session session = verdict.session();
            if (session == null) {
                return cleared;
            }
            if (!ConsoleSessions.csrfMatches(session, request.headers().firstHeader(ConsoleFilter.CSRF_HEADER))) {
                return Mono.error(Refusal.forbidden("csrf-token-invalid", "signing out needs the session's "
                        + "CSRF token in " + ConsoleFilter.CSRF_HEADER));
            }
            sessions.signOut(session);
            return signOuts.signOut(session.idSha256(), session.expiresAt())
                    .then(audit.append(AuditEvent.builder(AuditEventType.CONSOLE_SIGNED_OUT).subject(ADMIN)
                            .clientIp(Requests.clientIp(request))
                            .details(Map.of("session_sha256", session.idSha256()))))
                    .then(cleared);
        });
    }

    /** {@code GET /api/v2/admin/overview?minutes=60}. */
    Mono<ServerResponse> overview(ServerRequest request) {
        int minutes;
        try {
            minutes = Integer.parseInt(request.queryParam("minutes").orElse("60"));
        } catch (NumberFormatException e) {
            minutes = -1;
        }
        if (minutes < 1 || minutes > ConsoleStats.MAX_MINUTES) {
            return Mono.error(Refusal.invalid("invalid-minutes", "minutes must be an integer from 1 to "
                    + ConsoleStats.MAX_MINUTES));
        }
        return stats.overview(minutes).flatMap(o -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("from", o.from().toString());
            body.put("to", o.to().toString());
            body.put("minutes", o.minutes().stream().map(m -> {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("minute", m.minute().toString());
                row.put("exchanges", m.exchanges());
                row.put("denials", m.denials());
                row.put("leases", m.leases());
                return row;
            }).toList());
            body.put("totals", Map.of(
                    "exchanges", o.minutes().stream().mapToInt(ConsoleStats.Minute::exchanges).sum(),
                    "denials", o.minutes().stream().mapToInt(ConsoleStats.Minute::denials).sum(),
                    "leases", o.minutes().stream().mapToInt(ConsoleStats.Minute::leases).sum()));
            body.put("active_sessions", o.activeSessions());
            body.put("active_leases", o.activeLeases());
            body.put("denials_by_reason", o.denialsByReason());
            return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).cacheControl(CacheControl.noStore())
                    .bodyValue(body);
        });
    }

    /** {@code GET /api/v2/admin/config}. */
    Mono<ServerResponse> config(ServerRequest request) {
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).cacheControl(CacheControl.noStore())
                .bodyValue(ConfigView.of(config, lintWarnings.get()));
    }

    private static Map<String, Object> view(ConsoleSessions.Session session) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("csrf_token", session.csrfToken());
        body.put("expires_at", session.expiresAt().toString());
        body.put("csrf_header", ConsoleFilter.CSRF_HEADER);
        return body;
    }

    /** HttpOnly (no script reads it), SameSite=Strict (no other site sends it), Secure when served over TLS. */
    private static ResponseCookie cookie(ServerRequest request, String value, Duration maxAge) {
        return ResponseCookie.from(ConsoleSessions.COOKIE, value).httpOnly(true).sameSite("Strict").path("/")
                .secure("https".equalsIgnoreCase(request.uri().getScheme())).maxAge(maxAge).build();
    }
}
