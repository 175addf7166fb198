// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import io.segura.broker.Refusal;
import io.segura.broker.dynamic.DynamicCredential;
import io.segura.broker.dynamic.DynamicRevoker;
import io.segura.broker.dynamic.DynamicSecrets;
import io.segura.broker.lease.SessionAdmission;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /api/v2/a2a/dynamic-secrets} (session token) and the admin list of pending revocations
 * {@code GET /api/v2/admin/dynamic-secrets/revocations}. The credential is answered once, never cached.
 */
final class DynamicSecretHandler {

    private static final int MAX_PARAMETER = 16 * 1024;

    private final SessionAdmission admission;
    private final DynamicSecrets dynamic;
    private final DynamicRevoker revoker;
    private final JsonMapper json;

    DynamicSecretHandler(SessionAdmission admission, DynamicSecrets dynamic, DynamicRevoker revoker, JsonMapper json) {
        this.admission = Objects.requireNonNull(admission, "admission cannot be null");
        this.dynamic = Objects.requireNonNull(dynamic, "dynamic cannot be null");
        this.revoker = Objects.requireNonNull(revoker, "revoker cannot be null");
        this.json = Objects.requireNonNull(json, "json cannot be null");
    }

    Mono<ServerResponse> create(ServerRequest request) {
        // read from the database, not the recent-session cache: a revoked session must not get as far as creating a
        // user (the commit would refuse it, and the user be dropped again, but why create it)
        return admission.admit(LeaseHandler.authorization(request), LeaseHandler.attempt("dynamic-secret", request))
                .flatMap(session -> Bodies.json(request, json, Bodies.MAX_BODY)
                        .map(DynamicSecretHandler::parse)
                        .flatMap(r -> dynamic.issue(session, r, Requests.clientIp(request),
                                RequestIdFilter.requestId(request.exchange()))))
                .flatMap(issued -> {
                    Map<String, Object> body = LeaseHandler.view(issued.lease());
                    body.put("name", issued.name());
                    body.put("engine", issued.engine());
                    body.put("credential", issued.credential().fields());
                    body.put("warnings", issued.warnings());
                    return ServerResponse.status(HttpStatus.CREATED).contentType(MediaType.APPLICATION_JSON)
                            .cacheControl(CacheControl.noStore()).bodyValue(body);
                });
    }

    /**
     * {@code {"name": "db/prod-readonly", "ttl": "15m"}}: name (REQUIRED), ttl (OPTIONAL); any other string field is
     * handed to the engine, which refuses those it does not take (an SSH CA takes {@code public_key}).
     */
    static DynamicSecrets.Request parse(JsonNode body) {
        JsonNode name = body.get("name");
        if (name == null || name.isNull()) {
            throw Refusal.invalid("invalid-dynamic-request", "name is required, e.g. {\"name\": \"db/prod-readonly\"}");
        }
        String n = LeaseHandler.text(name, "name");
        if (n.length() > 128 || !n.matches("^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*$")) {
            throw Refusal.invalid("invalid-dynamic-request", "name is not a dynamic-secret name (segments of a-z 0-9 "
                    + ". _ - separated by /)");
        }
        JsonNode ttl = body.get("ttl");
        Duration d = ttl == null || ttl.isNull() ? null : LeaseHandler.duration(LeaseHandler.text(ttl, "ttl"));
        Map<String, String> parameters = new LinkedHashMap<>();
        for (String field : body.propertyNames()) {
            if (field.equals("name") || field.equals("ttl")) {
                continue;
            }
            String v = LeaseHandler.text(body.get(field), field);
            if (v.length() > MAX_PARAMETER) {
                throw Refusal.invalid("invalid-field", field + " is longer than " + MAX_PARAMETER + " characters");
            }
            parameters.put(field, v);
        }
        return new DynamicSecrets.Request(n, d, parameters);
    }

    /** {@code ?failing=true} lists only those that failed at least once; {@code limit} up to 1,000. */
    Mono<ServerResponse> revocations(ServerRequest request) {
        boolean failing = request.queryParam("failing").map(Boolean::parseBoolean).orElse(false);
        int limit = request.queryParam("limit").map(DynamicSecretHandler::limit).orElse(100);
        return revoker.pending(failing, limit).map(DynamicSecretHandler::view).collectList()
                .flatMap(items -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(Map.of("revocations", items)));
    }

    private static int limit(String v) {
        try {
            int n = Integer.parseInt(v);
            if (n >= 1 && n <= 1000) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw Refusal.invalid("invalid-limit", "limit must be an integer from 1 to 1000");
    }

    private static Map<String, Object> view(DynamicCredential c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("lease_id", c.leaseId());
        m.put("name", c.name());
        m.put("engine", c.engine());
        m.put("role", c.role());
        m.put("username", c.principal());
        m.put("issued_at", c.issuedAt().toString());
        m.put("expires_at", c.expiresAt().toString());
        m.put("attempts", c.attempts());
        m.put("next_attempt_at", c.nextAttemptAt().toString());
        m.put("last_error", c.lastError());
        return m;
    }
}
