// SPDX-License-Identifier: Apache-2.0
package io.segura.testkit.platform;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** One HTTP request a platform simulator received, for assertions on its exact shape. */
public record RecordedRequest(String method, String path, String rawQuery, Map<String, List<String>> headers,
        String body) {

    public RecordedRequest {
        Objects.requireNonNull(method, "method cannot be null");
        Objects.requireNonNull(path, "path cannot be null");
        headers = Map.copyOf(headers);
        body = body == null ? "" : body;
    }

    /** The first value of header {@code name} (case-insensitive), or null. */
    public String header(String name) {
        for (var e : headers.entrySet()) {
            if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
                return e.getValue().get(0);
            }
        }
        return null;
    }

    /** Query parameters, percent- and form-decoded; a repeated parameter keeps its last value. */
    public Map<String, String> query() {
        return parseQuery(rawQuery);
    }

    static Map<String, String> parseQuery(String rawQuery) {
        Map<String, String> params = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return params;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            params.put(URLDecoder.decode(name, StandardCharsets.UTF_8),
                    URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
        return params;
    }

    @Override
    public String toString() {
        return method + " " + path + (rawQuery == null ? "" : "?" + rawQuery); // headers may hold tokens
    }
}
