// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * A strictly read YAML mapping that knows its path in the document: unknown and duplicate keys are reported when it
 * is opened, and every typed read reports a wrong type with the field path and position instead of throwing. A read
 * that failed returns {@code null} (or an empty list), so parsing continues and finds the next problem too.
 */
final class YamlMap {

    private final MappingNode node;
    private final String path;
    private final Problems problems;
    private final Map<String, NodeTuple> entries = new LinkedHashMap<>();

    private YamlMap(MappingNode node, String path, Problems problems) {
        this.node = node;
        this.path = path;
        this.problems = problems;
    }

    /** Opens {@code node} as a mapping with the given keys, or reports why it is not one and returns null. */
    static YamlMap open(Node node, String path, Problems problems, Set<String> keys) {
        if (!(node instanceof MappingNode mapping)) {
            problems.add(node, path, "expected a mapping, got " + describe(node));
            return null;
        }
        YamlMap map = new YamlMap(mapping, path, problems);
        for (NodeTuple t : mapping.getValue()) {
            Node k = t.getKeyNode();
            if (!(k instanceof ScalarNode s) || !Tag.STR.equals(k.getTag())) {
                problems.add(k, path, "keys must be plain strings, got " + describe(k));
                continue;
            }
            String key = s.getValue();
            if (!keys.contains(key)) {
                problems.add(k, map.path(key), "unknown key" + ConfigSyntax.suggest(key, keys));
            } else if (map.entries.putIfAbsent(key, t) != null) {
                problems.add(k, map.path(key), "duplicate key");
            }
        }
        return map;
    }

    String path() {
        return path;
    }

    String path(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    Problems problems() {
        return problems;
    }

    SourceLocation at() {
        return problems.at(node);
    }

    /** Position of the key (not the value), for problems about the whole entry; the mapping's own if absent. */
    SourceLocation at(String key) {
        NodeTuple t = entries.get(key);
        return t == null ? at() : problems.at(t.getKeyNode());
    }

    boolean has(String key) {
        return entries.containsKey(key);
    }

    /** The value node, or null when the key is absent or its value is null (the latter is reported). */
    Node value(String key) {
        NodeTuple t = entries.get(key);
        if (t == null) {
            return null;
        }
        Node v = t.getValueNode();
        if (isNull(v)) {
            problems.add(v, path(key), "has no value (give one or remove the key)");
            return null;
        }
        return v;
    }

    /** The value node as written (null-valued included), without reporting anything; null when absent. */
    Node rawValue(String key) {
        NodeTuple t = entries.get(key);
        return t == null ? null : t.getValueNode();
    }

    void required(String key) {
        if (!has(key)) {
            problems.add(at(), path(key), "is required");
        }
    }

    String string(String key) {
        Node v = value(key);
        return v == null ? null : string(v, path(key));
    }

    /** A non-empty string; an absent key is reported when {@code required}. */
    String string(String key, boolean required) {
        if (required) {
            required(key);
        }
        String s = string(key);
        if (s != null && s.isBlank()) {
            problems.add(value(key), path(key), "must not be empty");
            return null;
        }
        return s;
    }

    Boolean bool(String key) {
        Node v = value(key);
        if (v == null) {
            return null;
        }
        if (v instanceof ScalarNode s && Tag.BOOL.equals(v.getTag())
                && (s.getValue().equals("true") || s.getValue().equals("false"))) {
            return Boolean.valueOf(s.getValue());
        }
        problems.add(v, path(key), "expected true or false, got " + describe(v));
        return null;
    }

    /** A whole number from {@code min} to {@code max}; reports another type, or a number out of range, and gives null. */
    Integer integer(String key, int min, int max) {
        Node v = value(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof ScalarNode s) || !Tag.INT.equals(v.getTag())) {
            problems.add(v, path(key), "expected an integer from " + min + " to " + max + ", got " + describe(v));
            return null;
        }
        try {
            int n = Integer.parseInt(s.getValue());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // beyond int (or YAML's 0x/0o/underscore forms): reported below like any other out-of-range value
        }
        problems.add(v, path(key), "must be from " + min + " to " + max + ", got " + s.getValue());
        return null;
    }

    /** A duration; reports bounds violations ({@code min} inclusive unless zero is excluded, {@code max} inclusive). */
    Duration duration(String key, Duration min, boolean minExclusive, Duration max) {
        Node v = value(key);
        if (v == null) {
            return null;
        }
        String text = v instanceof ScalarNode s && Tag.STR.equals(v.getTag()) ? s.getValue() : null;
        if (text == null) {
            problems.add(v, path(key), "expected a duration like 60s, 10m, 2h or 90d, got " + describe(v));
            return null;
        }
        Duration d;
        try {
            d = Durations.parse(text);
        } catch (IllegalArgumentException e) {
            problems.add(v, path(key), e.getMessage());
            return null;
        }
        if (minExclusive ? d.compareTo(min) <= 0 : d.compareTo(min) < 0) {
            problems.add(v, path(key), "must be " + (minExclusive ? "greater than " : "at least ")
                    + Durations.format(min));
            return null;
        }
        if (max != null && d.compareTo(max) > 0) {
            problems.add(v, path(key), "must be at most " + Durations.format(max) + ", got " + text);
            return null;
        }
        return d;
    }

    /** A list of non-empty strings; {@code nonEmpty} reports an empty list. Absent key → null. */
    List<String> strings(String key, boolean nonEmpty) {
        Node v = value(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof SequenceNode seq)) {
            problems.add(v, path(key), "expected a list of strings, got " + describe(v));
            return null;
        }
        if (nonEmpty && seq.getValue().isEmpty()) {
            problems.add(v, path(key), "must not be empty");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < seq.getValue().size(); i++) {
            Node e = seq.getValue().get(i);
            String s = string(e, path(key) + "[" + i + "]");
            if (s != null && s.isBlank()) {
                problems.add(e, path(key) + "[" + i + "]", "must not be empty");
            } else if (s != null) {
                out.add(s);
            }
        }
        return out;
    }

    /** Element {@code i} of the list under {@code key} (for positions), or the entry's value if it is no list. */
    Node element(String key, int i) {
        NodeTuple t = entries.get(key);
        if (t == null) {
            return node;
        }
        if (t.getValueNode() instanceof SequenceNode seq && i < seq.getValue().size()) {
            return seq.getValue().get(i);
        }
        return t.getValueNode();
    }

    /** The elements of a list of mappings, each opened with {@code keys}; absent key → empty. */
    List<YamlMap> maps(String key, Set<String> keys) {
        Node v = value(key);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof SequenceNode seq)) {
            problems.add(v, path(key), "expected a list, got " + describe(v));
            return List.of();
        }
        List<YamlMap> out = new ArrayList<>();
        for (int i = 0; i < seq.getValue().size(); i++) {
            YamlMap m = open(seq.getValue().get(i), path(key) + "[" + i + "]", problems, keys);
            if (m != null) {
                out.add(m);
            }
        }
        return out;
    }

    /** The raw entries of a free-form mapping (bound claims), key node → value node, in file order. */
    List<NodeTuple> tuples(String key) {
        Node v = value(key);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof MappingNode m)) {
            problems.add(v, path(key), "expected a mapping, got " + describe(v));
            return List.of();
        }
        return m.getValue();
    }

    /**
     * Reads a scalar as text. Plain numbers and timestamps keep the text as written (e.g. {@code to: 23:59}, which
     * YAML 1.1 resolves as a base-60 integer); booleans and null are refused because YAML 1.1 turns {@code yes},
     * {@code on} or {@code ~} into something that was probably not meant as a string.
     */
    String string(Node v, String field) {
        if (v instanceof ScalarNode s) {
            Tag t = v.getTag();
            if (Tag.STR.equals(t) || Tag.INT.equals(t) || Tag.FLOAT.equals(t) || Tag.TIMESTAMP.equals(t)) {
                return s.getValue();
            }
        }
        problems.add(v, field, "expected a string, got " + describe(v)
                + (v instanceof ScalarNode ? " (quote it to make it a string)" : ""));
        return null;
    }

    static boolean isNull(Node v) {
        return v == null || (v instanceof ScalarNode && Tag.NULL.equals(v.getTag()));
    }

    static String describe(Node v) {
        if (v == null || Tag.NULL.equals(v.getTag())) {
            return "nothing (null)";
        }
        if (v instanceof MappingNode) {
            return "a mapping";
        }
        if (v instanceof SequenceNode) {
            return "a list";
        }
        ScalarNode s = (ScalarNode) v;
        String kind = Tag.BOOL.equals(v.getTag()) ? "boolean" : Tag.INT.equals(v.getTag()) ? "number"
                : Tag.FLOAT.equals(v.getTag()) ? "number" : "string";
        String text = s.getValue().length() <= 40 ? s.getValue() : s.getValue().substring(0, 40) + "…";
        return "the " + kind + " `" + text + "`";
    }
}
