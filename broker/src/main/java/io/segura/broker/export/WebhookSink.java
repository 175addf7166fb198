// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.export;

import io.segura.broker.audit.AuditEvent;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import tools.jackson.databind.json.JsonMapper;

/**
 * One webhook subscription as a sink: each event is one POST of {@code {"type", "timestamp", "data"}} (the Standard
 * Webhooks payload shape), with {@code webhook-id} = the event id (the receiver's dedupe key: a redelivery carries
 * the same id), {@code webhook-timestamp} and {@code webhook-signature}. A 2xx answer delivers; anything else,
 * redirects included (never followed: the subscription's URL is the only place events go), is a failure.
 */
final class WebhookSink implements Sink {

    private final WebhookSubscription subscription;
    private final StandardWebhooks signer;
    private final HttpClient http;
    private final Duration timeout;
    private final JsonMapper json;
    private final Clock clock;

    WebhookSink(WebhookSubscription subscription, String secret, HttpClient http, Duration timeout, JsonMapper json,
            Clock clock) {
        this.subscription = Objects.requireNonNull(subscription, "subscription cannot be null");
        this.signer = new StandardWebhooks(secret);
        this.http = Objects.requireNonNull(http, "http cannot be null");
        this.timeout = Objects.requireNonNull(timeout, "timeout cannot be null");
        this.json = Objects.requireNonNull(json, "json cannot be null");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    }

    /** The client every webhook sink shares: no redirects, the configured connect timeout. */
    static HttpClient client(Duration timeout) {
        return HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(timeout)
                .version(HttpClient.Version.HTTP_1_1).build();
    }

    @Override
    public String id() {
        return "webhook:" + subscription.id();
    }

    WebhookSubscription subscription() {
        return subscription;
    }

    @Override
    public boolean accepts(AuditEvent event) {
        Set<String> types = subscription.events();
        return types.isEmpty() || types.contains(event.type().wireName());
    }

    @Override
    public int deliver(List<AuditEvent> events, Instant deadline) throws DeliveryFailure {
        for (int i = 0; i < events.size(); i++) {
            if (i > 0 && clock.instant().isAfter(deadline)) {
                return i;
            }
            send(events.get(i), i);
        }
        return events.size();
    }

    private void send(AuditEvent e, int index) throws DeliveryFailure {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("type", e.type().wireName());
        payload.put("timestamp", e.occurredAt().toString());
        payload.put("data", EventJson.view(e));
        String body = json.writeValueAsString(payload);
        long ts = clock.instant().getEpochSecond();
        HttpRequest request = HttpRequest.newBuilder(URI.create(subscription.url())).timeout(timeout)
                .header("Content-Type", "application/json")
                .header("webhook-id", e.id())
                .header("webhook-timestamp", Long.toString(ts))
                .header("webhook-signature", signer.sign(e.id(), ts, body))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<Void> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.discarding());
        } catch (HttpTimeoutException x) {
            throw new DeliveryFailure(index, "no answer within " + timeout);
        } catch (IOException x) {
            throw new DeliveryFailure(index, "cannot reach the receiver: " + x.getClass().getSimpleName()
                    + (x.getMessage() == null ? "" : " " + ExportCursors.clip(x.getMessage())));
        } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
            throw new DeliveryFailure(index, "interrupted");
        }
        int status = response.statusCode();
        if (status < 200 || status > 299) {
            throw new DeliveryFailure(index, "the receiver answered HTTP " + status
                    + (status >= 300 && status < 400 ? " (redirects are not followed)" : ""));
        }
    }

    @Override
    public void close() {
        // the HttpClient is shared
    }
}
