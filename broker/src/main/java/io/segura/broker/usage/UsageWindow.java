// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.usage;

import java.time.Instant;
import java.util.Objects;

/** The half-open time range {@code [since, until)} a usage view counts in. */
public record UsageWindow(Instant since, Instant until) {

    public UsageWindow {
        Objects.requireNonNull(since, "since cannot be null");
        Objects.requireNonNull(until, "until cannot be null");
        if (!since.isBefore(until)) {
            throw new IllegalArgumentException("since must be before until");
        }
    }
}
