// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.database;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.Parameter;
import reactor.core.publisher.Mono;

/**
 * Executes {@link Writes} on the caller's R2DBC transaction (when there is one): one multi-row INSERT per table and
 * chunk, then one {@code UPDATE … CASE} per shape of {@link Update}. The SQL uses {@code $n} markers, which both drivers
 * (PostgreSQL, H2) take, and nothing else that H2's PostgreSQL mode lacks, except for a {@link Table#tally}: an
 * upsert, which is {@code INSERT … ON CONFLICT (key) DO UPDATE} on PostgreSQL (safe against a concurrent insert of the
 * same key) and the standard {@code MERGE} on H2 (which has no {@code ON CONFLICT (key)}).
 */
public final class WriteStatements {

    /** Rows per statement: an audit row has 12 columns, so 64 rows stay far below PostgreSQL's 65,535 parameters. */
    static final int CHUNK = 64;

    private final DatabaseClient db;
    private final boolean h2;

    public WriteStatements(DatabaseClient db) {
        this.db = Objects.requireNonNull(db, "db cannot be null");
        this.h2 = db.getConnectionFactory().getMetadata().getName().toLowerCase(java.util.Locale.ROOT).contains("h2");
    }

    /** Inserts every row and applies every update; fails with {@link Missed} when an update's row count is off. */
    public Mono<Void> execute(List<Writes> writes) {
        Map<Table, List<Table.Row>> byTable = new LinkedHashMap<>();
        Map<String, List<Update>> byShape = new LinkedHashMap<>();
        for (Writes w : writes) {
            for (Table.Row row : w.rows()) {
                byTable.computeIfAbsent(row.table(), t -> new ArrayList<>()).add(row);
            }
            for (Update u : w.updates()) {
                byShape.computeIfAbsent(u.shape(), k -> new ArrayList<>()).add(u);
            }
        }
        List<Mono<Void>> statements = new ArrayList<>();
        byTable.forEach((table, all) -> {
            List<Table.Row> rows = table.isTally() ? Tallies.merged(all) : all;
            for (int from = 0; from < rows.size(); from += CHUNK) {
                statements.add(insert(table, rows.subList(from, Math.min(rows.size(), from + CHUNK))));
            }
        });
        byShape.values().forEach(updates -> statements.add(Mono.defer(() -> update(merged(updates)))));
        // All at once: the driver pipelines them on the transaction's connection and PostgreSQL runs them in order,
        // so a batch costs one round trip instead of one per statement. The first failure aborts the transaction.
        return Mono.when(statements);
    }

    public Mono<Void> execute(Writes writes) {
        return execute(List.of(writes));
    }

    private Mono<Void> insert(Table table, List<Table.Row> all) {
        if (table.isTally()) {
            return tally(table, all);
        }
        List<Table.Row> rows = table.keepExisting() ? firstOfEachKey(all) : all;
        int width = table.columns().size();
        StringBuilder sql = new StringBuilder(64 + rows.size() * width * 5).append("INSERT INTO ")
                .append(table.name()).append(" (");
        for (int c = 0; c < width; c++) {
            sql.append(c == 0 ? "" : ", ").append(table.columns().get(c).name());
        }
        sql.append(") VALUES ");
        int marker = 1;
        for (int r = 0; r < rows.size(); r++) {
            sql.append(r == 0 ? "(" : ", (");
            for (int c = 0; c < width; c++) {
                sql.append(c == 0 ? "$" : ", $").append(marker++);
            }
            sql.append(')');
        }
        if (table.keepExisting()) {
            sql.append(" ON CONFLICT DO NOTHING");
        }
        // bindValues, not bind: each bind(…) copies the spec's map, which is quadratic in the 768 values of a batch
        List<Object> values = new ArrayList<>(rows.size() * width);
        for (Table.Row row : rows) {
            for (int c = 0; c < width; c++) {
                Object v = row.values().get(c);
                values.add(v == null ? Parameter.empty(table.columns().get(c).type()) : v);
            }
        }
        int expected = rows.size();
        return db.sql(sql.toString()).bindValues(values).fetch().rowsUpdated().flatMap(n -> n == expected
                || table.keepExisting() && n <= expected ? Mono.<Void>empty()
                : Mono.error(new IllegalStateException("inserted " + n + " of " + expected + " rows into "
                        + table.name())));
    }

    /** One upsert of rows with distinct keys (already {@link Tallies#merged}): each inserted or merged. */
    private Mono<Void> tally(Table table, List<Table.Row> rows) {
        List<Table.Column> columns = table.columns();
        int width = columns.size();
        StringBuilder values = new StringBuilder(rows.size() * width * 5);
        List<Object> binds = new ArrayList<>(rows.size() * width);
        int marker = 1;
        for (int r = 0; r < rows.size(); r++) {
            values.append(r == 0 ? "(" : ", (");
            for (int c = 0; c < width; c++) {
                values.append(c == 0 ? "$" : ", $").append(marker++);
                Object v = rows.get(r).values().get(c);
                binds.add(v == null ? Parameter.empty(columns.get(c).type()) : v);
            }
            values.append(')');
        }
        String names = String.join(", ", columns.stream().map(Table.Column::name).toList());
        StringBuilder sql = new StringBuilder(128 + values.length());
        String t = table.name();
        if (h2) {
            sql.append("MERGE INTO ").append(t).append(" t USING (VALUES ").append(values).append(") AS s (")
                    .append(names).append(") ON ");
            for (int c = 0; c < table.tallyKey(); c++) {
                String n = columns.get(c).name();
                sql.append(c == 0 ? "" : " AND ").append("t.").append(n).append(" = s.").append(n);
            }
            sql.append(" WHEN MATCHED THEN UPDATE SET ");
            mergeAssignments(sql, table, "t.", "s.");
            sql.append(" WHEN NOT MATCHED THEN INSERT (").append(names).append(") VALUES (")
                    .append(String.join(", ", columns.stream().map(c -> "s." + c.name()).toList())).append(')');
        } else {
            sql.append("INSERT INTO ").append(t).append(" (").append(names).append(") VALUES ").append(values)
                    .append(" ON CONFLICT (")
                    .append(String.join(", ", columns.subList(0, table.tallyKey()).stream()
                            .map(Table.Column::name).toList()))
                    .append(") DO UPDATE SET ");
            mergeAssignments(sql, table, t + ".", "EXCLUDED.");
        }
        int expected = rows.size();
        return db.sql(sql.toString()).bindValues(binds).fetch().rowsUpdated().flatMap(n -> n == expected
                ? Mono.<Void>empty()
                : Mono.error(new IllegalStateException("wrote " + n + " of " + expected + " rows into " + t)));
    }

    private static void mergeAssignments(StringBuilder sql, Table table, String old, String fresh) {
        List<Table.Column> columns = table.columns();
        for (int c = table.tallyKey(); c < columns.size(); c++) {
            String n = columns.get(c).name();
            sql.append(c == table.tallyKey() ? "" : ", ").append(n).append(" = ");
            switch (columns.get(c).merge()) {
                case SUM -> sql.append(old).append(n).append(" + ").append(fresh).append(n);
                case MIN -> sql.append("LEAST(").append(old).append(n).append(", ").append(fresh).append(n).append(')');
                case MAX -> sql.append("GREATEST(").append(old).append(n).append(", ").append(fresh).append(n)
                        .append(')');
                case NONE -> throw new IllegalStateException("a tally's value column merges");
            }
        }
    }

    /** Rows with distinct keys (first column), in order: one statement may not insert a key twice. */
    private static List<Table.Row> firstOfEachKey(List<Table.Row> rows) {
        Map<Object, Table.Row> byKey = new LinkedHashMap<>();
        for (Table.Row row : rows) {
            byKey.putIfAbsent(row.values().get(0), row);
        }
        return byKey.size() == rows.size() ? rows : new ArrayList<>(byKey.values());
    }

    /** One update per key: additive updates of the same key are summed; any other key twice is a conflict. */
    private static List<Update> merged(List<Update> updates) {
        Map<String, Update> byKey = new LinkedHashMap<>();
        for (Update u : updates) {
            Update seen = byKey.putIfAbsent(u.key(), u);
            if (seen == null) {
                continue;
            }
            if (!u.additive()) {
                throw new Missed(u.table() + ": the same row twice in one batch", u);
            }
            List<Update.Assignment> sum = new ArrayList<>();
            for (int i = 0; i < u.set().size(); i++) {
                Update.Assignment a = seen.set().get(i);
                sum.add(new Update.Assignment(a.column(), (Integer) a.value() + (Integer) u.set().get(i).value(),
                        true));
            }
            byKey.put(u.key(), new Update(u.table(), u.keyColumn(), u.key(), sum, List.of(), u.guard(),
                    seen.expectedRows(), u.whenMissed()));
        }
        return new ArrayList<>(byKey.values());
    }

    /**
     * {@code UPDATE t SET c = [c +] CASE k WHEN $1 THEN $2 … END, … WHERE k IN (…) [AND m = CASE k WHEN … END]
     * AND (guard)}.
     */
    private Mono<Void> update(List<Update> updates) {
        Update shape = updates.get(0);
        StringBuilder sql = new StringBuilder("UPDATE ").append(shape.table()).append(" SET ");
        List<Object> values = new ArrayList<>();
        int marker = 1;
        for (int c = 0; c < shape.set().size(); c++) {
            Update.Assignment a = shape.set().get(c);
            sql.append(c == 0 ? "" : ", ").append(a.column()).append(" = ");
            if (a.add()) {
                sql.append(a.column()).append(" + ");
            }
            int column = c;
            marker = caseByKey(sql, values, marker, updates, u -> u.set().get(column).value());
        }
        sql.append(" WHERE ").append(shape.keyColumn()).append(" IN (");
        int expected = 0;
        for (int i = 0; i < updates.size(); i++) {
            sql.append(i == 0 ? "$" : ", $").append(marker++);
            values.add(updates.get(i).key());
            expected += updates.get(i).expectedRows();
        }
        sql.append(')');
        for (int c = 0; c < shape.match().size(); c++) {
            int column = c;
            sql.append(" AND ").append(shape.match().get(c).column()).append(" = ");
            marker = caseByKey(sql, values, marker, updates, u -> u.match().get(column).value());
        }
        sql.append(" AND (").append(shape.guard()).append(')');
        int wanted = expected;
        return db.sql(sql.toString()).bindValues(values).fetch().rowsUpdated().flatMap(n -> n == wanted
                ? Mono.<Void>empty()
                : Mono.error(new Missed(shape.table() + ": " + n + " rows instead of " + wanted, shape)));
    }

    /** Appends {@code CASE key WHEN $m THEN $m+1 … END} for each update's value; returns the next marker. */
    private static int caseByKey(StringBuilder sql, List<Object> values, int marker, List<Update> updates,
            Function<Update, Object> value) {
        sql.append("CASE ").append(updates.get(0).keyColumn());
        for (Update u : updates) {
            sql.append(" WHEN $").append(marker++).append(" THEN $").append(marker++);
            values.add(u.key());
            values.add(value.apply(u));
        }
        sql.append(" END");
        return marker;
    }

    /** An update's row count was off: the batch must be retried request by request to find whose. */
    public static final class Missed extends RuntimeException {
        private final transient Update update;

        Missed(String message, Update update) {
            super(message, null, false, false);
            this.update = update;
        }

        /** Committed alone, the request whose update this was gets that update's own error. */
        RuntimeException forRequest() {
            return update.whenMissed().get();
        }
    }
}
