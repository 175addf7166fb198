// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.admin;

import io.segura.broker.Refusal;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The scanner deliveries accepted within {@link WebhookSignature#WINDOW}, by MAC: a correctly signed delivery
 * presented again while its timestamp is still fresh is a replay. The MAC covers the timestamp, so a delivery can only
 * be replayed until its timestamp goes stale; an entry is kept exactly that long.
 *
 * <p>In memory, per replica: behind a load balancer a replay that reaches another replica within the window is not
 * caught (the stale-timestamp check still bounds it to {@link WebhookSignature#WINDOW}). Only deliveries whose MAC
 * verified get in, so filling the cache takes the shared secret; it is bounded anyway.
 */
public final class WebhookReplayCache {

    /** Far above any scanner's rate for five minutes; reaching it answers 429 rather than growing. */
    static final int MAX_ENTRIES = 100_000;
    private static final Duration FULL_RETRY = Duration.ofSeconds(30);

    private final Clock clock;
    /** MAC (lower-case hex) → the epoch second after which its timestamp is stale. */
    private final Map<String, Long> accepted = new ConcurrentHashMap<>();
    private volatile long lastSweep = Long.MIN_VALUE;

    public WebhookReplayCache(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    }

    /**
     * Records {@code delivery} as accepted.
     *
     * @throws Refusal unauthenticated {@code webhook-replayed} when it was already accepted within its window, throttled (429) when the
     *                      cache is full
     */
    public void claim(WebhookSignature.Delivery delivery) {
        long now = clock.instant().getEpochSecond();
        if (now != lastSweep) {
            // At most once a second: an entry whose timestamp went stale can no longer be replayed past the window.
            lastSweep = now;
            accepted.values().removeIf(until -> until < now);
        }
        if (accepted.size() >= MAX_ENTRIES) {
            throw Refusal.throttled("rate-limited", "too many webhook deliveries in the last "
                    + WebhookSignature.WINDOW.toMinutes() + " minutes; retry later", FULL_RETRY);
        }
        if (accepted.putIfAbsent(delivery.mac(), delivery.timestamp() + WebhookSignature.WINDOW.toSeconds()) != null) {
            throw Refusal.unauthenticated("webhook-replayed", "this delivery was "
                    + "already accepted (same " + WebhookSignature.SIGNATURE_HEADER + "): a replay is refused; send a "
                    + "new delivery with a fresh " + WebhookSignature.TIMESTAMP_HEADER);
        }
    }

    /** Forgets a claimed delivery that was then not accepted (a bad body, a database outage), so it may be retried. */
    public void release(WebhookSignature.Delivery delivery) {
        accepted.remove(delivery.mac(), delivery.timestamp() + WebhookSignature.WINDOW.toSeconds());
    }

    /** Deliveries held now (stale ones go at the next claim). */
    int size() {
        return accepted.size();
    }
}
