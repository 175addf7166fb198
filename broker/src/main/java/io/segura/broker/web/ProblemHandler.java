// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTransientResourceException;
import io.segura.broker.ApiException;
import io.segura.broker.database.DatabaseTimeoutException;
import io.segura.broker.exchange.OAuthException;
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
        String path = exchange.getRequest().getPath().value();
        if (path.startsWith("/oauth2/")) {
            return write(exchange, oauth(error));
        }
        return write(exchange, problem(exchange, error));
    }

    private Rendered oauth(Throwable error) {
        OAuthException e;
        if (error instanceof OAuthException o) {
            e = o;
        } else if (error instanceof ApiException a && a.kind() == ApiException.Kind.UNAVAILABLE) {
            e = OAuthException.temporarilyUnavailable(a.slug(), a.getMessage(), a.retryAfter());
        } else if (error instanceof RequestDeadlineFilter.RequestTimeoutException) {
            e = OAuthException.temporarilyUnavailable("request-timeout", REQUEST_TIMEOUT_DETAIL, DATABASE_RETRY);
        } else if (isDatabaseTimeout(error)) {
            e = OAuthException.temporarilyUnavailable("database-timeout", DATABASE_TIMEOUT_DETAIL, DATABASE_RETRY);
        } else if (isDatabaseDown(error)) {
            e = OAuthException.temporarilyUnavailable("database-unavailable",
                    "the broker's database is unavailable; retry later", DATABASE_RETRY);
        } else if (error instanceof ApiException a && a.kind() == ApiException.Kind.TOO_LARGE) {
            e = OAuthException.invalidRequest(a.getMessage());
        } else if (error instanceof ResponseStatusException r) {
            e = new OAuthException("invalid_request", r.getStatusCode().value(), "http", r.getReason() == null
                    ? "request refused" : r.getReason(), null);
        } else {
            log.error("unexpected error on token endpoint", error);
            e = new OAuthException("server_error", 500, "internal", "internal error", null);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", e.error());
        body.put("error_description", e.getMessage());
        HttpHeaders headers = new HttpHeaders();
        if (e.status() == 401) {
            headers.set(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"segura\"");
        }
        if (error instanceof ApiException a && a.kind() == ApiException.Kind.TOO_LARGE) {
            headers.set(HttpHeaders.CONNECTION, "close");
        }
        retryAfter(headers, e.retryAfter());
        headers.setCacheControl("no-store");
        return new Rendered(e.status(), MediaType.APPLICATION_JSON, headers, body);
    }

    private Rendered problem(ServerWebExchange exchange, Throwable error) {
        ApiException e = toApi(error);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", TYPE_BASE + e.slug());
        body.put("title", e.kind().title());
        body.put("status", e.kind().status());
        body.put("detail", e.getMessage());
        body.put("instance", "urn:segura:request:" + RequestIdFilter.requestId(exchange));
        body.putAll(e.members());
        HttpHeaders headers = new HttpHeaders();
        if (e.kind() == ApiException.Kind.UNAUTHENTICATED) {
            headers.set(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"segura\"");
        }
        retryAfter(headers, e.retryAfter());
        if (e.kind() == ApiException.Kind.TOO_LARGE) {
            // the rest of the oversized body is still on the wire: never reuse this connection for another request
            headers.set(HttpHeaders.CONNECTION, "close");
        }
        return new Rendered(e.kind().status(), MediaType.APPLICATION_PROBLEM_JSON, headers, body);
    }

    private static ApiException toApi(Throwable error) {
        if (error instanceof ApiException a) {
            return a;
        }
        if (error instanceof SecretNotFoundException e) {
            return ApiException.notFound("secret-not-found", e.getMessage());
        }
        if (error instanceof InvalidSecretException e) {
            return ApiException.invalid("invalid-secret", e.getMessage());
        }
        if (error instanceof VaultIntegrityException e) {
            // a stored row was moved or altered, or its KEK is missing: an operator must look, the caller cannot fix it
            log.error("vault integrity failure: {}", e.getMessage());
            return new ApiException(ApiException.Kind.INTERNAL, "vault-integrity",
                    "a stored secret failed its integrity check; the operator has been told in the broker log");
        }
        if (error instanceof DataBufferLimitException) {
            return new ApiException(ApiException.Kind.TOO_LARGE, "body-too-large", "request body is too large");
        }
        if (error instanceof RequestDeadlineFilter.RequestTimeoutException) {
            return new ApiException(ApiException.Kind.UNAVAILABLE, "request-timeout", REQUEST_TIMEOUT_DETAIL, Map.of(),
                    DATABASE_RETRY);
        }
        if (isDatabaseTimeout(error)) {
            return new ApiException(ApiException.Kind.UNAVAILABLE, "database-timeout", DATABASE_TIMEOUT_DETAIL,
                    Map.of(), DATABASE_RETRY);
        }
        if (isDatabaseDown(error)) {
            return new ApiException(ApiException.Kind.UNAVAILABLE, "database-unavailable",
                    "the broker's database is unavailable; retry later", Map.of(), DATABASE_RETRY);
        }
        if (error instanceof ResponseStatusException r) {
            HttpStatus status = HttpStatus.resolve(r.getStatusCode().value());
            return switch (r.getStatusCode().value()) {
                case 404 -> ApiException.notFound("not-found", "no such endpoint");
                case 405 -> new ApiException(ApiException.Kind.BAD_REQUEST, "method-not-allowed",
                        "method not allowed on this endpoint");
                case 415 -> new ApiException(ApiException.Kind.BAD_REQUEST, "unsupported-media-type",
                        "unsupported Content-Type");
                default -> new ApiException(ApiException.Kind.BAD_REQUEST, "bad-request",
                        status == null ? "bad request" : status.getReasonPhrase());
            };
        }
        log.error("unexpected error", error);
        return new ApiException(ApiException.Kind.INTERNAL, "internal", "internal error; see the broker log");
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
