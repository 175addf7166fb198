// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.database;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;

/** The rows of a {@link Table#tally} that one batch writes: one per key, merged, in key order. */
final class Tallies {

    private Tallies() {
    }

    /**
     * One row per key, its values merged as the table says; sorted by key, so that every batch takes the row locks of
     * the keys it shares with another batch in the same order (the other waits rather than deadlocks).
     */
    static List<Table.Row> merged(List<Table.Row> rows) {
        if (rows.size() == 1) {
            return rows;
        }
        Table table = rows.get(0).table();
        int key = table.tallyKey();
        TreeMap<List<Object>, Object[]> byKey = new TreeMap<>(Tallies::compareKeys);
        for (Table.Row row : rows) {
            List<Object> values = row.values();
            Object[] seen = byKey.get(values.subList(0, key));
            if (seen == null) {
                byKey.put(values.subList(0, key), values.toArray());
                continue;
            }
            for (int c = key; c < seen.length; c++) {
                seen[c] = merge(table.columns().get(c).merge(), seen[c], values.get(c));
            }
        }
        List<Table.Row> out = new ArrayList<>(byKey.size());
        byKey.values().forEach(v -> out.add(table.row(v)));
        return out;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object merge(Table.Merge merge, Object old, Object fresh) {
        if (old == null || fresh == null) {
            return old == null ? fresh : old;
        }
        int order = ((Comparable) old).compareTo(fresh);
        return switch (merge) {
            case SUM -> (Integer) old + (Integer) fresh;
            case MIN -> order <= 0 ? old : fresh;
            case MAX -> order >= 0 ? old : fresh;
            case NONE -> throw new IllegalStateException("a tally's value column merges");
        };
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int compareKeys(List<Object> a, List<Object> b) {
        for (int i = 0; i < a.size(); i++) {
            int c = Comparator.nullsFirst((Comparator<Comparable>) Comparator.<Comparable>naturalOrder())
                    .compare((Comparable) a.get(i), (Comparable) b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }
}
