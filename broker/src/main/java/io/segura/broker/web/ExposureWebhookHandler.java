// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import io.segura.broker.Refusal;
import io.segura.broker.admin.ExposureReport;
import io.segura.broker.audit.AuditEvent;
import io.segura.broker.audit.AuditEventType;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.admin.SecretAdministration;
import io.segura.broker.admin.WebhookReplayCache;
import io.segura.broker.admin.WebhookSignature;
import io.segura.broker.exchange.RateLimiter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /api/v2/webhooks/exposures}: secret scanners report leaked secrets. The raw body is verified against
 * {@link WebhookSignature} before it is parsed; the body is a JSON list of findings (or {@code {"exposures": [...]}})
 * each {@code {value | path [, version], source, url?, detail?}}. Answers 202 with one result per finding, never
 * echoing a value.
 *
 * <p>The endpoint is unauthenticated until the MAC verifies, so each client IP is rate limited first (429 with
 * {@code Retry-After}, before the body is read), and a verified delivery is accepted once: the
 * {@link WebhookReplayCache} refuses it again within its window. Every refusal but the rate limit's is audited as
 * {@code exposure.rejected} (client address and why; never the body), so forged or replayed deliveries leave a trace
 * and count towards the burst-of-denials anomaly rule; a flood is held back by the rate limit, unaudited.
 */
final class ExposureWebhookHandler {

    static final int MAX_REPORTS = 100;
    private static final Set<String> FIELDS = Set.of("value", "path", "version", "source", "url", "detail");

    private final WebhookSignature signature;
    private final WebhookReplayCache replays;
    private final RateLimiter perIp;
    private final SecretAdministration secrets;
    private final JsonMapper json;
    private final AuditLog audit;

    /** @param signature {@code null} when no shared secret is configured: every delivery is refused */
    ExposureWebhookHandler(WebhookSignature signature, WebhookReplayCache replays, RateLimiter perIp,
            SecretAdministration secrets, JsonMapper json, AuditLog audit) {
        this.audit = Objects.requireNonNull(audit, "audit cannot be null");
        this.signature = signature;
        this.replays = Objects.requireNonNull(replays, "replays cannot be null");
        this.perIp = Objects.requireNonNull(perIp, "perIp cannot be null");
        this.secrets = Objects.requireNonNull(secrets, "secrets cannot be null");
        this.json = Objects.requireNonNull(json, "json cannot be null");
    }

    Mono<ServerResponse> receive(ServerRequest request) {
        String ip = Requests.clientIp(request);
        Optional<Duration> wait = perIp.acquire(ip);
        if (wait.isPresent()) {
            return Mono.error(Refusal.throttled("rate-limited", "too many webhook deliveries from " + ip
                    + "; retry later", wait.get()));
        }
        return verified(request, ip).onErrorResume(e -> e instanceof Refusal r && r.isDenial(), e -> {
                    Refusal r = (Refusal) e;
                    return audit.appendRefusal(AuditEvent.builder(AuditEventType.EXPOSURE_REJECTED).clientIp(ip)
                                    .reason(r.reason() + ": " + r.getMessage()),
                            RequestIdFilter.requestId(request.exchange()))
                            .then(Mono.error(r));
                });
    }

    private Mono<ServerResponse> verified(ServerRequest request, String ip) {
        if (signature == null) {
            return Mono.error(Refusal.forbidden("exposure-webhook-disabled", "the exposure webhook is disabled: "
                    + "SEGURA_EXPOSURE_WEBHOOK_SECRET is not set"));
        }
        String timestamp = request.headers().firstHeader(WebhookSignature.TIMESTAMP_HEADER);
        String sig = request.headers().firstHeader(WebhookSignature.SIGNATURE_HEADER);
        return Bodies.bytes(request, Bodies.MAX_BODY)
                .flatMap(bytes -> {
                    WebhookSignature.Delivery delivery = signature.verify(timestamp, sig, bytes);
                    replays.claim(delivery);
                    return Mono.fromCallable(() -> reports(bytes))
                            .flatMap(reports -> secrets.intake(reports, ip))
                            // not accepted after all: the sender may retry the same delivery
                            .doOnError(e -> replays.release(delivery));
                })
                .flatMap(results -> ServerResponse.status(HttpStatus.ACCEPTED).contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(Map.of("results", results)));
    }

    private List<ExposureReport> reports(byte[] bytes) {
        JsonNode body;
        try {
            body = json.readTree(bytes);
        } catch (tools.jackson.core.JacksonException e) {
            throw Refusal.invalid("invalid-json", "request body is not valid JSON");
        }
        JsonNode list = body != null && body.isObject() && body.size() == 1 && body.has("exposures")
                ? body.get("exposures") : body;
        if (list == null || !list.isArray() || list.isEmpty() || list.size() > MAX_REPORTS) {
            throw Refusal.invalid("invalid-exposure", "the body must be a list of 1.." + MAX_REPORTS
                    + " findings (or {\"exposures\": [...]})");
        }
        List<ExposureReport> out = new ArrayList<>();
        for (JsonNode item : list) {
            if (!item.isObject()) {
                throw Refusal.invalid("invalid-exposure", "each finding must be a JSON object");
            }
            LeaseHandler.unknownFields(item, FIELDS);
            JsonNode version = item.get("version");
            if (version != null && !version.isNull() && !version.canConvertToInt()) {
                throw Refusal.invalid("invalid-exposure", "version must be a number");
            }
            out.add(new ExposureReport(optional(item, "path"),
                    version == null || version.isNull() ? null : version.asInt(),
                    optional(item, "value"), optional(item, "source"), optional(item, "url"),
                    optional(item, "detail")));
        }
        return out;
    }

    private static String optional(JsonNode item, String field) {
        JsonNode n = item.get(field);
        return n == null || n.isNull() ? null : LeaseHandler.text(n, field);
    }
}
