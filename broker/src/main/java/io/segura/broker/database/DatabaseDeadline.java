// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.database;

import java.time.Duration;
import java.util.Objects;
import reactor.core.publisher.Mono;

/**
 * How long the broker waits for one batched database conversation (a {@link GroupCommit} transaction, a
 * {@link GroupRead} query). Without it a conversation on a stalled connection would hold its batch slot for as long as
 * TCP takes to notice (hours), and every later request would queue behind it: bounded, the slot is freed and the
 * requests of the batch are answered 503.
 *
 * <p>It is the database timeout plus one second, so that PostgreSQL's own {@code lock_timeout} (the database timeout,
 * set on every connection by {@link DatabaseConfiguration}) answers first when the server is alive but blocked.
 */
public record DatabaseDeadline(Duration limit) {

    public DatabaseDeadline {
        Objects.requireNonNull(limit, "limit cannot be null");
        if (limit.isNegative() || limit.isZero()) {
            throw new IllegalArgumentException("limit must be positive");
        }
    }

    /** The deadline for a broker whose database timeout is {@code databaseTimeout}. */
    public static DatabaseDeadline after(Duration databaseTimeout) {
        return new DatabaseDeadline(databaseTimeout.plusSeconds(1));
    }

    /**
     * {@code work}, failing with {@link DatabaseTimeoutException} when it has not completed in time; cancelling it
     * rolls back a transaction the broker had not yet committed.
     */
    public <T> Mono<T> bound(Mono<T> work) {
        return work.timeout(limit, Mono.error(() -> new DatabaseTimeoutException(limit)));
    }
}
