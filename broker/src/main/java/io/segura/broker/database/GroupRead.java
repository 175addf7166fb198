// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.database;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * The reading counterpart of {@link GroupCommit}: reads by key that arrive while earlier ones are running share the
 * next query ({@code … WHERE key IN (…)}) instead of paying a round trip and an autocommit each, which cost
 * PostgreSQL several times the statement's own execution (docs/PERFORMANCE.md, "Session 4"). A lone read does not wait
 * for company: with nothing in flight it runs at once. Each read still sees committed data only, as a read of its own
 * would; a failed query, or one not answered within the {@link DatabaseDeadline}, fails every read it held.
 *
 * @param <K> the key (a token hash)
 * @param <V> what is read for a key; a key without a row completes empty
 */
public final class GroupRead<K, V> {

    private final Function<List<K>, Mono<Map<K, V>>> query;
    private final DatabaseDeadline deadline;
    private final Batches<Pending<K, V>> batches;

    /**
     * @param query       reads the distinct keys given, answering what it found by key
     * @param maxBatch    reads per query
     * @param maxInFlight queries in flight at once, each on its own pooled connection
     * @param deadline    how long one query may take before its reads fail with a timeout
     */
    public GroupRead(Function<List<K>, Mono<Map<K, V>>> query, int maxBatch, int maxInFlight,
            DatabaseDeadline deadline) {
        this.query = Objects.requireNonNull(query, "query cannot be null");
        this.deadline = Objects.requireNonNull(deadline, "deadline cannot be null");
        this.batches = new Batches<>(this::run, maxBatch, maxInFlight);
    }

    /** What is stored for {@code key}, or empty. */
    public Mono<V> read(K key) {
        Objects.requireNonNull(key, "key cannot be null");
        return Mono.create(sink -> batches.add(new Pending<>(key, sink)));
    }

    private Mono<Runnable> run(List<Pending<K, V>> pending) {
        // the same key twice (two revocations of one token) is read once and answered to both
        Map<K, List<MonoSink<V>>> batch = new LinkedHashMap<>();
        pending.forEach(p -> batch.computeIfAbsent(p.key(), k -> new ArrayList<>(1)).add(p.sink()));
        return deadline.bound(Mono.defer(() -> query.apply(List.copyOf(batch.keySet()))))
                .defaultIfEmpty(Map.of())
                .<Runnable>map(found -> () -> batch.forEach((key, sinks) -> {
                    V value = found.get(key);
                    sinks.forEach(sink -> {
                        if (value == null) {
                            sink.success();
                        } else {
                            sink.success(value);
                        }
                    });
                }))
                .onErrorResume(e -> Mono.just(() -> batch.values()
                        .forEach(sinks -> sinks.forEach(sink -> sink.error(e)))));
    }

    private record Pending<K, V>(K key, MonoSink<V> sink) {
    }
}
