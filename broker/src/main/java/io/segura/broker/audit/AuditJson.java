// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.audit;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON for the text columns of {@code audit_events} (H2 has no usable JSON type, STACK.md). Values are normalized to
 * sorted maps, lists, strings, numbers, booleans and null, so the same event always serializes to the same text.
 */
final class AuditJson {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() { };

    private AuditJson() {
    }

    /** JSON text of a normalized value, or {@code null} for an empty map or list (stored as SQL NULL). */
    static String write(Object normalized) {
        if (normalized == null || normalized instanceof Map<?, ?> m && m.isEmpty()
                || normalized instanceof List<?> l && l.isEmpty()) {
            return null;
        }
        return MAPPER.writeValueAsString(normalized);
    }

    /**
     * A stored JSON object as parsed, not yet normalized: it goes straight into an {@link AuditEvent}, whose
     * constructor normalizes (and checks) it once; normalizing here too would copy every event read twice.
     */
    static Map<String, Object> readMap(String json) {
        return json == null ? Map.of() : MAPPER.readValue(json, MAP);
    }

    static List<String> readStrings(String json) {
        return json == null ? List.of() : List.copyOf(MAPPER.readValue(json, STRINGS));
    }

    /** A deep, sorted, unmodifiable copy; null values are kept (a ctx field the platform does not fill). */
    static Map<String, Object> normalizeMap(Map<?, ?> map, String field) {
        try {
            return normalizeMap(map);
        } catch (Invalid e) {
            throw new IllegalArgumentException(field + e.path + e.problem);
        }
    }

    // The field's path is built only for the error: every audit event normalizes its ctx and details.
    private static Map<String, Object> normalizeMap(Map<?, ?> map) {
        if (map == null) {
            return Map.of();
        }
        TreeMap<String, Object> out = new TreeMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                throw new Invalid("", " keys must be strings");
            }
            try {
                out.put(key, normalize(e.getValue()));
            } catch (Invalid inner) {
                throw inner.under("." + key);
            }
        }
        return Collections.unmodifiableMap(out);
    }

    private static Object normalize(Object value) {
        if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean) {
            return value;
        }
        if (value instanceof Map<?, ?> m) {
            return normalizeMap(m);
        }
        if (value instanceof Iterable<?> it) {
            List<Object> out = new ArrayList<>();
            for (Object o : it) {
                try {
                    out.add(normalize(o));
                } catch (Invalid inner) {
                    throw inner.under("[]");
                }
            }
            return Collections.unmodifiableList(out);
        }
        if (value instanceof Enum<?> || value instanceof CharSequence) {
            return value.toString();
        }
        throw new Invalid("", " must be a string, number, boolean, map or list, got "
                + value.getClass().getSimpleName());
    }

    /** Where below the field (".key", "[]" …) a value is refused, and why; no stack trace, it never escapes. */
    private static final class Invalid extends RuntimeException {
        private final String path;
        private final String problem;

        Invalid(String path, String problem) {
            super(problem, null, false, false);
            this.path = path;
            this.problem = problem;
        }

        Invalid under(String step) {
            return new Invalid(step + path, problem);
        }
    }
}
