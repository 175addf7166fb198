// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import io.segura.broker.Refusal;
import io.segura.broker.admin.SecretAdministration;
import io.segura.broker.audit.AuditEvent;
import io.segura.broker.audit.AuditEventType;
import io.segura.broker.audit.AuditQuery;
import io.segura.broker.audit.AuditVerifier;
import io.segura.broker.lease.Lease;
import io.segura.broker.lease.LeaseService;
import io.segura.broker.lease.SessionRevocations;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The operator API under {@code /api/v2/admin} (and the audit query), authenticated by {@code SEGURA_ADMIN_TOKEN}
 * through {@link AdminAuthentication}. Never answers a secret value.
 */
final class AdminHandler {

    private static final Set<String> WRITE_FIELDS = Set.of("value", "max-age");
    private static final Set<String> ROTATE_FIELDS = Set.of("value", "generate");
    private static final Set<String> EXPOSURE_FIELDS = Set.of("version", "value", "source", "detail", "url");

    private final SecretAdministration secrets;
    private final LeaseService leases;
    private final SessionRevocations sessions;
    private final AuditQuery auditQuery;
    private final AuditVerifier auditVerifier;
    private final JsonMapper json;

    AdminHandler(SecretAdministration secrets, LeaseService leases, SessionRevocations sessions,
            AuditQuery auditQuery, AuditVerifier auditVerifier, JsonMapper json) {
        this.secrets = Objects.requireNonNull(secrets, "secrets cannot be null");
        this.leases = Objects.requireNonNull(leases, "leases cannot be null");
        this.sessions = Objects.requireNonNull(sessions, "sessions cannot be null");
        this.auditQuery = Objects.requireNonNull(auditQuery, "auditQuery cannot be null");
        this.auditVerifier = Objects.requireNonNull(auditVerifier, "auditVerifier cannot be null");
        this.json = Objects.requireNonNull(json, "json cannot be null");
    }

    Mono<ServerResponse> write(ServerRequest request) {
        String path = path(request);
        return Bodies.json(request, json, Bodies.MAX_SECRET_WRITE_BODY).flatMap(body -> {
            LeaseHandler.unknownFields(body, WRITE_FIELDS);
            String value = LeaseHandler.text(body.get("value"), "value");
            JsonNode maxAge = body.get("max-age");
            Duration age = maxAge == null || maxAge.isNull() ? null
                    : LeaseHandler.duration(LeaseHandler.text(maxAge, "max-age"));
            return secrets.write(path, value, age, Requests.clientIp(request));
        }).flatMap(meta -> ServerResponse.status(HttpStatus.CREATED).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(meta));
    }

    Mono<ServerResponse> metadata(ServerRequest request) {
        return secrets.metadata(path(request))
                .flatMap(meta -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(meta));
    }

    Mono<ServerResponse> list(ServerRequest request) {
        String prefix = request.queryParam("prefix").orElse("");
        int limit = intParam(request, "limit", 1000, 10_000);
        return secrets.list(prefix, limit).collectList()
                .flatMap(items -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(Map.of("secrets", items)));
    }

    /** {@code POST …/secrets/{path}/rotate} and {@code …/exposures}: a path pattern cannot end after a catch-all. */
    Mono<ServerResponse> action(ServerRequest request) {
        String full = path(request);
        if (full.endsWith("/rotate")) {
            return rotate(request, full.substring(0, full.length() - "/rotate".length()));
        }
        if (full.endsWith("/exposures")) {
            return exposure(request, full.substring(0, full.length() - "/exposures".length()));
        }
        return Mono.error(Refusal.notFound("not-found", "no such endpoint; POST …/rotate or …/exposures"));
    }

    Mono<ServerResponse> rotate(ServerRequest request, String path) {
        return Bodies.json(request, json, Bodies.MAX_SECRET_WRITE_BODY).flatMap(body -> {
            LeaseHandler.unknownFields(body, ROTATE_FIELDS);
            JsonNode value = body.get("value");
            JsonNode generate = body.get("generate");
            if ((value == null) == (generate == null)) {
                throw Refusal.invalid("invalid-rotation", "give exactly one of value or generate");
            }
            if (value != null) {
                return secrets.rotate(path, LeaseHandler.text(value, "value"), null, Requests.clientIp(request));
            }
            if (!generate.isObject()) {
                throw Refusal.invalid("invalid-rotation", "generate must be an object like {\"length\": 32}");
            }
            LeaseHandler.unknownFields(generate, Set.of("length"));
            JsonNode length = generate.get("length");
            int n = length == null ? 32 : length.isInt() ? length.asInt() : -1;
            if (n < 16 || n > 256) {
                throw Refusal.invalid("invalid-rotation", "generate.length must be an integer from 16 to 256");
            }
            return secrets.rotate(path, null, n, Requests.clientIp(request));
        }).flatMap(meta -> ServerResponse.status(HttpStatus.CREATED).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(meta));
    }

    Mono<ServerResponse> exposure(ServerRequest request, String path) {
        return Bodies.json(request, json, Bodies.MAX_SECRET_WRITE_BODY).flatMap(body -> {
            LeaseHandler.unknownFields(body, EXPOSURE_FIELDS);
            JsonNode version = body.get("version");
            JsonNode value = body.get("value");
            if ((version == null) == (value == null)) {
                throw Refusal.invalid("invalid-exposure", "give exactly one of version or value");
            }
            if (version != null && !version.isInt()) {
                throw Refusal.invalid("invalid-exposure", "version must be an integer");
            }
            String source = LeaseHandler.text(body.get("source"), "source");
            JsonNode detail = body.get("detail");
            JsonNode url = body.get("url");
            return secrets.expose(path, version == null ? null : version.asInt(),
                    value == null ? null : LeaseHandler.text(value, "value"), source,
                    detail == null ? null : LeaseHandler.text(detail, "detail"),
                    url == null ? null : LeaseHandler.text(url, "url"), Requests.clientIp(request));
        }).flatMap(result -> ServerResponse.status(HttpStatus.CREATED).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(result));
    }

    Mono<ServerResponse> leases(ServerRequest request) {
        boolean active = request.queryParam("active").map(Boolean::parseBoolean).orElse(true);
        String role = request.queryParam("role").orElse(null);
        String subject = request.queryParam("subject").orElse(null);
        int limit = intParam(request, "limit", 100, 1000);
        return leases.list(active, role, subject, limit).map(AdminHandler::leaseView).collectList()
                .flatMap(items -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(Map.of("leases", items)));
    }

    Mono<ServerResponse> revokeLeases(ServerRequest request) {
        String role = request.queryParam("role").orElse(null);
        String subject = request.queryParam("subject").orElse(null);
        if (role == null && subject == null) {
            return Mono.error(Refusal.invalid("invalid-filter",
                    "bulk revoke needs role= or subject= (refusing to revoke every lease)"));
        }
        return leases.revokeWhere(role, subject, Requests.clientIp(request))
                .flatMap(n -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(Map.of("revoked", n)));
    }

    /**
     * {@code DELETE /api/v2/admin/sessions?role=|subject=}: revokes the matching open sessions and their leases, so
     * that the jobs' next leases are refused (401), unlike {@code DELETE …/leases}.
     */
    Mono<ServerResponse> revokeSessions(ServerRequest request) {
        String role = request.queryParam("role").orElse(null);
        String subject = request.queryParam("subject").orElse(null);
        if (role == null && subject == null || "".equals(role) || "".equals(subject)) {
            return Mono.error(Refusal.invalid("invalid-filter",
                    "revoking sessions needs a non-empty role= or subject= (refusing to revoke every session)"));
        }
        return sessions.revokeWhere(role, subject, Requests.clientIp(request))
                .flatMap(n -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(Map.of("revoked_sessions", n.sessions(), "revoked_leases", n.leases())));
    }

    /**
     * {@code DELETE /api/v2/admin/leases/{id}}: revokes the lease together with the session that holds it (and that
     * session's other leases), so the job cannot simply lease again: its next lease is refused with 401.
     */
    Mono<ServerResponse> revokeLease(ServerRequest request) {
        String id = request.pathVariable("id");
        return sessions.revokeSessionOfLease(id, Requests.clientIp(request))
                .switchIfEmpty(Mono.error(() -> Refusal.notFound("lease-not-found", "no lease with this id")))
                .flatMap(n -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(Map.of("revoked_sessions", n.sessions(), "revoked_leases", n.leases())));
    }

    Mono<ServerResponse> events(ServerRequest request) {
        AuditEventType type = request.queryParam("type").map(AdminHandler::eventType).orElse(null);
        String subject = request.queryParam("subject").orElse(null);
        String path = request.queryParam("path").orElse(null);
        Instant since = request.queryParam("since").map(AdminHandler::instant).orElse(null);
        int limit = intParam(request, "limit", 100, 1000);
        if (request.queryParam("after").isPresent()) {
            return cursor(request, type, subject, path, since, limit);
        }
        return auditQuery.find(type, subject, path, since, limit).map(AdminHandler::eventView).collectList()
                .flatMap(items -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(Map.of("events", items)));
    }

    /**
     * The SIEM pull cursor: {@code ?after=<seq>} (0 to start) serves the events after that one in export (chain)
     * order, with the next page's URL in {@code Link: <…>; rel="next"} — also when the page is empty, so a poller
     * always knows where to ask next.
     */
    private Mono<ServerResponse> cursor(ServerRequest request, AuditEventType type, String subject, String path,
            Instant since, int limit) {
        long after = afterParam(request.queryParam("after").orElse(""));
        return auditQuery.chainPosOf(after)
                .switchIfEmpty(Mono.error(Refusal.invalid("invalid-after", "after=" + after + " is not an event this "
                        + "cursor has served (it may not be linked into the audit chain yet); start from after=0")))
                .flatMapMany(pos -> auditQuery.after(pos, type, subject, path, since, limit))
                .map(AdminHandler::eventView).collectList()
                .flatMap(items -> {
                    long next = items.isEmpty() ? after : (Long) items.get(items.size() - 1).get("seq");
                    StringBuilder link = new StringBuilder("/api/v2/a2a/events?after=").append(next)
                            .append("&limit=").append(limit);
                    request.queryParams().forEach((k, values) -> {
                        if (!k.equals("after") && !k.equals("limit")) {
                            values.forEach(v -> link.append('&').append(k).append('=')
                                    .append(java.net.URLEncoder.encode(v, java.nio.charset.StandardCharsets.UTF_8)));
                        }
                    });
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("events", items);
                    body.put("next_after", next);
                    return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                            .header("Link", "<" + link + ">; rel=\"next\"").bodyValue(body);
                });
    }

    private static long afterParam(String v) {
        try {
            long n = Long.parseLong(v);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw Refusal.invalid("invalid-after", "after must be an event seq (an integer, 0 to start)");
    }

    Mono<ServerResponse> verify(ServerRequest request) {
        return auditVerifier.verify().flatMap(report -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("ok", report.ok());
            body.put("chained_through", report.chainedThrough());
            body.put("pending_unchained", report.pendingUnchained());
            body.put("broken_at", report.brokenAt());
            body.put("problem", report.problem());
            return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(body);
        });
    }

    static Map<String, Object> leaseView(Lease l) {
        Map<String, Object> m = LeaseHandler.view(l);
        m.put("role", l.role());
        m.put("issuer", l.issuer());
        m.put("client_id", l.clientId());
        m.put("subject", l.subject());
        m.put("secrets", l.secrets());
        m.put("revoked_at", l.revokedAt() == null ? null : l.revokedAt().toString());
        m.put("revoke_reason", l.revokeReason());
        // the run context (repository, ref, workflow, run id…) the console shows with each lease
        m.put("ctx", l.ctx());
        return m;
    }

    /** The one JSON view of an event, shared with the exports ({@link io.segura.broker.export.EventJson}). */
    static Map<String, Object> eventView(AuditEvent e) {
        return io.segura.broker.export.EventJson.view(e);
    }

    static String path(ServerRequest request) {
        String raw = request.pathVariable("path");
        return raw.startsWith("/") ? raw.substring(1) : raw;
    }

    private static AuditEventType eventType(String wireName) {
        try {
            return AuditEventType.fromWireName(wireName);
        } catch (IllegalArgumentException e) {
            throw Refusal.invalid("invalid-type", "unknown event type \"" + wireName + "\"; one of "
                    + java.util.Arrays.stream(AuditEventType.values()).map(AuditEventType::wireName).toList());
        }
    }

    private static Instant instant(String s) {
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw Refusal.invalid("invalid-since", "since must be an ISO-8601 instant like 2026-11-29T00:00:00Z");
        }
    }

    private static int intParam(ServerRequest request, String name, int dflt, int max) {
        String v = request.queryParam(name).orElse(null);
        if (v == null) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < 1 || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw Refusal.invalid("invalid-" + name, name + " must be an integer from 1 to " + max);
        }
    }
}
