// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTransientResourceException;
import io.segura.broker.Refusal;
import io.segura.broker.database.DatabaseTimeoutException;
import io.segura.broker.vault.InvalidSecretException;
import io.segura.broker.vault.SecretNotFoundException;
import io.segura.broker.vault.VaultIntegrityException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one place errors become HTTP: RFC 6749 §5.2 JSON on {@code /oauth2/*}, RFC 9457
 * {@code application/problem+json} everywhere else, with the request id as {@code instance}. A dependency outage
 * (database, issuer JWKS) is a 503 with {@code Retry-After}, never a 401 or 500. Unexpected errors are logged with
 * the request id and answered without internals.
 */
@Order(-2)
final class ProblemHandler implements WebExceptionHandler {

    static final String TYPE_BASE = "https://segura.dev/problems/";
    private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);
    private static final Duration DATABASE_RETRY = Duration.ofSeconds(5);
    private static final String REQUEST_TIMEOUT_DETAIL = "the broker could not answer in time (its database or an "
            + "issuer did not answer); nothing was committed for this request unless the answer was lost; retry later";
    private static final String DATABASE_TIMEOUT_DETAIL = "the broker's database did not answer in time (a stalled "
            + "connection, or a lock held by another transaction); retry later";

    private final JsonMapper json;

    ProblemHandler(JsonMapper json) {
        this.json = Objects.requireNonNull(json, "json cannot be null");
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable error) {
        if (exchange.getResponse().isCommitted()) {
            return Mono.error(error);
        }
        Refusal refusal = refusal(error);
        Mapping mapping = refusal.accept(MAPPING);
        String path = exchange.getRequest().getPath().value();
        return write(exchange, path.startsWith("/oauth2/") ? oauth(refusal, mapping)
                : problem(refusal, mapping, RequestIdFilter.requestId(exchange)));
    }

    /** The core's refusals as they are; the few failures that reach the edge untyped, typed here and only here. */
    static Refusal refusal(Throwable error) {
        if (error instanceof Refusal r) {
            return r;
        }
        if (error instanceof SecretNotFoundException e) {
            return Refusal.notFound("secret-not-found", e.getMessage());
        }
        if (error instanceof InvalidSecretException e) {
            return Refusal.invalid("invalid-secret", e.getMessage());
        }
        if (error instanceof VaultIntegrityException e) {
            // a stored row was moved or altered, or its KEK is missing: an operator must look, the caller cannot fix it
            log.error("vault integrity failure: {}", e.getMessage());
            return Refusal.internal("vault-integrity",
                    "a stored secret failed its integrity check; the operator has been told in the broker log");
        }
        if (error instanceof DataBufferLimitException) {
            return Refusal.tooLarge("body-too-large", "request body is too large");
        }
        if (error instanceof RequestDeadlineFilter.RequestTimeoutException) {
            return Refusal.unavailable("request-timeout", REQUEST_TIMEOUT_DETAIL, DATABASE_RETRY);
        }
        if (isDatabaseTimeout(error)) {
            return Refusal.unavailable("database-timeout", DATABASE_TIMEOUT_DETAIL, DATABASE_RETRY);
        }
        if (isDatabaseDown(error)) {
            return Refusal.unavailable("database-unavailable", "the broker's database is unavailable; retry later",
                    DATABASE_RETRY);
        }
        if (error instanceof ResponseStatusException r) {
            HttpStatus status = HttpStatus.resolve(r.getStatusCode().value());
            return switch (r.getStatusCode().value()) {
                case 404 -> Refusal.notFound("not-found", "no such endpoint");
                case 405 -> Refusal.malformed("method-not-allowed", "method not allowed on this endpoint");
                case 415 -> Refusal.malformed("unsupported-media-type", "unsupported Content-Type");
                default -> Refusal.malformed("bad-request", status == null ? "bad request" : status.getReasonPhrase());
            };
        }
        log.error("unexpected error", error);
        return Refusal.internal("internal", "internal error; see the broker log");
    }

    /**
     * How each refusal is answered: on {@code /oauth2/*} RFC 6749 §5.2 (every error 400 except invalid_client 401,
     * 429, 503 and 500), elsewhere RFC 9457 with the problem status and title.
     */
    private record Mapping(int oauthStatus, String oauthError, int status, String title) {
    }

    private static final Refusal.Edge<Mapping> MAPPING = new Refusal.Edge<>() {
        @Override
        public Mapping malformed(Refusal.Malformed r) {
            return new Mapping(400, "invalid_request", 400, "Bad request");
        }

        @Override
        public Mapping invalid(Refusal.Invalid r) {
            return new Mapping(400, "invalid_request", 422, "Invalid input");
        }

        @Override
        public Mapping unauthenticated(Refusal.Unauthenticated r) {
            return new Mapping(401, "invalid_client", 401, "Authentication required");
        }

        @Override
        public Mapping tokenRefused(Refusal.TokenRefused r) {
            return new Mapping(400, "invalid_grant", 422, "Invalid input");
        }

        @Override
        public Mapping scopeRefused(Refusal.ScopeRefused r) {
            return new Mapping(400, "invalid_scope", 403, "Not allowed");
        }

        @Override
        public Mapping unsupportedGrant(Refusal.UnsupportedGrant r) {
            return new Mapping(400, "unsupported_grant_type", 400, "Bad request");
        }

        @Override
        public Mapping forbidden(Refusal.Forbidden r) {
            return new Mapping(400, "invalid_grant", 403, "Not allowed");
        }

        @Override
        public Mapping notFound(Refusal.NotFound r) {
            return new Mapping(404, "invalid_request", 404, "Not found");
        }

        @Override
        public Mapping conflict(Refusal.Conflict r) {
            return new Mapping(409, "invalid_request", 409, "Conflict");
        }

        @Override
        public Mapping tooLarge(Refusal.TooLarge r) {
            return new Mapping(400, "invalid_request", 413, "Too large");
        }

        @Override
        public Mapping throttled(Refusal.Throttled r) {
            return new Mapping(429, "slow_down", 429, "Too many requests");
        }

        @Override
        public Mapping unavailable(Refusal.Unavailable r) {
            return new Mapping(503, "temporarily_unavailable", 503, "Dependency unavailable");
        }

        @Override
        public Mapping internal(Refusal.Internal r) {
            return new Mapping(500, "server_error", 500, "Internal error");
        }
    };

    private static Rendered oauth(Refusal r, Mapping m) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", m.oauthError());
        body.put("error_description", r.getMessage());
        // RFC 6749 §5.2 allows more members: a refusal that carries some (an anomaly block's reason, rule and end)
        // keeps them, so a job can tell an anomaly block from a bad token
        r.members().forEach(body::putIfAbsent);
        HttpHeaders headers = headers(r);
        if (m.oauthStatus() == 401) {
            headers.set(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"segura\"");
        }
        headers.setCacheControl("no-store");
        return new Rendered(m.oauthStatus(), MediaType.APPLICATION_JSON, headers, body);
    }

    private static Rendered problem(Refusal r, Mapping m, String requestId) {
        // a refused identity token is one problem type; which check refused it is a member
        boolean token = r instanceof Refusal.TokenRefused;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", TYPE_BASE + (token ? "invalid-subject-token" : r.reason()));
        body.put("title", m.title());
        body.put("status", m.status());
        body.put("detail", r.getMessage());
        body.put("instance", "urn:segura:request:" + requestId);
        if (token) {
            body.put("check", r.reason());
            if (r.claim() != null) {
                body.put("claim", r.claim());
            }
        }
        body.putAll(r.members());
        HttpHeaders headers = headers(r);
        if (m.status() == 401) {
            headers.set(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"segura\"");
        }
        return new Rendered(m.status(), MediaType.APPLICATION_PROBLEM_JSON, headers, body);
    }

    private static HttpHeaders headers(Refusal r) {
        HttpHeaders headers = new HttpHeaders();
        retryAfter(headers, r.retryAfter());
        if (r instanceof Refusal.TooLarge) {
            // the rest of the oversized body is still on the wire: never reuse this connection for another request
            headers.set(HttpHeaders.CONNECTION, "close");
        }
        return headers;
    }

    /**
     * The database is up but did not answer in time: the broker's own deadline on a batched conversation, PostgreSQL's
     * {@code lock_timeout} (SQLState 55P03) or a {@code statement_timeout} an operator set (57014).
     */
    static boolean isDatabaseTimeout(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof DatabaseTimeoutException
                    || (t instanceof R2dbcException r && ("55P03".equals(r.getSqlState())
                    || "57014".equals(r.getSqlState())))) {
                return true;
            }
        }
        return false;
    }

    /** Connection-level failures of R2DBC (refused, reset, pool exhausted), not SQL errors. */
    static boolean isDatabaseDown(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof R2dbcNonTransientResourceException || t instanceof R2dbcTransientResourceException
                    || t instanceof DataAccessResourceFailureException || t instanceof ConnectException
                    || t.getClass().getName().startsWith("io.r2dbc.pool.PoolAcquire")
                    || (t instanceof R2dbcException r && r.getSqlState() != null && r.getSqlState().startsWith("08"))
                    || t instanceof java.util.concurrent.TimeoutException) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    private static void retryAfter(HttpHeaders headers, Duration retryAfter) {
        if (retryAfter != null) {
            headers.set(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, (retryAfter.toMillis() + 999) / 1000)));
        }
    }

    private Mono<Void> write(ServerWebExchange exchange, Rendered r) {
        var response = exchange.getResponse();
        response.setStatusCode(HttpStatus.valueOf(r.status()));
        response.getHeaders().addAll(r.headers());
        response.getHeaders().setContentType(r.type());
        byte[] bytes = json.writeValueAsString(r.body()).getBytes(StandardCharsets.UTF_8);
        return response.writeWith(Mono.just(response.bufferFactory().wrap(bytes)));
    }

    private record Rendered(int status, MediaType type, HttpHeaders headers, Map<String, Object> body) {
    }
}
