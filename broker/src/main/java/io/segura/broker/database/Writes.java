// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.database;

import java.util.List;

/** What one request writes atomically: rows to insert (in this order of tables), then guarded updates. */
public record Writes(List<Table.Row> rows, List<Update> updates) {

    public Writes {
        rows = List.copyOf(rows);
        updates = List.copyOf(updates);
    }

    public static Writes of(Table.Row... rows) {
        return new Writes(List.of(rows), List.of());
    }

    public Writes and(Update update) {
        return new Writes(rows, concat(updates, update));
    }

    public Writes and(Table.Row row) {
        return new Writes(concat(rows, row), updates);
    }

    private static <T> List<T> concat(List<T> list, T item) {
        var copy = new java.util.ArrayList<T>(list.size() + 1);
        copy.addAll(list);
        copy.add(item);
        return copy;
    }
}
