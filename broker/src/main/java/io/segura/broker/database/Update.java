// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.database;

import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * {@code UPDATE table SET … WHERE keyColumn = :key AND (guard)}, which must touch exactly {@code expectedRows} rows:
 * the last check of what a request read before it wrote. A lease counts itself on its session only while the session
 * is not revoked, so it can never commit after its session's revocation did; a revocation ends exactly the leases it
 * read as open, or none. {@link GroupCommit} runs the updates of one shape for a whole batch as one statement.
 *
 * @param guard      a fixed SQL condition without parameters (e.g. {@code revoked_at IS NULL})
 * @param whenMissed the request's error when, committed alone, it did not touch {@code expectedRows} rows
 */
public record Update(String table, String keyColumn, String key, List<Assignment> set, List<Match> match,
                     String guard, int expectedRows, Supplier<? extends RuntimeException> whenMissed) {

    /** {@code AND column = value} for this key: what the request read, e.g. how many leases the session had. */
    public record Match(String column, Object value) {
        public Match {
            Objects.requireNonNull(column, "column cannot be null");
            Objects.requireNonNull(value, "value cannot be null");
        }
    }

    /** {@code column = value}, or {@code column = column + value} when {@code add}. */
    public record Assignment(String column, Object value, boolean add) {
        public Assignment {
            Objects.requireNonNull(column, "column cannot be null");
            Objects.requireNonNull(value, "value cannot be null");
        }
    }

    public Update {
        Objects.requireNonNull(table, "table cannot be null");
        Objects.requireNonNull(keyColumn, "keyColumn cannot be null");
        Objects.requireNonNull(key, "key cannot be null");
        set = List.copyOf(set);
        match = List.copyOf(match);
        Objects.requireNonNull(guard, "guard cannot be null");
        Objects.requireNonNull(whenMissed, "whenMissed cannot be null");
        if (set.isEmpty() || expectedRows < 0) {
            throw new IllegalArgumentException("an update sets at least one column and expects >= 0 rows");
        }
        if (!match.isEmpty() && set.stream().anyMatch(Assignment::add)) {
            throw new IllegalArgumentException("additive updates are merged per key and cannot match values");
        }
    }

    /** {@code column = column + 1} on the one row with that key. */
    public static Update increment(String table, String column, String keyColumn, String key, String guard,
            Supplier<? extends RuntimeException> whenMissed) {
        return new Update(table, keyColumn, key, List.of(new Assignment(column, 1, true)), List.of(), guard, 1,
                whenMissed);
    }

    /** Only additive updates of one key can be merged (their values summed) into one statement. */
    boolean additive() {
        return set.stream().allMatch(Assignment::add);
    }

    /** Updates of the same shape share one statement. */
    String shape() {
        return table + "\u0000" + keyColumn + "\u0000" + guard + "\u0000"
                + set.stream().map(a -> a.column() + (a.add() ? "+" : "=")).collect(Collectors.joining(",")) + "\u0000"
                + match.stream().map(Match::column).collect(Collectors.joining(","));
    }
}
