// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.database;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/**
 * The queue behind {@link GroupCommit} and {@link GroupRead}: what arrives while {@code maxInFlight} batches are
 * running waits, and goes with up to {@code maxBatch - 1} others into the next batch as soon as one finishes. With
 * fewer batches running, an arrival starts one at once, alone: nothing waits for company.
 *
 * <p>{@code run} does a batch's work and emits what answers its requests; that answer runs only after the batch's slot
 * is free and the requests queued meanwhile have been started, so a caller holding its answer finds no finished
 * batch still counted in flight: a read retried at once after a timeout starts its own batch at once, on the
 * caller's thread (this race made {@code GroupReadTest} flaky).
 *
 * @param <P> a pending request; {@code run} must answer every request of its batch, also when it fails
 */
final class Batches<P> {

    private final Function<List<P>, Mono<Runnable>> run;
    private final int maxBatch;
    private final int maxInFlight;
    private final Queue<P> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();

    Batches(Function<List<P>, Mono<Runnable>> run, int maxBatch, int maxInFlight) {
        this.run = Objects.requireNonNull(run, "run cannot be null");
        if (maxBatch < 1 || maxInFlight < 1) {
            throw new IllegalArgumentException("maxBatch and maxInFlight must be positive");
        }
        this.maxBatch = maxBatch;
        this.maxInFlight = maxInFlight;
    }

    void add(P pending) {
        queue.add(Objects.requireNonNull(pending, "pending cannot be null"));
        drain();
    }

    private void drain() {
        while (!queue.isEmpty()) {
            int n = inFlight.get();
            if (n >= maxInFlight) {
                return; // the finishing batch drains again
            }
            if (!inFlight.compareAndSet(n, n + 1)) {
                continue;
            }
            List<P> batch = new ArrayList<>(Math.min(maxBatch, 16));
            for (P p; batch.size() < maxBatch && (p = queue.poll()) != null; ) {
                batch.add(p);
            }
            if (batch.isEmpty()) {
                inFlight.decrementAndGet();
                continue;
            }
            Mono.defer(() -> run.apply(batch))
                    .defaultIfEmpty(() -> { })
                    .subscribe(answer -> {
                        inFlight.decrementAndGet();
                        // what queued meanwhile starts first; after the answer, an arrival drains for itself
                        try {
                            drain();
                        } finally {
                            answer.run();
                        }
                    }, error -> {
                        // run answers its requests itself; this is a bug in run, never a database error
                        inFlight.decrementAndGet();
                        drain();
                    });
        }
    }
}
