// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import io.segura.client.json.Json;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Plain-text tables for violations, role checks and audit events. */
final class Tables {

    private Tables() {
    }

    /** Violations as {@code POLICY | RULE | MESSAGE} plus any further fields the broker sends. */
    static void violations(PrintWriter out, List<Map<String, Object>> violations) {
        objects(out, violations, List.of("policy", "rule", "message"));
    }

    /** A table of JSON objects: {@code preferred} columns first, then every other key in order of appearance. */
    static void objects(PrintWriter out, List<Map<String, Object>> rows, List<String> preferred) {
        Set<String> columns = new LinkedHashSet<>();
        for (String p : preferred) {
            if (rows.stream().anyMatch(r -> r.containsKey(p))) {
                columns.add(p);
            }
        }
        rows.forEach(r -> columns.addAll(r.keySet()));
        List<String> headers = new ArrayList<>(columns);
        List<List<String>> cells = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            List<String> line = new ArrayList<>();
            for (String c : headers) {
                Object v = r.get(c);
                line.add(v == null ? "" : v instanceof String ? (String) v : Json.write(v));
            }
            cells.add(line);
        }
        print(out, headers, cells);
    }

    static void print(PrintWriter out, List<String> headers, List<List<String>> rows) {
        int[] width = new int[headers.size()];
        for (int i = 0; i < headers.size(); i++) {
            width[i] = headers.get(i).length();
            for (List<String> r : rows) {
                width[i] = Math.max(width[i], oneLine(r.get(i)).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, headers.stream().map(h -> h.toUpperCase(java.util.Locale.ROOT)).toList(), width);
        for (int i = 0; i < width.length; i++) {
            sb.append(i == 0 ? "" : "  ").append("-".repeat(width[i]));
        }
        sb.append('\n');
        for (List<String> r : rows) {
            line(sb, r, width);
        }
        out.print(sb);
        out.flush();
    }

    private static void line(StringBuilder sb, List<String> cells, int[] width) {
        for (int i = 0; i < cells.size(); i++) {
            String c = oneLine(cells.get(i));
            sb.append(i == 0 ? "" : "  ").append(c);
            if (i < cells.size() - 1) {
                sb.append(" ".repeat(width[i] - c.length()));
            }
        }
        sb.append('\n');
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ').replace('\r', ' ');
    }
}
