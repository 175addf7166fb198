// SPDX-License-Identifier: Apache-2.0
package io.segura.deploy.helm;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Parses {@code helm template} output into fabric8's typed Kubernetes model and refuses anything the model does not
 * know. fabric8 keeps unknown fields in each object's {@code additionalProperties} instead of failing (so a client
 * survives newer servers); a chart must not rely on that: a misspelt field ({@code securityContxt}) would be silently
 * dropped by the API server. So every object of the parsed tree must have empty {@code additionalProperties}, and
 * every document must map to a registered kind (never a {@link GenericKubernetesResource}).
 */
final class StrictManifests {

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private StrictManifests() {
    }

    /** Every non-empty YAML document of {@code rendered}, parsed strictly, in order. */
    static List<HasMetadata> parse(String rendered) {
        List<HasMetadata> out = new ArrayList<>();
        for (String doc : rendered.split("(?m)^---\\s*$")) {
            if (doc.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"))) {
                continue;
            }
            Object parsed = SERIALIZATION.unmarshal(doc);
            if (!(parsed instanceof HasMetadata resource) || parsed instanceof GenericKubernetesResource) {
                throw new AssertionError("not a kind fabric8 knows (" + (parsed == null ? "null"
                        : parsed.getClass().getSimpleName()) + "):\n" + doc);
            }
            List<String> unknown = new ArrayList<>();
            collectUnknown(resource, resource.getKind(), unknown);
            if (!unknown.isEmpty()) {
                throw new AssertionError(resource.getKind() + "/" + resource.getMetadata().getName()
                        + " has fields the Kubernetes model does not know: " + unknown);
            }
            out.add(resource);
        }
        return out;
    }

    /** The paths of the unknown fields under {@code node}. */
    static void collectUnknown(Object node, String path, List<String> unknown) {
        if (node == null) {
            return;
        }
        if (node instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                collectUnknown(e, path + "[" + i++ + "]", unknown);
            }
            return;
        }
        if (node instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                collectUnknown(e.getValue(), path + "." + e.getKey(), unknown);
            }
            return;
        }
        if (!node.getClass().getName().startsWith("io.fabric8.") || node.getClass().isEnum()) {
            return;
        }
        for (Method getter : node.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || !getter.getName().startsWith("get") || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value;
            try {
                value = getter.invoke(node);
            } catch (IllegalAccessException | InvocationTargetException e) {
                continue; // a computed getter (e.g. Quantity's numerical amount of an odd value): not a field
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    extra.keySet().forEach(k -> unknown.add(path + "." + k));
                }
                continue;
            }
            String field = getter.getName().substring(3);
            collectUnknown(value, path + "." + Character.toLowerCase(field.charAt(0)) + field.substring(1),
                    unknown);
        }
    }
}
