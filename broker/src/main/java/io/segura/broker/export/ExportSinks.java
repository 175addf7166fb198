// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.export;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.databind.json.JsonMapper;

/**
 * The sinks a delivery round serves: the syslog sinks of the trust config (fixed for the process) and one webhook
 * sink per subscription, re-read every round so a subscription registered on another replica is served here too.
 */
final class ExportSinks {

    private static final Logger log = LoggerFactory.getLogger(ExportSinks.class);

    private final List<Sink> fixed;
    private final WebhookSubscriptions webhooks;
    private final ConnectionProvider pool;
    private final HttpClient http;
    private final Duration timeout;
    private final JsonMapper json;
    private final Clock clock;
    private final Map<String, WebhookSink> hooks = new ConcurrentHashMap<>();

    ExportSinks(List<Sink> fixed, WebhookSubscriptions webhooks, Duration timeout, JsonMapper json, Clock clock) {
        this.fixed = List.copyOf(fixed);
        this.webhooks = Objects.requireNonNull(webhooks, "webhooks cannot be null");
        this.timeout = Objects.requireNonNull(timeout, "timeout cannot be null");
        this.pool = WebhookSink.pool(timeout);
        this.http = WebhookSink.client(pool, timeout);
        this.json = Objects.requireNonNull(json, "json cannot be null");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    }

    /** Every sink now: the fixed ones and the current subscriptions (a subscription whose secret is unreadable is skipped). */
    Mono<List<Sink>> current() {
        return webhooks.list().concatMap(s -> {
            WebhookSink known = hooks.get(s.id());
            if (known != null) {
                return Mono.just(known);
            }
            return webhooks.secret(s).map(secret -> {
                WebhookSink sink = new WebhookSink(s, secret, http, timeout, json, clock);
                hooks.put(s.id(), sink);
                return sink;
            }).onErrorResume(e -> {
                log.warn("webhook {}: cannot read its signing secret, not delivering: {}", s.id(),
                        e.getClass().getSimpleName());
                return Mono.empty();
            });
        }).collectList().map(live -> {
            hooks.keySet().retainAll(live.stream().map(w -> w.subscription().id()).toList());
            List<Sink> all = new ArrayList<>(fixed);
            all.addAll(live);
            return all;
        });
    }

    /** A sink by its id, for a dead letter's replay. */
    Mono<Sink> find(String id) {
        return current().flatMap(list -> Mono.justOrEmpty(list.stream().filter(s -> s.id().equals(id)).findFirst()));
    }

    List<Sink> fixed() {
        return fixed;
    }

    void close() {
        fixed.forEach(Sink::close);
        pool.dispose();
    }
}
