// SPDX-License-Identifier: Apache-2.0
package io.segura.client;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How long the client keeps trying when the broker is unreachable or says "later" (connect errors, 429, 503):
 * exponential backoff with jitter, {@code Retry-After} honoured, bounded by attempts and by total time. Decisions
 * (other 4xx) are never retried.
 *
 * @param maxAttempts    attempts in all, the first included
 * @param initialBackoff the first backoff before jitter
 * @param maxBackoff     cap of one backoff (a longer {@code Retry-After} is still honoured within {@code maxTotal})
 * @param maxTotal       the whole budget: a wait that would end after it is not started
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, Duration maxTotal) {

    public static final RetryPolicy DEFAULT =
            new RetryPolicy(5, Duration.ofMillis(250), Duration.ofSeconds(8), Duration.ofSeconds(60));
    public static final RetryPolicy NONE = new RetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ZERO);

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
        Objects.requireNonNull(initialBackoff, "initialBackoff cannot be null");
        Objects.requireNonNull(maxBackoff, "maxBackoff cannot be null");
        Objects.requireNonNull(maxTotal, "maxTotal cannot be null");
    }

    /**
     * The backoff before attempt {@code attempt + 1} (attempt counts from 1): "equal jitter", half fixed and half
     * random, so clients that failed together do not come back together.
     */
    public Duration backoff(int attempt, RandomGenerator random) {
        long base = initialBackoff.toMillis() << Math.min(attempt - 1, 20);
        long capped = Math.min(base, maxBackoff.toMillis());
        long half = capped / 2;
        return Duration.ofMillis(half + (half == 0 ? 0 : random.nextLong(half + 1)));
    }
}
