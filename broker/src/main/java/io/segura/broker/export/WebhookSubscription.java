// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.export;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * A registered webhook: where to POST, which event types (empty: all), how many events one POST carries (1: each
 * event is its own Standard Webhooks message; more: a {@value WebhookSink#BATCH_TYPE} message of up to that many), and
 * where its signing secret is sealed.
 */
public record WebhookSubscription(String id, String url, Set<String> events, int batchSize, String secretPath,
        Instant createdAt) {

    /** The most events one POST may carry. */
    public static final int MAX_BATCH_SIZE = 500;

    public WebhookSubscription {
        Objects.requireNonNull(id, "id cannot be null");
        Objects.requireNonNull(url, "url cannot be null");
        events = Set.copyOf(events);
        if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
            throw new IllegalArgumentException("batchSize must be 1.." + MAX_BATCH_SIZE);
        }
    }
}
