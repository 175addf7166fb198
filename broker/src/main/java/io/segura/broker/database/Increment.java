// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.database;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * {@code UPDATE table SET column = column + 1 WHERE key = :key AND (guard)}, which must find its row: a lease counts
 * itself on its session only while the session is not revoked, so a lease can never commit after its session's
 * revocation did, whatever the order the two requests were read in.
 *
 * @param guard      a fixed SQL condition without parameters (e.g. {@code revoked_at IS NULL})
 * @param whenMissed the error for the request when the row is gone or the guard fails
 */
public record Increment(String table, String column, String keyColumn, String key, String guard,
                        Supplier<? extends RuntimeException> whenMissed) {

    public Increment {
        Objects.requireNonNull(table, "table cannot be null");
        Objects.requireNonNull(column, "column cannot be null");
        Objects.requireNonNull(keyColumn, "keyColumn cannot be null");
        Objects.requireNonNull(key, "key cannot be null");
        Objects.requireNonNull(guard, "guard cannot be null");
        Objects.requireNonNull(whenMissed, "whenMissed cannot be null");
    }

    /** Increments of the same counter can share one statement. */
    String statementKey() {
        return table + "\u0000" + column + "\u0000" + keyColumn + "\u0000" + guard;
    }
}
