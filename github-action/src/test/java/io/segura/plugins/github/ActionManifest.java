// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.github;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * {@code action.yml} as the runner reads it, and the runner's part in running a Docker container action: input
 * defaults, {@code INPUT_<NAME>} variables, {@code ${{ inputs.x }}} in {@code args} and {@code env}.
 */
record ActionManifest(Map<String, Object> yaml) {

    private static final Pattern EXPRESSION = Pattern.compile("\\$\\{\\{\\s*(.*?)\\s*}}");
    private static final Pattern INPUT_REF = Pattern.compile("inputs\\.([A-Za-z0-9_-]+)");
    private static final Pattern OR = Pattern.compile("\\s*\\|\\|\\s*");

    ActionManifest {
        yaml = Map.copyOf(yaml);
    }

    static ActionManifest load(Path file) throws IOException {
        Yaml parser = new Yaml(new SafeConstructor(new LoaderOptions()));
        Object doc = parser.load(Files.readString(file, StandardCharsets.UTF_8));
        if (!(doc instanceof Map<?, ?>)) {
            throw new IOException(file + " is not a YAML mapping");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) doc;
        return new ActionManifest(map);
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> runs() {
        return (Map<String, Object>) yaml.get("runs");
    }

    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> inputs() {
        Object in = yaml.get("inputs");
        return in == null ? Map.of() : (Map<String, Map<String, Object>>) in;
    }

    @SuppressWarnings("unchecked")
    Map<String, Map<String, Object>> outputs() {
        Object out = yaml.get("outputs");
        return out == null ? Map.of() : (Map<String, Map<String, Object>>) out;
    }

    @SuppressWarnings("unchecked")
    List<String> args() {
        Object a = runs().get("args");
        return a == null ? List.of() : ((List<Object>) a).stream().map(String::valueOf).toList();
    }

    @SuppressWarnings("unchecked")
    Map<String, String> env() {
        Map<String, String> env = new LinkedHashMap<>();
        Object e = runs().get("env");
        if (e != null) {
            ((Map<String, Object>) e).forEach((k, v) -> env.put(k, String.valueOf(v)));
        }
        return env;
    }

    String postEntrypoint() {
        return (String) runs().get("post-entrypoint");
    }

    /** The step's inputs: {@code with:} values over the declared defaults; a missing required input fails. */
    Map<String, String> resolveInputs(Map<String, String> with) {
        Map<String, String> resolved = new LinkedHashMap<>();
        for (var e : inputs().entrySet()) {
            Object def = e.getValue().get("default");
            String value = with.containsKey(e.getKey()) ? with.get(e.getKey()) : def == null ? null : def.toString();
            if (value == null && Boolean.TRUE.equals(e.getValue().get("required"))) {
                // The runner only warns here; our workflows always give required inputs, so fail the test.
                throw new IllegalArgumentException("Input required and not supplied: " + e.getKey());
            }
            resolved.put(e.getKey(), value == null ? "" : value);
        }
        for (String key : with.keySet()) {
            if (!inputs().containsKey(key)) {
                throw new IllegalArgumentException("Unexpected input '" + key + "', valid inputs are "
                        + inputs().keySet());
            }
        }
        return resolved;
    }

    /** The runner's {@code INPUT_<NAME>}: upper-cased, spaces to underscores (hyphens stay). */
    static Map<String, String> inputVariables(Map<String, String> inputs) {
        Map<String, String> vars = new LinkedHashMap<>();
        inputs.forEach((k, v) -> vars.put("INPUT_" + k.replace(' ', '_').toUpperCase(Locale.ROOT), v));
        return vars;
    }

    /**
     * Evaluates {@code ${{ inputs.x }}} and {@code ${{ inputs.x || inputs.y }}} (the first non-empty, as GitHub's
     * {@code ||} on strings); any other expression fails (the action uses none).
     */
    static String evaluate(String template, Map<String, String> inputs) {
        Matcher m = EXPRESSION.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = "";
            for (String operand : OR.split(m.group(1))) {
                Matcher ref = INPUT_REF.matcher(operand);
                if (!ref.matches()) {
                    throw new IllegalArgumentException("unsupported expression: " + m.group());
                }
                value = Objects.requireNonNull(inputs.get(ref.group(1)), "undeclared input " + ref.group(1));
                if (!value.isEmpty()) {
                    break;
                }
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Every {@code inputs.x} that {@code text} references. */
    static List<String> inputReferences(String text) {
        List<String> refs = new ArrayList<>();
        Matcher m = EXPRESSION.matcher(text);
        while (m.find()) {
            for (String operand : OR.split(m.group(1))) {
                Matcher ref = INPUT_REF.matcher(operand);
                refs.add(ref.matches() ? ref.group(1) : m.group());
            }
        }
        return refs;
    }
}
