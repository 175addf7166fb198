// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.trust;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Finds a bound claim's value in a token's claims or the run context, and renders it as the strings a
 * {@link ClaimPattern} compares against.
 *
 * <p>Names starting with {@code ctx.} read the run context. Any other name is first looked up as an exact top-level
 * claim (names may contain dots and slashes, e.g. {@code oidc.circleci.com/project-id}); failing that, as a dotted
 * path into nested objects, where at each level the longest key prefix that exists is tried first
 * ({@code kubernetes.io.namespace} reads {@code claims["kubernetes.io"]["namespace"]}).
 */
final class ClaimLookup {

    private static final int MAX_DEPTH = 8;

    private ClaimLookup() {
    }

    /** The raw value, or {@code null} when absent (an explicit JSON null counts as absent). */
    static Object find(String name, Map<String, Object> claims, Map<String, Object> ctx) {
        if (name.startsWith("ctx.")) {
            return ctx == null ? null : ctx.get(name.substring(4));
        }
        return claims == null ? null : path(claims, name, 0);
    }

    private static Object path(Map<?, ?> map, String name, int depth) {
        Object direct = map.get(name);
        if (direct != null || depth >= MAX_DEPTH) {
            return direct;
        }
        for (int dot = name.lastIndexOf('.'); dot > 0; dot = name.lastIndexOf('.', dot - 1)) {
            if (map.get(name.substring(0, dot)) instanceof Map<?, ?> nested && dot + 1 < name.length()) {
                Object found = path(nested, name.substring(dot + 1), depth + 1);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    /**
     * The strings a value can match: a scalar gives one, a list gives its scalar elements (a list claim matches if
     * any element matches), an object gives none.
     */
    static List<String> strings(Object value) {
        if (value instanceof Collection<?> list) {
            List<String> out = new ArrayList<>(list.size());
            for (Object e : list) {
                String s = scalar(e);
                if (s != null) {
                    out.add(s);
                }
            }
            return out;
        }
        String s = scalar(value);
        return s == null ? List.of() : List.of(s);
    }

    /** Strings as they are, integers in decimal, whole floating-point numbers without {@code .0}, booleans. */
    static String scalar(Object v) {
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof Boolean b) {
            return b.toString();
        }
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte
                || v instanceof BigInteger) {
            return v.toString();
        }
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                return null;
            }
            // JSON parsers may hand over 74 as 74.0; the config writes "74".
            return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
        }
        if (v instanceof BigDecimal b) {
            return b.stripTrailingZeros().toPlainString();
        }
        return null;
    }

    /** How the caller's value is shown in a {@link RoleCheck}: the string, or {@code [a, b]} for a list. */
    static String render(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Collection<?>) {
            return strings(value).toString();
        }
        String s = scalar(value);
        return s != null ? s : value instanceof Map<?, ?> ? "{object}" : "(" + value.getClass().getSimpleName() + ")";
    }
}
