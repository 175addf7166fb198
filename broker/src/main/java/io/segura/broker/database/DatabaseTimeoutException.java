// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.database;

import java.time.Duration;

/**
 * The database did not answer a conversation in time: a stalled connection, a frozen server, a lock held elsewhere.
 * The caller gets a 503 with {@code Retry-After}; what the conversation wrote was not committed by the broker (it
 * never sent the commit, or gave up waiting for its answer — the one case where the write may still have landed).
 */
public final class DatabaseTimeoutException extends RuntimeException {

    public DatabaseTimeoutException(Duration waited) {
        super("the database did not answer within " + waited.toMillis() + " ms", null, false, false);
    }
}
