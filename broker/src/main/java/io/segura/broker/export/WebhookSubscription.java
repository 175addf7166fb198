// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.export;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/** A registered webhook: where to POST, which event types (empty: all), and where its signing secret is sealed. */
public record WebhookSubscription(String id, String url, Set<String> events, String secretPath, Instant createdAt) {

    public WebhookSubscription {
        Objects.requireNonNull(id, "id cannot be null");
        Objects.requireNonNull(url, "url cannot be null");
        events = Set.copyOf(events);
    }
}
