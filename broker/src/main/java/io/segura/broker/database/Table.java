// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.database;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A table that rows are inserted into by {@link WriteStatements} (alone, in the caller's transaction) or by {@link GroupCommit}
 * (many requests' rows in one multi-row INSERT). The column types bind a {@code null}.
 *
 * @param keepExisting rows whose first column (the primary key) already exists are left as they are
 *                     ({@code ON CONFLICT DO NOTHING}, the form H2 takes too), and rows with the same key in one
 *                     statement are written once: for facts that many requests share and none changes, such as a
 *                     run context's description
 * @param tallyKey     for a tally ({@link #tally}), how many leading columns form its primary key; 0 otherwise
 */
public record Table(String name, List<Column> columns, boolean keepExisting, int tallyKey) {

    /** How a tally's column takes a new row's value for a key it already holds. */
    public enum Merge {
        /** a key column, or a column of a plain table */
        NONE,
        /** {@code c = c + new} */
        SUM,
        /** {@code c = LEAST(c, new)} */
        MIN,
        /** {@code c = GREATEST(c, new)} */
        MAX
    }

    public record Column(String name, Class<?> type, Merge merge) {
        public Column {
            Objects.requireNonNull(name, "name cannot be null");
            Objects.requireNonNull(type, "type cannot be null");
            Objects.requireNonNull(merge, "merge cannot be null");
        }
    }

    public Table {
        Objects.requireNonNull(name, "name cannot be null");
        columns = List.copyOf(columns);
        if (columns.isEmpty()) {
            throw new IllegalArgumentException("table " + name + " needs columns");
        }
        if (tallyKey < 0 || tallyKey >= columns.size() || tallyKey > 0 && keepExisting) {
            throw new IllegalArgumentException("table " + name + ": a tally has a key and values, and merges them");
        }
    }

    /** {@code Table.of("t", "a", String.class, "b", Long.class)}. */
    public static Table of(String name, Object... nameTypePairs) {
        if (nameTypePairs.length % 2 != 0) {
            throw new IllegalArgumentException("columns come as name, type pairs");
        }
        List<Column> columns = new ArrayList<>();
        for (int i = 0; i < nameTypePairs.length; i += 2) {
            columns.add(new Column((String) nameTypePairs[i], (Class<?>) nameTypePairs[i + 1], Merge.NONE));
        }
        return new Table(name, columns, false, 0);
    }

    /** As {@link #of}, for a table of shared facts keyed by its first column ({@link #keepExisting}). */
    public static Table keepingExisting(String name, Object... nameTypePairs) {
        Table t = of(name, nameTypePairs);
        return new Table(t.name(), t.columns(), true, 0);
    }

    /**
     * A table of running totals: its first {@code keyColumns} columns are its primary key, and a row whose key exists
     * is merged into it column by column ({@code merges}, one per value column) instead of inserted: counts are added,
     * first and last times kept. Rows of one key in one batch are merged before they are written, and a batch writes
     * its keys in sorted order, so two batches touching the same keys wait for each other instead of deadlocking.
     * {@code Table.tally("t", 2, List.of(Merge.SUM), "k1", String.class, "k2", Integer.class, "n", Integer.class)}.
     */
    public static Table tally(String name, int keyColumns, List<Merge> merges, Object... nameTypePairs) {
        Table t = of(name, nameTypePairs);
        if (keyColumns < 1 || merges.size() != t.columns().size() - keyColumns || merges.contains(Merge.NONE)) {
            throw new IllegalArgumentException("tally " + name + ": one merge per value column");
        }
        List<Column> columns = new ArrayList<>(t.columns().subList(0, keyColumns));
        for (int i = 0; i < merges.size(); i++) {
            Column c = t.columns().get(keyColumns + i);
            if (merges.get(i) == Merge.SUM && c.type() != Integer.class) {
                throw new IllegalArgumentException("tally " + name + ": " + c.name() + " sums integers");
            }
            columns.add(new Column(c.name(), c.type(), merges.get(i)));
        }
        return new Table(name, columns, false, keyColumns);
    }

    public boolean isTally() {
        return tallyKey > 0;
    }

    /** One row, its values in column order; a value is null or of its column's type. */
    public Row row(Object... values) {
        if (values.length != columns.size()) {
            throw new IllegalArgumentException(name + " has " + columns.size() + " columns, got " + values.length
                    + " values");
        }
        for (int i = 0; i < values.length; i++) {
            Column c = columns.get(i);
            if (values[i] != null && !c.type().isInstance(values[i])) {
                throw new IllegalArgumentException(name + "." + c.name() + " is " + c.type().getSimpleName()
                        + ", got " + values[i].getClass().getSimpleName());
            }
        }
        return new Row(this, Collections.unmodifiableList(Arrays.asList(values.clone())));
    }

    /** A row to insert; {@code values} may hold nulls. */
    public record Row(Table table, List<Object> values) {
    }
}
