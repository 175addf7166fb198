// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.Node;

/** Collects every problem of one load, so the loader reports all of them at once instead of stopping at the first. */
final class Problems {

    private final String file;
    private final List<ConfigProblem> list = new ArrayList<>();

    Problems(String file) {
        this.file = Objects.requireNonNull(file, "file cannot be null");
    }

    String file() {
        return file;
    }

    SourceLocation at(Node node) {
        return node == null ? new SourceLocation(file, 0, 0) : at(node.getStartMark());
    }

    SourceLocation at(Mark mark) {
        // snakeyaml marks are 0-based; editors and compilers count from 1.
        return mark == null ? new SourceLocation(file, 0, 0)
                : new SourceLocation(file, mark.getLine() + 1, mark.getColumn() + 1);
    }

    void add(Node node, String field, String message) {
        add(at(node), field, message);
    }

    void add(SourceLocation at, String field, String message) {
        list.add(new ConfigProblem(at, field, message));
    }

    boolean isEmpty() {
        return list.isEmpty();
    }

    int size() {
        return list.size();
    }

    void throwIfAny() {
        if (!list.isEmpty()) {
            List<ConfigProblem> sorted = new ArrayList<>(list);
            // Stable by position, so the report reads top to bottom like the file.
            sorted.sort((a, b) -> a.at().line() != b.at().line() ? Integer.compare(a.at().line(), b.at().line())
                    : Integer.compare(a.at().column(), b.at().column()));
            throw new ConfigException(sorted);
        }
    }
}
