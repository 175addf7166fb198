// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.exchange;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets per key (client IP or token subject) for {@code /oauth2/token}. State is per broker replica by
 * design (DESIGN §15): a replicated limit would put the database on the hot path.
 */
public final class RateLimiter {

    private static final int MAX_KEYS = 100_000;

    private final double ratePerSecond;
    private final double burst;
    private final Clock clock;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    /**
     * @param ratePerSecond sustained rate
     * @param burst         bucket size: requests allowed at once after a quiet period
     */
    public RateLimiter(double ratePerSecond, double burst, Clock clock) {
        if (ratePerSecond <= 0 || burst < 1) {
            throw new IllegalArgumentException("rate must be > 0 and burst >= 1");
        }
        this.ratePerSecond = ratePerSecond;
        this.burst = burst;
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    }

    /**
     * Takes one token for {@code key}.
     *
     * @return empty when allowed, else how long until a token is available (for {@code Retry-After})
     */
    public Optional<Duration> acquire(String key) {
        long nowNanos = clock.millis() * 1_000_000L;
        if (buckets.size() > MAX_KEYS) {
            evictIdle(nowNanos);
        }
        Bucket bucket = buckets.computeIfAbsent(key, k -> new Bucket(burst, nowNanos));
        synchronized (bucket) {
            double elapsed = (nowNanos - bucket.updatedNanos) / 1e9;
            bucket.tokens = Math.min(burst, bucket.tokens + elapsed * ratePerSecond);
            bucket.updatedNanos = nowNanos;
            if (bucket.tokens >= 1) {
                bucket.tokens -= 1;
                return Optional.empty();
            }
            double wait = (1 - bucket.tokens) / ratePerSecond;
            return Optional.of(Duration.ofMillis((long) Math.ceil(wait * 1000)));
        }
    }

    private void evictIdle(long nowNanos) {
        // A bucket refilled to full carries no information; dropping it is equivalent to keeping it.
        buckets.entrySet().removeIf(e -> (nowNanos - e.getValue().updatedNanos) / 1e9 * ratePerSecond >= burst);
    }

    private static final class Bucket {
        double tokens;
        long updatedNanos;

        Bucket(double tokens, long updatedNanos) {
            this.tokens = tokens;
            this.updatedNanos = updatedNanos;
        }
    }
}
