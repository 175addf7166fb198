// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.gitlab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * A component template as GitLab reads it (docs: CI/CD inputs, spec:inputs): the {@code spec:} header document,
 * {@code ---}, then the jobs, whose string values (and keys) get {@code $[[ inputs.x ]]} interpolated with the
 * {@code include:} inputs over the spec's defaults. A value that is exactly one reference takes the input's type
 * ({@code array} inputs become sequences, e.g. {@code rules:}); inside a larger string it is text. Inputs are checked
 * as GitLab checks them: {@code type} (string by default, number, boolean, array), {@code options} (string or
 * number only), {@code regex} (string only; RE2, unanchored: Java's regex agrees on the patterns used here). An
 * unknown input, a missing required one, a bad value or an undeclared reference fails like GitLab fails the
 * pipeline. {@link #job} resolves {@code extends:} the way GitLab merges it (hashes deep-merged, the rest replaced).
 */
final class GitLabComponent {

    static final Pattern REFERENCE = Pattern.compile("\\$\\[\\[\\s*inputs\\.([A-Za-z0-9_-]+)\\s*]]");

    private final Map<String, Object> spec;
    private final Map<String, Object> content;

    private GitLabComponent(Map<String, Object> spec, Map<String, Object> content) {
        this.spec = spec;
        this.content = content;
    }

    @SuppressWarnings("unchecked")
    static GitLabComponent load(Path template) throws IOException {
        String text = Files.readString(template, StandardCharsets.UTF_8);
        List<Object> docs = new ArrayList<>();
        new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(text).forEach(docs::add);
        if (docs.size() != 2) {
            throw new IOException(template + ": a component is a spec: header, ---, then the content (found "
                    + docs.size() + " documents)");
        }
        Map<String, Object> header = (Map<String, Object>) docs.get(0);
        if (header == null || header.size() != 1 || !(header.get("spec") instanceof Map)) {
            throw new IOException(template + ": the header document must hold only spec:");
        }
        return new GitLabComponent((Map<String, Object>) header.get("spec"), (Map<String, Object>) docs.get(1));
    }

    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> inputs() {
        Object in = spec.get("inputs");
        return in == null ? Map.of() : (Map<String, Map<String, Object>>) in;
    }

    Map<String, Object> content() {
        return content;
    }

    /** Every {@code inputs.x} the content references. */
    Set<String> references() {
        Set<String> refs = new LinkedHashSet<>();
        walk(content, s -> {
            Matcher m = REFERENCE.matcher(s);
            while (m.find()) {
                refs.add(m.group(1));
            }
            return s;
        });
        return refs;
    }

    /** The content with {@code given} inputs (include: inputs: values, typed as YAML typed them) interpolated. */
    @SuppressWarnings("unchecked")
    Map<String, Object> render(Map<String, ?> given) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (String name : given.keySet()) {
            if (!inputs().containsKey(name)) {
                throw new IllegalArgumentException("unknown input name provided: `" + name + "`");
            }
        }
        inputs().forEach((name, def) -> {
            Map<String, Object> d = def == null ? Map.of() : def;
            Object value;
            if (given.containsKey(name)) {
                value = given.get(name);
            } else if (d.containsKey("default")) {
                value = d.get("default");
            } else {
                throw new IllegalArgumentException("`" + name + "` input: required value has not been provided");
            }
            validate(name, d, value);
            values.put(name, value);
        });
        return (Map<String, Object>) interpolate(content, values);
    }

    /** The spec's own rules for an input's keys (checked on every render, as GitLab checks the header). */
    static void checkDefinition(String name, Map<String, Object> d) {
        String type = type(d);
        if (!List.of("string", "number", "boolean", "array").contains(type)) {
            throw new IllegalArgumentException("header:spec:inputs:" + name + " input type unknown value: " + type);
        }
        if (d.containsKey("regex") && !"string".equals(type)) {
            throw new IllegalArgumentException("`" + name + "` input: regex can only be used with string inputs");
        }
        if (d.containsKey("options") && !List.of("string", "number").contains(type)) {
            throw new IllegalArgumentException("`" + name + "` input: options can only be used with string and "
                    + "number inputs");
        }
    }

    static String type(Map<String, Object> d) {
        return d.containsKey("type") ? String.valueOf(d.get("type")) : "string";
    }

    /** GitLab's checks of an input value: its type, then options, then the (RE2, unanchored) regex. */
    @SuppressWarnings("unchecked")
    static void validate(String name, Map<String, Object> d, Object value) {
        checkDefinition(name, d);
        String type = type(d);
        boolean ok = switch (type) {
            case "string" -> value instanceof String;
            case "number" -> value instanceof Number;
            case "boolean" -> value instanceof Boolean;
            default -> value instanceof List;
        };
        if (!ok) {
            throw new IllegalArgumentException("`" + name + "` input: provided value is not a " + type);
        }
        if (d.get("options") instanceof List<?> options && !options.contains(value)) {
            throw new IllegalArgumentException("`" + name + "` input: `" + value
                    + "` cannot be used because it is not in the list of allowed options");
        }
        if (d.get("regex") instanceof String regex && !Pattern.compile(regex).matcher((String) value).find()) {
            throw new IllegalArgumentException("`" + name + "` input: provided value does not match required RE2 "
                    + "regular expression");
        }
    }

    /**
     * A value that is exactly one {@code $[[ inputs.x ]]} becomes the input's typed value (an array input a YAML
     * sequence); inside a larger string (or a key) an input is interpolated as text.
     */
    private static Object interpolate(Object node, Map<String, Object> values) {
        if (node instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put(text(String.valueOf(k), values), interpolate(v, values)));
            return out;
        }
        if (node instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            list.forEach(v -> out.add(interpolate(v, values)));
            return out;
        }
        if (node instanceof String s) {
            Matcher whole = REFERENCE.matcher(s.strip());
            if (whole.matches()) {
                return value(whole.group(1), values);
            }
            return text(s, values);
        }
        return node;
    }

    private static String text(String s, Map<String, Object> values) {
        Matcher m = REFERENCE.matcher(s);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(String.valueOf(value(m.group(1), values))));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static Object value(String name, Map<String, Object> values) {
        if (!values.containsKey(name)) {
            throw new IllegalArgumentException("unknown interpolation key: `" + name + "`");
        }
        return values.get(name);
    }

    /** Job {@code name} of {@code pipeline} with its {@code extends:} chain merged in. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> job(Map<String, Object> pipeline, String name) {
        Map<String, Object> job = (Map<String, Object>) Objects.requireNonNull(pipeline.get(name), "no job " + name);
        Object ext = job.get("extends");
        if (ext == null) {
            return job;
        }
        Map<String, Object> merged = new LinkedHashMap<>();
        for (Object parent : ext instanceof List ? (List<Object>) ext : List.of(ext)) {
            merged = deepMerge(merged, job(pipeline, (String) parent));
        }
        Map<String, Object> own = new LinkedHashMap<>(job);
        own.remove("extends");
        return deepMerge(merged, own);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> deepMerge(Map<String, Object> base, Map<String, Object> over) {
        Map<String, Object> out = new LinkedHashMap<>(base);
        over.forEach((k, v) -> {
            Object b = out.get(k);
            if (b instanceof Map && v instanceof Map) {
                out.put(k, deepMerge((Map<String, Object>) b, (Map<String, Object>) v));
            } else {
                out.put(k, v);
            }
        });
        return out;
    }

    interface StringFn {
        String apply(String s);
    }

    @SuppressWarnings("unchecked")
    private static Object walk(Object node, StringFn fn) {
        if (node instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put(fn.apply(String.valueOf(k)), walk(v, fn)));
            return out;
        }
        if (node instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            list.forEach(v -> out.add(walk(v, fn)));
            return out;
        }
        if (node instanceof String s) {
            return fn.apply(s);
        }
        return node;
    }
}
