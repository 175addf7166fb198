// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.tekton;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.tekton.pipeline.v1.ParamSpec;
import io.fabric8.tekton.pipeline.v1.Step;
import io.fabric8.tekton.pipeline.v1.Task;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The catalog's YAML checked against the CRD schema facts ({@link TektonSchema}: unknown fields, required fields,
 * types, served apiVersion) and read into fabric8's typed Tekton models for {@link PodRun}. The models refuse unknown
 * fields too: the mapper fails on unknown properties, and because fabric8's models also collect unknown fields into
 * {@code additionalProperties}, every model object is walked and any such field reported. fabric8 6.14 has no
 * StepAction model: its step fields are read as a {@link Step} and its params as {@link ParamSpec}s.
 */
final class TektonModels {

    static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    /** A StepAction: its metadata, params, result names and step part. */
    record StepAction(Map<String, Object> metadata, List<ParamSpec> params, List<String> results, Step step) {
    }

    private TektonModels() {
    }

    static Map<String, Object> yaml(Path file) throws IOException {
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) new Yaml(new SafeConstructor(new LoaderOptions()))
                .load(Files.readString(file, StandardCharsets.UTF_8));
        return map;
    }

    /** Fails with every violation of the schema facts. */
    static void checkSchema(Path file, Map<String, Object> doc) throws IOException {
        List<String> violations = TektonSchema.violations(doc);
        if (!violations.isEmpty()) {
            throw new IOException(file + ": " + String.join("; ", violations));
        }
    }

    static Task task(Path file) throws IOException {
        Map<String, Object> doc = yaml(file);
        checkSchema(file, doc);
        Task task = MAPPER.convertValue(doc, Task.class);
        List<String> unknown = new ArrayList<>();
        unknownFields(task, "Task", unknown, new IdentityHashMap<>());
        if (!unknown.isEmpty()) {
            throw new IOException(file + ": unknown fields " + unknown);
        }
        return task;
    }

    @SuppressWarnings("unchecked")
    static StepAction stepAction(Path file) throws IOException {
        Map<String, Object> doc = yaml(file);
        if (!"StepAction".equals(doc.get("kind"))) {
            throw new IOException(file + ": kind is " + doc.get("kind"));
        }
        checkSchema(file, doc);
        Map<String, Object> spec = new LinkedHashMap<>((Map<String, Object>) doc.get("spec"));
        List<String> results = new ArrayList<>();
        for (Object r : (List<Object>) spec.getOrDefault("results", List.of())) {
            results.add(String.valueOf(((Map<String, Object>) r).get("name")));
        }
        List<ParamSpec> params = new ArrayList<>();
        for (Object p : (List<Object>) spec.getOrDefault("params", List.of())) {
            params.add(MAPPER.convertValue(p, ParamSpec.class));
        }
        spec.remove("params");
        spec.remove("results");
        spec.remove("description");
        spec.put("name", ((Map<String, Object>) doc.get("metadata")).get("name"));
        Step step = MAPPER.convertValue(spec, Step.class);
        List<String> unknown = new ArrayList<>();
        unknownFields(step, "StepAction.spec", unknown, new IdentityHashMap<>());
        params.forEach(p -> unknownFields(p, "StepAction.spec.params", unknown, new IdentityHashMap<>()));
        if (!unknown.isEmpty()) {
            throw new IOException(file + ": unknown fields " + unknown);
        }
        return new StepAction((Map<String, Object>) doc.get("metadata"), params, List.copyOf(results), step);
    }

    /** Collects every non-empty {@code additionalProperties} below {@code o} (fabric8's catch-all for unknowns). */
    static void unknownFields(Object o, String path, List<String> found, IdentityHashMap<Object, Boolean> seen) {
        if (o == null || seen.put(o, Boolean.TRUE) != null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                unknownFields(e, path + "[" + i++ + "]", found, seen);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> unknownFields(v, path + "." + k, found, seen));
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || !m.getName().startsWith("get") || m.getDeclaringClass() == Object.class) {
                continue;
            }
            try {
                Object v = m.invoke(o);
                if (m.getName().equals("getAdditionalProperties")) {
                    if (v instanceof Map<?, ?> extra && !extra.isEmpty()) {
                        found.add(path + "." + extra.keySet());
                    }
                } else {
                    unknownFields(v, path + "." + m.getName().substring(3), found, seen);
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
