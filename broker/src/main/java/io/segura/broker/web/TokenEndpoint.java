// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import io.segura.broker.exchange.ClientCredentialsRequest;
import io.segura.broker.exchange.ClientCredentialsService;
import io.segura.broker.Refusal;
import io.segura.broker.audit.AuditEvent;
import io.segura.broker.audit.AuditEventType;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.exchange.TokenExchangeRequest;
import io.segura.broker.exchange.TokenExchangeService;
import io.segura.broker.federation.Quote;
import io.segura.broker.lease.LeaseService;
import io.segura.broker.session.SessionIssuer;
import io.segura.broker.session.SessionToken;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.SslInfo;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * {@code POST /oauth2/token} and {@code POST /oauth2/revoke}: parses the form like the RFCs read, one parameter at a
 * time, and hands a typed request to the grant's service. Errors are RFC 6749 §5.2 JSON, rendered by
 * {@link ProblemHandler}.
 */
final class TokenEndpoint {

    static final String TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
    static final String CLIENT_CREDENTIALS = "client_credentials";
    static final List<String> SUBJECT_TOKEN_TYPES =
            List.of("urn:ietf:params:oauth:token-type:jwt", "urn:ietf:params:oauth:token-type:id_token");
    static final String ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";
    /** DESIGN §14: a subject token is at most 16 KiB. */
    static final int MAX_TOKEN = 16 * 1024;

    private final TokenExchangeService exchange;
    private final ClientCredentialsService clientCredentials;
    private final LeaseService leases;
    private final AuditLog audit;

    TokenEndpoint(TokenExchangeService exchange, ClientCredentialsService clientCredentials, LeaseService leases,
            AuditLog audit) {
        this.audit = Objects.requireNonNull(audit, "audit cannot be null");
        this.exchange = Objects.requireNonNull(exchange, "exchange cannot be null");
        this.clientCredentials = Objects.requireNonNull(clientCredentials, "clientCredentials cannot be null");
        this.leases = Objects.requireNonNull(leases, "leases cannot be null");
    }

    Mono<ServerResponse> token(ServerRequest request) {
        return form(request)
                .map(params -> grant(params, request))
                .onErrorResume(Refusal.class, e -> unread(e, request))
                .flatMap(grant -> grant instanceof TokenExchangeRequest t ? exchange.exchange(t)
                        : clientCredentials.issue((ClientCredentialsRequest) grant))
                .flatMap(this::issued);
    }

    /** The typed request of the grant named by {@code grant_type} (REQUIRED, RFC 6749 §4.4.2 / RFC 8693 §2.1). */
    private static Record grant(Map<String, List<String>> params, ServerRequest request) {
        String grantType = single(params, "grant_type", true);
        if (TOKEN_EXCHANGE.equals(grantType)) {
            return tokenExchange(params, request);
        }
        if (CLIENT_CREDENTIALS.equals(grantType)) {
            return clientCredentials(params, request);
        }
        throw Refusal.unsupportedGrant("grant_type " + Quote.value(grantType) + " is not supported; use "
                + TOKEN_EXCHANGE + " or " + CLIENT_CREDENTIALS);
    }

    /** A request refused before any grant read it is audited too: every refusal of this endpoint leaves a trace. */
    private <T> Mono<T> unread(Refusal e, ServerRequest request) {
        Map<String, Object> details = new LinkedHashMap<>();
        if (e.claim() != null) {
            details.put("parameter", e.claim());
        }
        AuditEvent.Builder entry = AuditEvent.builder(AuditEventType.TOKEN_REJECTED).clientIp(Requests.clientIp(request))
                .reason(e.reason() + ": " + e.getMessage()).details(details);
        return audit.appendRefusal(entry, RequestIdFilter.requestId(request.exchange())).then(Mono.error(e));
    }

    /**
     * RFC 7009 §2.1: {@code token} (REQUIRED); the answer is 200 whether or not the token was known (§2.2). A malformed
     * request is refused (400) and audited like a refused grant.
     */
    Mono<ServerResponse> revoke(ServerRequest request) {
        return form(request)
                .map(params -> single(params, "token", true))
                .onErrorResume(Refusal.class, e -> unread(e, request))
                .flatMap(token -> {
                    Mono<Void> revoked = SessionToken.looksLike(token)
                            ? leases.revokeSession(SessionToken.sha256Hex(token), Requests.clientIp(request))
                            : Mono.empty();
                    return revoked.then(ServerResponse.ok().cacheControl(CacheControl.noStore()).build());
                });
    }

    private static TokenExchangeRequest tokenExchange(Map<String, List<String>> params, ServerRequest request) {
        // subject_token (REQUIRED) — RFC 8693 §2.1
        String subjectToken = single(params, "subject_token", true);
        if (subjectToken.length() > MAX_TOKEN) {
            throw Refusal.invalid("invalid-request", "subject_token exceeds " + MAX_TOKEN / 1024 + " KiB");
        }
        // subject_token_type (REQUIRED)
        String type = single(params, "subject_token_type", true);
        if (!SUBJECT_TOKEN_TYPES.contains(type)) {
            throw Refusal.invalid("invalid-request", "subject_token_type " + Quote.value(type) + " is not supported; use "
                    + String.join(" or ", SUBJECT_TOKEN_TYPES));
        }
        // requested_token_type (OPTIONAL): we only issue opaque access tokens
        String requested = single(params, "requested_token_type", false);
        if (requested != null && !ACCESS_TOKEN_TYPE.equals(requested)) {
            throw Refusal.invalid("invalid-request", "requested_token_type " + Quote.value(requested)
                    + " is not supported; only "
                    + ACCESS_TOKEN_TYPE + " is issued");
        }
        // actor_token / actor_token_type (OPTIONAL): delegation is not supported
        if (params.containsKey("actor_token") || params.containsKey("actor_token_type")) {
            throw Refusal.invalid("invalid-request", "actor_token (delegation) is not supported");
        }
        return new TokenExchangeRequest(subjectToken, role(params), Requests.clientIp(request),
                RequestIdFilter.requestId(request.exchange()));
    }

    private static ClientCredentialsRequest clientCredentials(Map<String, List<String>> params,
            ServerRequest request) {
        String clientId = single(params, "client_id", false);
        String secret = single(params, "client_secret", false);
        String authorization = request.headers().firstHeader(HttpHeaders.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            if (secret != null) {
                // RFC 6749 §2.3: a client MUST NOT use more than one authentication method per request
                throw Refusal.invalid("invalid-request", "client authenticated twice (HTTP Basic and client_secret)");
            }
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()),
                        StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw Refusal.unauthenticated("invalid-client", "HTTP Basic credentials are not valid base64");
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                throw Refusal.unauthenticated("invalid-client", "HTTP Basic credentials must be client_id:client_secret");
            }
            // RFC 6749 §2.3.1: both parts are form-urlencoded before base64
            String basicId;
            String basicSecret;
            try {
                basicId = URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8);
                basicSecret = URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                // a stray % (e.g. "%zz") was a 500: URLDecoder's IllegalArgumentException went unmapped
                throw Refusal.unauthenticated("invalid-client",
                        "HTTP Basic credentials must be form-urlencoded (% only as %XX)");
            }
            if (clientId != null && !clientId.equals(basicId)) {
                throw Refusal.invalid("invalid-request", "client_id does not match the HTTP Basic client");
            }
            clientId = basicId;
            secret = basicSecret;
        }
        return new ClientCredentialsRequest(clientId, secret, certificates(request), role(params),
                Requests.clientIp(request), RequestIdFilter.requestId(request.exchange()));
    }

    /**
     * The chain the client presented on this TLS connection, as the broker's own TLS layer saw it. A certificate
     * forwarded by a TLS-terminating proxy in a header is not read: nothing here could tell the proxy's header from
     * one the client wrote (README "TLS and mTLS clients").
     */
    private static List<X509Certificate> certificates(ServerRequest request) {
        SslInfo ssl = request.exchange().getRequest().getSslInfo();
        if (ssl == null || ssl.getPeerCertificates() == null) {
            return List.of();
        }
        return List.of(ssl.getPeerCertificates());
    }

    /** scope (OPTIONAL): exactly one {@code role:NAME}. */
    private static String role(Map<String, List<String>> params) {
        String scope = single(params, "scope", false);
        if (scope == null || scope.isBlank()) {
            return null;
        }
        String trimmed = scope.trim();
        if (!trimmed.startsWith("role:") || trimmed.contains(" ") || trimmed.length() == 5) {
            throw Refusal.scopeRefused("invalid-scope", "scope must be a single role:NAME");
        }
        return trimmed.substring(5);
    }

    private static String single(Map<String, List<String>> params, String name, boolean required) {
        List<String> values = params.get(name);
        if (values == null || values.isEmpty() || (values.size() == 1 && values.get(0).isEmpty())) {
            if (required) {
                throw Refusal.invalidParameter(name, name + " is required");
            }
            return null;
        }
        if (values.size() > 1) {
            throw Refusal.invalidParameter(name, name + " must not be repeated");
        }
        return values.get(0);
    }

    private static Mono<Map<String, List<String>>> form(ServerRequest request) {
        MediaType type = request.headers().contentType().orElse(null);
        if (type == null || !MediaType.APPLICATION_FORM_URLENCODED.isCompatibleWith(type)) {
            return Mono.error(Refusal.invalid("invalid-request", 
                    "Content-Type must be application/x-www-form-urlencoded"));
        }
        return Bodies.bytes(request, Bodies.MAX_BODY).map(body -> {
            try {
                return Bodies.form(body);
            } catch (Bodies.FormException e) {
                throw Refusal.invalid("invalid-request", e.getMessage());
            }
        });
    }

    private Mono<ServerResponse> issued(SessionIssuer.Issued s) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("access_token", s.token().value());
        body.put("issued_token_type", ACCESS_TOKEN_TYPE);
        body.put("token_type", "Bearer");
        body.put("expires_in", s.expiresInSeconds());
        body.put("scope", s.scope());
        return ServerResponse.ok()
                .contentType(MediaType.APPLICATION_JSON)
                .cacheControl(CacheControl.noStore())
                .header("Pragma", "no-cache")
                .bodyValue(body);
    }
}
