// SPDX-License-Identifier: Apache-2.0
package io.segura.broker;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A round of background work per tick, one round at a time (ticks that come while one runs are dropped); a failed
 * round is reported and the next tick tries again. {@link #stop} ends it gracefully: no round starts after it, and
 * it waits (up to {@link #GRACE}) for the round in flight to finish before cancelling it. Cancelling a round in the
 * middle of a query — what disposing the loop did — left the PostgreSQL driver a reply to read for a subscriber that
 * was gone while the shutdown closed the pool under it, and Netty reported that reply's buffer as leaked.
 */
public final class BackgroundLoop {

    /** How long {@link #stop} waits for the round in flight. */
    public static final Duration GRACE = Duration.ofSeconds(10);

    private final Sinks.Empty<Void> stopping = Sinks.empty();
    private final CountDownLatch done = new CountDownLatch(1);
    private final Disposable subscription;

    private <T> BackgroundLoop(Publisher<T> ticks, Function<T, Mono<?>> round, Consumer<Throwable> failed) {
        subscription = Flux.from(ticks)
                .takeUntilOther(stopping.asMono())
                .onBackpressureDrop()
                .concatMap(tick -> Mono.defer(() -> round.apply(tick)).onErrorResume(e -> {
                    failed.accept(e);
                    return Mono.empty();
                }), 1)
                .doFinally(signal -> done.countDown())
                .subscribe(x -> {
                }, failed);
    }

    /** Starts the loop: {@code round} on each of {@code ticks}, {@code failed} told of each round that failed. */
    public static <T> BackgroundLoop start(Publisher<T> ticks, Function<T, Mono<?>> round, Consumer<Throwable> failed) {
        Objects.requireNonNull(ticks, "ticks cannot be null");
        Objects.requireNonNull(round, "round cannot be null");
        Objects.requireNonNull(failed, "failed cannot be null");
        return new BackgroundLoop(ticks, round, failed);
    }

    /** No new round; waits for the one in flight (at most {@link #GRACE}), then cancels what is left. */
    public void stop() {
        stopping.tryEmitEmpty();
        try {
            if (!done.await(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                subscription.dispose();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            subscription.dispose();
        }
    }

    /** Whether rounds may still run: not stopped, or stopped with its last round still finishing. */
    public boolean isRunning() {
        return done.getCount() > 0 && !subscription.isDisposed();
    }
}
