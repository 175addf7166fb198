// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import io.segura.broker.Refusal;
import io.segura.broker.audit.AuditEvent;
import io.segura.broker.audit.AuditEventType;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.console.ConsoleSessions;
import io.segura.broker.session.SessionToken;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.function.server.HandlerFilterFunction;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * Guards the operator API with {@code SEGURA_ADMIN_TOKEN}: compared in constant time over SHA-256 digests, so
 * neither content nor length leaks through timing. Without a configured token the operator API is closed. Every
 * refusal is audited as {@code admin.denied} (the caller's address, the method and path, why; never what the caller
 * sent as a token), so guessing the admin token leaves a trace and trips the burst-of-denials anomaly rule.
 */
public final class AdminAuthentication implements HandlerFilterFunction<ServerResponse, ServerResponse> {

    /** DESIGN §5: an admin token has at least 32 characters. */
    static final int MIN_LENGTH = 32;

    private final byte[] digest;
    private final AuditLog audit;

    /**
     * @param adminToken the configured token, or {@code null} to close the operator API
     * @throws IllegalArgumentException if the token is shorter than {@value #MIN_LENGTH} characters
     */
    public AdminAuthentication(String adminToken, AuditLog audit) {
        this.audit = Objects.requireNonNull(audit, "audit cannot be null");
        if (adminToken != null && adminToken.length() < MIN_LENGTH) {
            throw new IllegalArgumentException("SEGURA_ADMIN_TOKEN must have at least " + MIN_LENGTH
                    + " characters (e.g. openssl rand -base64 32)");
        }
        this.digest = adminToken == null ? null : sha256(adminToken);
    }

    boolean enabled() {
        return digest != null;
    }

    /** Whether {@code bearer} is the admin token (constant-time); false when the operator API is closed. */
    boolean accepts(String bearer) {
        return digest != null && bearer != null && MessageDigest.isEqual(digest, sha256(bearer.trim()));
    }

    @Override
    public Mono<ServerResponse> filter(ServerRequest request, HandlerFunction<ServerResponse> next) {
        if (digest == null) {
            return refused(request, Refusal.forbidden("admin-disabled",
                    "the operator API is disabled: SEGURA_ADMIN_TOKEN is not set"));
        }
        if (consoleSession(request)) {
            return next.handle(request);
        }
        String authorization = request.headers().firstHeader(HttpHeaders.AUTHORIZATION);
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return refused(request, Refusal.unauthenticated("the admin token is required: Authorization: Bearer"
                    + " $SEGURA_ADMIN_TOKEN"));
        }
        if (!MessageDigest.isEqual(digest, sha256(authorization.substring(7).trim()))) {
            return refused(request, Refusal.unauthenticated("admin token is not valid"));
        }
        return next.handle(request);
    }

    private <T> Mono<T> refused(ServerRequest request, Refusal refusal) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("method", request.method().name());
        details.put("path", request.path());
        return audit.appendRefusal(AuditEvent.builder(AuditEventType.ADMIN_DENIED).clientIp(Requests.clientIp(request))
                        .reason(refusal.reason() + ": " + refusal.getMessage()).details(details),
                        RequestIdFilter.requestId(request.exchange()))
                .then(Mono.error(refusal));
    }

    /**
     * Whether the console's filter authenticated this request by its session cookie (and CSRF token): it sets the
     * attribute only for requests without an Authorization header, on the admin API's paths.
     */
    static boolean consoleSession(ServerRequest request) {
        return Boolean.TRUE.equals(request.attribute(ConsoleSessions.AUTHENTICATED_ATTRIBUTE).orElse(null));
    }

    private static byte[] sha256(String s) {
        return java.util.HexFormat.of().parseHex(SessionToken.sha256Hex(s));
    }

}
