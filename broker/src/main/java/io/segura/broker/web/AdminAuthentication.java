// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import io.segura.broker.Refusal;
import io.segura.broker.console.ConsoleSessions;
import io.segura.broker.session.SessionToken;
import java.security.MessageDigest;
import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.function.server.HandlerFilterFunction;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * Guards the operator API with {@code SEGURA_ADMIN_TOKEN}: compared in constant time over SHA-256 digests, so
 * neither content nor length leaks through timing. Without a configured token the operator API is closed.
 */
public final class AdminAuthentication implements HandlerFilterFunction<ServerResponse, ServerResponse> {

    /** DESIGN §5: an admin token has at least 32 characters. */
    static final int MIN_LENGTH = 32;

    private final byte[] digest;

    /**
     * @param adminToken the configured token, or {@code null} to close the operator API
     * @throws IllegalArgumentException if the token is shorter than {@value #MIN_LENGTH} characters
     */
    public AdminAuthentication(String adminToken) {
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
            return Mono.error(Refusal.forbidden("admin-disabled",
                    "the operator API is disabled: SEGURA_ADMIN_TOKEN is not set"));
        }
        if (consoleSession(request)) {
            return next.handle(request);
        }
        String authorization = request.headers().firstHeader(HttpHeaders.AUTHORIZATION);
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Mono.error(Refusal.unauthenticated("the admin token is required: Authorization: Bearer"
                    + " $SEGURA_ADMIN_TOKEN"));
        }
        if (!MessageDigest.isEqual(digest, sha256(authorization.substring(7).trim()))) {
            return Mono.error(Refusal.unauthenticated("admin token is not valid"));
        }
        return next.handle(request);
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
