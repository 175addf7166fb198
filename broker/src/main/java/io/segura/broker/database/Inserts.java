// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.database;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Executes {@link Writes} on the caller's R2DBC transaction (when there is one): one multi-row INSERT per table and
 * chunk, then one {@code UPDATE … CASE} per counter. The SQL uses {@code $n} markers, which both drivers (PostgreSQL,
 * H2) take, and nothing else that H2's PostgreSQL mode lacks.
 */
public final class Inserts {

    /** Rows per statement: an audit row has 12 columns, so 64 rows stay far below PostgreSQL's 65,535 parameters. */
    static final int CHUNK = 64;

    private final DatabaseClient db;

    public Inserts(DatabaseClient db) {
        this.db = Objects.requireNonNull(db, "db cannot be null");
    }

    /** Inserts every row and applies every increment; fails with {@link Missed} when a guarded row was not found. */
    public Mono<Void> execute(List<Writes> writes) {
        Map<Table, List<Table.Row>> byTable = new LinkedHashMap<>();
        Map<String, Map<String, Integer>> counts = new LinkedHashMap<>();
        Map<String, Increment> shapes = new LinkedHashMap<>();
        for (Writes w : writes) {
            for (Table.Row row : w.rows()) {
                byTable.computeIfAbsent(row.table(), t -> new ArrayList<>()).add(row);
            }
            for (Increment inc : w.increments()) {
                shapes.putIfAbsent(inc.statementKey(), inc);
                counts.computeIfAbsent(inc.statementKey(), k -> new LinkedHashMap<>()).merge(inc.key(), 1, Integer::sum);
            }
        }
        List<Mono<Void>> statements = new ArrayList<>();
        byTable.forEach((table, rows) -> {
            for (int from = 0; from < rows.size(); from += CHUNK) {
                statements.add(insert(table, rows.subList(from, Math.min(rows.size(), from + CHUNK))));
            }
        });
        counts.forEach((shape, byKey) -> statements.add(increment(shapes.get(shape), byKey)));
        return Flux.fromIterable(statements).concatMap(m -> m).then();
    }

    public Mono<Void> execute(Writes writes) {
        return execute(List.of(writes));
    }

    private Mono<Void> insert(Table table, List<Table.Row> rows) {
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
        DatabaseClient.GenericExecuteSpec spec = db.sql(sql.toString());
        int index = 0;
        for (Table.Row row : rows) {
            for (int c = 0; c < width; c++) {
                Object v = row.values().get(c);
                spec = v == null ? spec.bindNull(index, table.columns().get(c).type()) : spec.bind(index, v);
                index++;
            }
        }
        int expected = rows.size();
        return spec.fetch().rowsUpdated().flatMap(n -> n == expected ? Mono.<Void>empty()
                : Mono.error(new IllegalStateException("inserted " + n + " of " + expected + " rows into "
                        + table.name())));
    }

    private Mono<Void> increment(Increment shape, Map<String, Integer> byKey) {
        StringBuilder sql = new StringBuilder("UPDATE ").append(shape.table()).append(" SET ").append(shape.column())
                .append(" = ").append(shape.column()).append(" + CASE ").append(shape.keyColumn());
        StringBuilder in = new StringBuilder();
        int marker = 1;
        for (int i = 0; i < byKey.size(); i++) {
            sql.append(" WHEN $").append(marker).append(" THEN $").append(marker + 1);
            in.append(i == 0 ? "$" : ", $").append(marker);
            marker += 2;
        }
        sql.append(" END WHERE ").append(shape.keyColumn()).append(" IN (").append(in).append(") AND (")
                .append(shape.guard()).append(')');
        DatabaseClient.GenericExecuteSpec spec = db.sql(sql.toString());
        int index = 0;
        for (Map.Entry<String, Integer> e : byKey.entrySet()) {
            spec = spec.bind(index++, e.getKey()).bind(index++, e.getValue());
        }
        int expected = byKey.size();
        return spec.fetch().rowsUpdated().flatMap(n -> n == expected ? Mono.<Void>empty()
                : Mono.error(new Missed(shape.table() + ": " + (expected - n) + " of " + expected
                        + " rows missing or refused by the guard")));
    }

    /** A guarded row was missing: the batch must be retried request by request to find whose. */
    public static final class Missed extends RuntimeException {
        Missed(String message) {
            super(message, null, false, false);
        }
    }
}
