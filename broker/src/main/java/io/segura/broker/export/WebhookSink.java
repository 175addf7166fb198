// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.export;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.timeout.ReadTimeoutException;
import io.segura.broker.audit.AuditEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReferenceArray;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.databind.json.JsonMapper;

/**
 * One webhook subscription as a sink. With {@code batch_size} 1 (the default) each event is one POST of
 * {@code {"type", "timestamp", "data"}} (the Standard Webhooks payload shape) with {@code webhook-id} = the event id
 * (the receiver's dedupe key: a redelivery carries the same id). With a larger {@code batch_size} one POST carries up
 * to that many events, in chain order, as a {@value #BATCH_TYPE} message whose {@code data.events} holds each event's
 * own {@code {"type", "timestamp", "data"}}; its {@code webhook-id} names the message (first event id and count), so
 * receivers dedupe on each event's {@code data.id}. Every POST carries {@code webhook-timestamp} and
 * {@code webhook-signature}. A 2xx answer delivers; anything else, redirects included (never followed: the
 * subscription's URL is the only place events go), is a failure.
 *
 * <p>Up to {@link #CONCURRENCY} POSTs of a round are in flight at once over kept-alive connections (Reactor Netty on
 * the broker's event loops: no thread hand-off per event, no connection per event). The cursor moves over the longest
 * run of delivered messages from the start of the round; a message delivered after one that failed is sent again
 * with the failed one (a duplicate the receiver drops). So a receiver sees events in roughly, not strictly, chain
 * order (order on {@code data.chain_pos} when it matters).
 */
final class WebhookSink implements Sink {

    /** POSTs in flight per subscription, and pooled connections per receiver address. */
    static final int CONCURRENCY = 8;

    /** The {@code type} of a message carrying several events (a subscription whose {@code batch_size} is over 1). */
    static final String BATCH_TYPE = "segura.events";

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

    /**
     * The connection pool every webhook sink shares: {@link #CONCURRENCY} connections per receiver address, idle ones
     * closed after 20 s (before the usual 30 to 75 s after which servers close them, so a reused connection is rarely
     * one the receiver is closing).
     */
    static ConnectionProvider pool(Duration timeout) {
        return ConnectionProvider.builder("segura-webhooks").maxConnections(CONCURRENCY).pendingAcquireMaxCount(-1)
                .pendingAcquireTimeout(timeout).maxIdleTime(Duration.ofSeconds(20)).build();
    }

    /** The client every webhook sink shares: no redirects, the configured connect and answer timeout. */
    static HttpClient client(ConnectionProvider pool, Duration timeout) {
        return HttpClient.create(pool).followRedirect(false).keepAlive(true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeout.toMillis()).responseTimeout(timeout);
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
        int size = subscription.batchSize();
        int n = events.size();
        int messages = (n + size - 1) / size;
        // per message: null not sent, "" delivered, else why it failed
        AtomicReferenceArray<String> outcome = new AtomicReferenceArray<>(messages);
        AtomicBoolean failed = new AtomicBoolean();
        Flux.range(0, messages).flatMap(i -> {
            // after a failure or past the deadline, start no more (those in flight finish)
            if (failed.get() || i > 0 && clock.instant().isAfter(deadline)) {
                return Mono.empty();
            }
            return post(events.subList(i * size, Math.min(n, (i + 1) * size)))
                    .doOnSuccess(v -> outcome.set(i, "")).onErrorResume(e -> {
                        outcome.set(i, describe(e));
                        failed.set(true);
                        return Mono.empty();
                    });
        }, CONCURRENCY).then().block();
        for (int i = 0; i < messages; i++) {
            String o = outcome.get(i);
            if (o == null) {
                return i * size; // not sent: the deadline passed (messages are started in order, none failed before)
            }
            if (!o.isEmpty()) {
                throw new DeliveryFailure(i * size, o);
            }
        }
        return n;
    }

    /** One event as a Standard Webhooks payload: alone in a POST, or one of a batch message's {@code data.events}. */
    private static Map<String, Object> message(AuditEvent e) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("type", e.type().wireName());
        payload.put("timestamp", e.occurredAt().toString());
        payload.put("data", EventJson.view(e));
        return payload;
    }

    private Mono<Void> post(List<AuditEvent> events) {
        String id;
        Map<String, Object> payload;
        if (subscription.batchSize() == 1) {
            id = events.get(0).id();
            payload = message(events.get(0));
        } else {
            // the same events give the same id and body, so a redelivered batch is recognisably the same message
            id = "batch_" + events.get(0).id() + "_" + events.size();
            payload = new LinkedHashMap<>();
            payload.put("type", BATCH_TYPE);
            payload.put("timestamp", events.get(events.size() - 1).occurredAt().toString());
            payload.put("data", Map.of("events", events.stream().map(WebhookSink::message).toList()));
        }
        byte[] body = json.writeValueAsBytes(payload);
        long ts = clock.instant().getEpochSecond();
        String signature = signer.sign(id, ts, body);
        return http.headers(h -> h.set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                        .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
                        .set("webhook-id", id)
                        .set("webhook-timestamp", Long.toString(ts))
                        .set("webhook-signature", signature))
                .post().uri(subscription.url()).send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(body)))
                // the answer's body is read and released, so the connection goes back to the pool
                .responseSingle((response, content) -> content.then(Mono.just(response.status().code())))
                .timeout(timeout)
                .flatMap(status -> status >= 200 && status <= 299 ? Mono.<Void>empty()
                        : Mono.error(new Refused(status)));
    }

    /** A non-2xx answer. */
    private static final class Refused extends RuntimeException {
        private final int status;

        Refused(int status) {
            super(null, null, false, false);
            this.status = status;
        }
    }

    private String describe(Throwable e) {
        if (e instanceof Refused r) {
            return "the receiver answered HTTP " + r.status
                    + (r.status >= 300 && r.status < 400 ? " (redirects are not followed)" : "");
        }
        if (e instanceof TimeoutException || e instanceof ReadTimeoutException) {
            return "no answer within " + timeout;
        }
        return "cannot reach the receiver: " + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : " " + ExportCursors.clip(e.getMessage()));
    }

    @Override
    public void close() {
        // the HttpClient and its connections are shared (ExportSinks closes them)
    }
}
