// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.export;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Mono;

/**
 * The outbox's meters, per sink: {@code segura_export_queue_depth} (linked events after the cursor),
 * {@code segura_export_oldest_age_seconds} (how long the next undelivered event has waited), and the counters
 * {@code segura_export_delivered_total}, {@code segura_export_failures_total} and
 * {@code segura_export_dead_letters_total}. The gauges are refreshed after each delivery round from one query.
 */
final class ExportMetrics {

    private final MeterRegistry registry;
    private final DatabaseClient db;
    private final Clock clock;
    private final Map<String, long[]> gauges = new ConcurrentHashMap<>();
    private final AtomicLong head = new AtomicLong();

    ExportMetrics(MeterRegistry registry, DatabaseClient db, Clock clock) {
        this.registry = Objects.requireNonNull(registry, "registry cannot be null");
        this.db = Objects.requireNonNull(db, "db cannot be null");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    }

    void delivered(String sink, int n) {
        if (n > 0) {
            registry.counter("segura.export.delivered", "sink", sink).increment(n);
        }
    }

    void failed(String sink) {
        registry.counter("segura.export.failures", "sink", sink).increment();
    }

    void deadLettered(String sink) {
        registry.counter("segura.export.dead.letters", "sink", sink).increment();
    }

    /** Reads every cursor with the time of the event after it (positions are dense: that is chain_pos + 1). */
    Mono<Void> refresh(List<Sink> sinks) {
        return db.sql("SELECT chain_pos FROM audit_chain_head WHERE id = 1").map(r -> r.get("chain_pos", Long.class))
                .one().doOnNext(head::set)
                .thenMany(db.sql("SELECT c.sink, c.chain_pos, e.occurred_at FROM export_cursors c "
                                + "LEFT JOIN audit_links l ON l.chain_pos = c.chain_pos + 1 "
                                + "LEFT JOIN audit_events e ON e.seq = l.seq")
                        .map(r -> new Object[] {r.get("sink", String.class), r.get("chain_pos", Long.class),
                                r.get("occurred_at", OffsetDateTime.class)}).all())
                .doOnNext(r -> {
                    String sink = (String) r[0];
                    if (sinks.stream().noneMatch(s -> s.id().equals(sink))) {
                        return;
                    }
                    long[] g = gauge(sink);
                    g[0] = Math.max(0, head.get() - (Long) r[1]);
                    OffsetDateTime next = (OffsetDateTime) r[2];
                    g[1] = next == null ? 0 : Math.max(0, clock.millis() - next.toInstant().toEpochMilli());
                })
                .then();
    }

    private long[] gauge(String sink) {
        return gauges.computeIfAbsent(sink, s -> {
            long[] g = new long[2];
            Gauge.builder("segura.export.queue.depth", g, a -> a[0]).tag("sink", s)
                    .description("linked audit events not yet delivered to the sink").register(registry);
            TimeGauge.builder("segura.export.oldest.age", g, TimeUnit.MILLISECONDS, a -> a[1]).tag("sink", s)
                    .description("how long the oldest undelivered event has waited").register(registry);
            return g;
        });
    }

    /** The last refreshed depth of a sink (tests, admin views). */
    long depth(String sink) {
        long[] g = gauges.get(sink);
        return g == null ? 0 : g[0];
    }
}
