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
 */
public record Table(String name, List<Column> columns, boolean keepExisting) {

    public record Column(String name, Class<?> type) {
        public Column {
            Objects.requireNonNull(name, "name cannot be null");
            Objects.requireNonNull(type, "type cannot be null");
        }
    }

    public Table {
        Objects.requireNonNull(name, "name cannot be null");
        columns = List.copyOf(columns);
        if (columns.isEmpty()) {
            throw new IllegalArgumentException("table " + name + " needs columns");
        }
    }

    /** {@code Table.of("t", "a", String.class, "b", Long.class)}. */
    public static Table of(String name, Object... nameTypePairs) {
        if (nameTypePairs.length % 2 != 0) {
            throw new IllegalArgumentException("columns come as name, type pairs");
        }
        List<Column> columns = new ArrayList<>();
        for (int i = 0; i < nameTypePairs.length; i += 2) {
            columns.add(new Column((String) nameTypePairs[i], (Class<?>) nameTypePairs[i + 1]));
        }
        return new Table(name, columns, false);
    }

    /** As {@link #of}, for a table of shared facts keyed by its first column ({@link #keepExisting}). */
    public static Table keepingExisting(String name, Object... nameTypePairs) {
        Table t = of(name, nameTypePairs);
        return new Table(t.name(), t.columns(), true);
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
