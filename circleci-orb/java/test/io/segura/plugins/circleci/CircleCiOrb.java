// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.circleci;

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
 * A packed orb as CircleCI's config compiler expands it for a job (docs: "Reusable config reference"): a command or
 * job invocation is checked against the component's {@code parameters} (an undeclared argument, a missing required
 * one, a value of the wrong type or outside an enum fails the pipeline before any job runs), defaults fill the rest,
 * {@code << parameters.x >>} is replaced in every string of the component's steps (a reference to an undeclared
 * parameter fails too), and then the escape {@code \<<} becomes a literal {@code <<}. The result is the list of
 * {@code run} steps the job executes; local command references in a job's steps expand the same way.
 */
final class CircleCiOrb {

    static final Pattern REFERENCE = Pattern.compile("(?<!\\\\)<<\\s*parameters\\.([A-Za-z0-9_-]+)\\s*>>");

    /** A {@code run} step as the job executes it. */
    record RunStep(String name, String command, Map<String, String> environment, String when) {
        RunStep {
            Objects.requireNonNull(command, "command cannot be null");
            environment = Map.copyOf(environment);
            when = when == null ? "on_success" : when;
        }

        /** A user's own {@code run} step (no orb), as written in a config. */
        static RunStep of(String name, String command) {
            return new RunStep(name, command, Map.of(), null);
        }

        RunStep when(String newWhen) {
            return new RunStep(name, command, environment, newWhen);
        }
    }

    private final Map<String, Object> orb;

    private CircleCiOrb(Map<String, Object> orb) {
        this.orb = orb;
    }

    @SuppressWarnings("unchecked")
    static CircleCiOrb load(Path packed) throws IOException {
        Object doc = new Yaml(new SafeConstructor(new LoaderOptions()))
                .load(Files.readString(packed, StandardCharsets.UTF_8));
        return new CircleCiOrb((Map<String, Object>) doc);
    }

    Map<String, Object> orb() {
        return orb;
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> component(String section, String name) {
        Map<String, Object> all = (Map<String, Object>) orb.getOrDefault(section, Map.of());
        Map<String, Object> component = (Map<String, Object>) all.get(name);
        if (component == null) {
            throw new IllegalArgumentException("Cannot find a definition for " + section + " " + name);
        }
        return component;
    }

    /** The run steps of {@code - segura/<name>: args} in a job's steps. */
    List<RunStep> command(String name, Map<String, ?> args) {
        return expand(component("commands", name), "command " + name, args);
    }

    /** The run steps of the orb job {@code name} invoked from a workflow with {@code args}. */
    @SuppressWarnings("unchecked")
    List<RunStep> job(String name, Map<String, ?> args) {
        Map<String, Object> job = component("jobs", name);
        Map<String, Object> values = arguments(job, "job " + name, args);
        Object executor = job.get("executor");
        if (executor != null) {
            Object rendered = render(executor, values, "job " + name);
            Map<String, Object> use = rendered instanceof Map<?, ?> m
                    ? new LinkedHashMap<>((Map<String, Object>) m) : new LinkedHashMap<>(Map.of("name", rendered));
            String executorName = String.valueOf(use.remove("name"));
            arguments(component("executors", executorName), "executor " + executorName, use);
        }
        return steps((List<Object>) job.get("steps"), values, "job " + name);
    }

    @SuppressWarnings("unchecked")
    private List<RunStep> expand(Map<String, Object> component, String what, Map<String, ?> args) {
        return steps((List<Object>) component.get("steps"), arguments(component, what, args), what);
    }

    @SuppressWarnings("unchecked")
    private List<RunStep> steps(List<Object> steps, Map<String, Object> values, String what) {
        List<RunStep> out = new ArrayList<>();
        for (Object step : steps) {
            Object rendered = render(step, values, what);
            if (rendered instanceof String local) {
                out.addAll(command(local, Map.of()));
                continue;
            }
            Map<String, Object> map = (Map<String, Object>) rendered;
            if (map.size() != 1) {
                throw new IllegalArgumentException(what + ": a step is a map with one key, got " + map.keySet());
            }
            Map.Entry<String, Object> e = map.entrySet().iterator().next();
            if (!e.getKey().equals("run")) {
                out.addAll(command(e.getKey(), (Map<String, Object>) e.getValue()));
                continue;
            }
            Object run = e.getValue();
            if (run instanceof String command) {
                out.add(new RunStep(null, unescape(command), Map.of(), null));
                continue;
            }
            Map<String, Object> r = (Map<String, Object>) run;
            Map<String, String> env = new LinkedHashMap<>();
            ((Map<String, Object>) r.getOrDefault("environment", Map.of()))
                    .forEach((k, v) -> env.put(k, v == null ? "" : unescape(String.valueOf(v))));
            out.add(new RunStep((String) r.get("name"), unescape(String.valueOf(r.get("command"))), env,
                    (String) r.get("when")));
        }
        return out;
    }

    /** The invocation's values over the defaults, checked as the compiler checks them. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> arguments(Map<String, Object> component, String what, Map<String, ?> args) {
        Map<String, Map<String, Object>> declared =
                (Map<String, Map<String, Object>>) component.getOrDefault("parameters", Map.of());
        Set<String> unexpected = new LinkedHashSet<>(args.keySet());
        unexpected.removeAll(declared.keySet());
        if (!unexpected.isEmpty()) {
            throw new IllegalArgumentException(what + ": Unexpected argument(s): " + String.join(", ", unexpected));
        }
        Map<String, Object> values = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        declared.forEach((name, spec) -> {
            if (args.containsKey(name)) {
                values.put(name, checked(what, name, spec, args.get(name)));
            } else if (spec.containsKey("default")) {
                values.put(name, spec.get("default"));
            } else {
                missing.add(name);
            }
        });
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(what + ": Missing argument(s): " + String.join(", ", missing));
        }
        return values;
    }

    private static Object checked(String what, String name, Map<String, Object> spec, Object value) {
        String type = String.valueOf(spec.get("type"));
        boolean ok = switch (type) {
            case "string", "executor" -> value instanceof String;
            case "boolean" -> value instanceof Boolean;
            case "integer" -> value instanceof Integer || value instanceof Long;
            case "enum" -> spec.get("enum") instanceof List<?> allowed && allowed.contains(value);
            case "env_var_name" -> value instanceof String s && s.matches("[a-zA-Z][a-zA-Z0-9_-]+");
            default -> throw new IllegalArgumentException(what + ": parameter " + name + " has unknown type " + type);
        };
        if (!ok) {
            throw new IllegalArgumentException(what + ": Parameter " + name + ": '" + value + "' is not a valid "
                    + type + (type.equals("enum") ? " (" + spec.get("enum") + ")" : ""));
        }
        return value;
    }

    /** Every string of {@code node} with its parameter references replaced; escapes stay until the step is built. */
    private static Object render(Object node, Map<String, Object> values, String what) {
        if (node instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put(String.valueOf(k), render(v, values, what)));
            return out;
        }
        if (node instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            list.forEach(v -> out.add(render(v, values, what)));
            return out;
        }
        if (node instanceof String s) {
            Matcher m = REFERENCE.matcher(s);
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                if (!values.containsKey(m.group(1))) {
                    throw new IllegalArgumentException(what + ": Arguments referenced without declared parameters: "
                            + m.group(1));
                }
                m.appendReplacement(sb, Matcher.quoteReplacement(String.valueOf(values.get(m.group(1)))));
            }
            m.appendTail(sb);
            return sb.toString();
        }
        return node;
    }

    /** {@code \<<} is how a config writes a literal {@code <<}; the compiler removes the backslash. */
    static String unescape(String s) {
        return s.replace("\\<<", "<<");
    }

    /** Every {@code parameters.x} the component's body references (not its parameter declarations). */
    static Set<String> references(Object node) {
        Set<String> refs = new LinkedHashSet<>();
        collect(node, refs);
        return refs;
    }

    private static void collect(Object node, Set<String> refs) {
        if (node instanceof Map<?, ?> map) {
            map.values().forEach(v -> collect(v, refs));
        } else if (node instanceof List<?> list) {
            list.forEach(v -> collect(v, refs));
        } else if (node instanceof String s) {
            Matcher m = REFERENCE.matcher(s);
            while (m.find()) {
                refs.add(m.group(1));
            }
        }
    }
}
