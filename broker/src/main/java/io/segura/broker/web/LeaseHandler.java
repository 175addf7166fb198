// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import io.segura.broker.Refusal;
import io.segura.broker.config.Durations;
import io.segura.broker.lease.IssuedLease;
import io.segura.broker.lease.Lease;
import io.segura.broker.lease.LeaseRequest;
import io.segura.broker.lease.LeaseService;
import io.segura.broker.lease.SessionAdmission;
import io.segura.broker.policy.Decision;
import io.segura.broker.vault.SecretRef;
import io.segura.broker.vault.SecretValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The CI-facing lease API under {@code /api/v2/a2a}, authenticated by the session token from {@code /oauth2/token}.
 * Responses that carry secret values are never cached ({@code Cache-Control: no-store}).
 */
final class LeaseHandler {

    private static final Set<String> LEASE_FIELDS = Set.of("secrets", "ttl");
    private static final Set<String> RENEW_FIELDS = Set.of("increment");

    private final SessionAdmission admission;
    private final LeaseService leases;
    private final JsonMapper json;

    LeaseHandler(SessionAdmission admission, LeaseService leases, JsonMapper json) {
        this.admission = Objects.requireNonNull(admission, "admission cannot be null");
        this.leases = Objects.requireNonNull(leases, "leases cannot be null");
        this.json = Objects.requireNonNull(json, "json cannot be null");
    }

    Mono<ServerResponse> create(ServerRequest request) {
        SessionAdmission.Attempt attempt = attempt("lease", request);
        return admission.admitForLease(authorization(request), attempt, session -> Bodies.json(
                        request, json, Bodies.MAX_BODY)
                .map(LeaseHandler::leaseRequest)
                .onErrorResume(Refusal.class, r -> admission.refused(session, r, attempt))
                .flatMap(lr -> leases.lease(session, lr, Requests.clientIp(request),
                        RequestIdFilter.requestId(request.exchange()))))
                .flatMap(issued -> leased(issued, HttpStatus.CREATED));
    }

    Mono<ServerResponse> secret(ServerRequest request) {
        String raw = request.pathVariable("path");
        String spec = raw.startsWith("/") ? raw.substring(1) : raw;
        String version = request.queryParam("version").orElse(null);
        if (version != null) {
            spec = spec + "@" + version;
        }
        SecretRef ref;
        Duration ttl;
        try {
            ref = ref(spec);
            ttl = request.queryParam("ttl").map(LeaseHandler::duration).orElse(null);
        } catch (Refusal r) {
            // the caller's session first (401 without one), then the refusal of its request, both audited
            SessionAdmission.Attempt attempt = attempt("lease", request);
            return admission.admit(authorization(request), attempt)
                    .flatMap(session -> admission.refused(session, r, attempt));
        }
        SessionAdmission.Attempt attempt = new SessionAdmission.Attempt("lease", Requests.clientIp(request),
                RequestIdFilter.requestId(request.exchange()), List.of(ref.toString()), null);
        return admission.admitForLease(authorization(request), attempt, session -> leases.lease(session,
                        new LeaseRequest(List.of(ref), ttl), attempt.clientIp(), attempt.requestId()))
                // a GET reads: 200 with the new lease in the body, not 201 (nothing is created at this URL)
                .flatMap(issued -> leased(issued, HttpStatus.OK));
    }

    Mono<ServerResponse> renew(ServerRequest request) {
        String id = request.pathVariable("id");
        SessionAdmission.Attempt attempt = leaseAttempt("renew", id, request);
        return admission.admit(authorization(request), attempt)
                .flatMap(session -> Bodies.bytes(request, Bodies.MAX_BODY)
                        .map(bytes -> Optional.ofNullable(bytes.length == 0 ? null : increment(bytes)))
                        .flatMap(inc -> leases.renew(session, id, inc.orElse(null), attempt.clientIp()))
                        .onErrorResume(Refusal.class, r -> admission.refused(session, r, attempt)))
                .flatMap(l -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(view(l)));
    }

    /** {@code {"increment": "10m"}}; an empty body renews by the role's maximum. */
    private Duration increment(byte[] bytes) {
        JsonNode body;
        try {
            body = json.readTree(bytes);
        } catch (tools.jackson.core.JacksonException e) {
            throw Refusal.invalid("invalid-json", "request body is not valid JSON");
        }
        if (body == null || !body.isObject()) {
            throw Refusal.invalid("invalid-json", "request body must be a JSON object");
        }
        unknownFields(body, RENEW_FIELDS);
        JsonNode inc = body.get("increment");
        return inc == null || inc.isNull() ? null : duration(text(inc, "increment"));
    }

    Mono<ServerResponse> revoke(ServerRequest request) {
        String id = request.pathVariable("id");
        SessionAdmission.Attempt attempt = leaseAttempt("revoke", id, request);
        return admission.admit(authorization(request), attempt)
                .flatMap(session -> leases.revoke(session, id, attempt.clientIp())
                        .onErrorResume(Refusal.class, r -> admission.refused(session, r, attempt)))
                .then(ServerResponse.noContent().build());
    }

    static String authorization(ServerRequest request) {
        return request.headers().firstHeader(HttpHeaders.AUTHORIZATION);
    }

    static SessionAdmission.Attempt attempt(String action, ServerRequest request) {
        return SessionAdmission.Attempt.of(action, Requests.clientIp(request),
                RequestIdFilter.requestId(request.exchange()));
    }

    private static SessionAdmission.Attempt leaseAttempt(String action, String leaseId, ServerRequest request) {
        return new SessionAdmission.Attempt(action, Requests.clientIp(request),
                RequestIdFilter.requestId(request.exchange()), List.of(), leaseId);
    }

    private static LeaseRequest leaseRequest(JsonNode body) {
        unknownFields(body, LEASE_FIELDS);
        JsonNode secrets = body.get("secrets");
        if (secrets == null || !secrets.isArray() || secrets.isEmpty()) {
            throw Refusal.invalid("invalid-lease-request", "secrets must be a non-empty list of paths");
        }
        if (secrets.size() > LeaseRequest.MAX_SECRETS) {
            throw Refusal.invalid("invalid-lease-request",
                    "at most " + LeaseRequest.MAX_SECRETS + " secrets per lease");
        }
        List<SecretRef> refs = new ArrayList<>();
        for (JsonNode s : secrets) {
            refs.add(ref(text(s, "secrets[]")));
        }
        JsonNode ttl = body.get("ttl");
        return new LeaseRequest(refs, ttl == null || ttl.isNull() ? null : duration(text(ttl, "ttl")));
    }

    static SecretRef ref(String spec) {
        try {
            return SecretRef.parse(spec);
        } catch (IllegalArgumentException e) {
            throw Refusal.invalid("invalid-secret-path", e.getMessage());
        }
    }

    static Duration duration(String s) {
        try {
            Duration d = Durations.parse(s);
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException("must be positive");
            }
            return d;
        } catch (RuntimeException e) {
            throw Refusal.invalid("invalid-duration", "\"" + s + "\" is not a duration like 60s, 15m, 2h ("
                    + e.getMessage() + ")");
        }
    }

    static String text(JsonNode node, String field) {
        if (node == null || !node.isString()) {
            throw Refusal.invalid("invalid-field", field + " must be a string");
        }
        return node.asString();
    }

    static void unknownFields(JsonNode body, Set<String> known) {
        for (String name : body.propertyNames()) {
            if (!known.contains(name)) {
                throw Refusal.invalid("unknown-field", "unknown field \"" + name + "\"; expected one of "
                        + new java.util.TreeSet<>(known));
            }
        }
    }

    private static Mono<ServerResponse> leased(IssuedLease issued, HttpStatus status) {
        Map<String, Object> body = view(issued.lease());
        List<Map<String, Object>> secrets = new ArrayList<>();
        for (SecretValue v : issued.values()) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("path", v.path());
            s.put("version", v.version());
            s.put("value", v.value());
            s.put("created_at", v.createdAt().toString());
            secrets.add(s);
        }
        body.put("secrets", secrets);
        body.put("warnings", issued.warnings());
        body.put("policy_warnings", Decision.maps(issued.policyWarnings()));
        return ServerResponse.status(status)
                .contentType(MediaType.APPLICATION_JSON)
                .cacheControl(CacheControl.noStore())
                .bodyValue(body);
    }

    static Map<String, Object> view(Lease l) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("lease_id", l.id());
        body.put("issued_at", l.issuedAt().toString());
        body.put("expires_at", l.expiresAt().toString());
        body.put("renewable", l.renewable());
        return body;
    }
}
