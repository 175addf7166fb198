// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import io.segura.broker.Refusal;
import io.segura.broker.audit.AuditEvent;
import io.segura.broker.audit.AuditEventType;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.export.DeadLetters;
import io.segura.broker.export.Exports;
import io.segura.broker.export.WebhookSubscription;
import java.util.ArrayList;
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
 * Webhook subscriptions ({@code /api/v2/a2a/webhooks}) and the outbox's dead letters
 * ({@code /api/v2/admin/exports/dead-letters}), both behind the admin token.
 */
final class ExportHandler {

    private static final Set<String> WEBHOOK_FIELDS = Set.of("url", "events", "batch_size");

    private final Exports exports;
    private final AuditLog audit;
    private final JsonMapper json;

    ExportHandler(Exports exports, AuditLog audit, JsonMapper json) {
        this.exports = Objects.requireNonNull(exports, "exports cannot be null");
        this.audit = Objects.requireNonNull(audit, "audit cannot be null");
        this.json = Objects.requireNonNull(json, "json cannot be null");
    }

    Mono<ServerResponse> register(ServerRequest request) {
        return Bodies.json(request, json, Bodies.MAX_BODY).flatMap(body -> {
            LeaseHandler.unknownFields(body, WEBHOOK_FIELDS);
            String url = LeaseHandler.text(body.get("url"), "url");
            List<String> events = new ArrayList<>();
            JsonNode given = body.get("events");
            if (given != null && !given.isNull()) {
                if (!given.isArray()) {
                    throw Refusal.invalid("invalid-events", "events must be a list of event types");
                }
                given.forEach(n -> events.add(LeaseHandler.text(n, "events[]")));
            }
            JsonNode batch = body.get("batch_size");
            if (batch != null && !batch.isNull() && !batch.isInt()) {
                throw Refusal.invalid("invalid-batch-size", "batch_size must be a whole number of events, 1.."
                        + WebhookSubscription.MAX_BATCH_SIZE);
            }
            return exports.webhooks().register(url, events, batch == null || batch.isNull() ? null : batch.asInt());
        }).flatMap(r -> audit.append(webhookEvent(AuditEventType.WEBHOOK_REGISTERED, r.subscription(), request))
                .thenReturn(r)).flatMap(r -> {
            Map<String, Object> view = view(r.subscription());
            // shown once: the broker never answers it again
            view.put("secret", r.secret());
            return ServerResponse.status(HttpStatus.CREATED).contentType(MediaType.APPLICATION_JSON)
                    .header("Cache-Control", "no-store").bodyValue(view);
        });
    }

    Mono<ServerResponse> list(ServerRequest request) {
        return exports.webhooks().list().map(ExportHandler::view).collectList()
                .flatMap(items -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(Map.of("webhooks", items)));
    }

    Mono<ServerResponse> delete(ServerRequest request) {
        String id = request.pathVariable("id");
        // an unknown id: delete answers 404 and nothing is audited
        return exports.webhooks().list().filter(s -> s.id().equals(id)).next()
                .flatMap(s -> exports.webhooks().delete(id)
                        .then(audit.append(webhookEvent(AuditEventType.WEBHOOK_DELETED, s, request)))
                        .thenReturn(true))
                .switchIfEmpty(Mono.defer(() -> exports.webhooks().delete(id).thenReturn(false)))
                .then(ServerResponse.noContent().build());
    }

    /**
     * The audit event of a registration or deletion: the subscription's id, URL and event filter, never its signing
     * secret (the event is exported like any other, to the very receivers it configures).
     */
    private static AuditEvent.Builder webhookEvent(AuditEventType type, WebhookSubscription s,
            ServerRequest request) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("subscription_id", s.id());
        details.put("url", s.url());
        details.put("events", List.copyOf(s.events()));
        details.put("batch_size", s.batchSize());
        return AuditEvent.builder(type).subject("admin").clientIp(Requests.clientIp(request)).details(details);
    }

    Mono<ServerResponse> deadLetters(ServerRequest request) {
        String sink = request.queryParam("sink").orElse(null);
        int limit = request.queryParam("limit").map(ExportHandler::limit).orElse(100);
        return exports.deadLetters().list(sink, limit).map(ExportHandler::view).collectList()
                .flatMap(items -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(Map.of("dead_letters", items)));
    }

    Mono<ServerResponse> replay(ServerRequest request) {
        return exports.deadLetters().replay(request.pathVariable("id"))
                .flatMap(d -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(Map.of("replayed", view(d))));
    }

    Mono<ServerResponse> drop(ServerRequest request) {
        return exports.deadLetters().drop(request.pathVariable("id")).then(ServerResponse.noContent().build());
    }

    private static int limit(String v) {
        try {
            int n = Integer.parseInt(v);
            if (n >= 1 && n <= 1000) {
                return n;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw Refusal.invalid("invalid-limit", "limit must be an integer from 1 to 1000");
    }

    private static Map<String, Object> view(WebhookSubscription s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("url", s.url());
        m.put("events", List.copyOf(s.events()));
        m.put("batch_size", s.batchSize());
        m.put("created_at", s.createdAt().toString());
        return m;
    }

    private static Map<String, Object> view(DeadLetters.DeadLetter d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", d.id());
        m.put("sink", d.sink());
        m.put("seq", d.seq());
        m.put("event_id", d.eventId());
        m.put("attempts", d.attempts());
        m.put("last_error", d.lastError());
        m.put("failed_at", d.failedAt().toString());
        return m;
    }
}
