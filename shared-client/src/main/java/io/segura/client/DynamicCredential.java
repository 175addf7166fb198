// SPDX-License-Identifier: Apache-2.0
package io.segura.client;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A dynamic secret from {@code POST /api/v2/a2a/dynamic-secrets} (DESIGN §6a): a credential the broker just
 * created, valid until its lease ends. Its fields (a database's {@code username}, {@code password}, {@code host},
 * {@code port}, {@code database}, {@code url}) are redacted in {@code toString()}.
 *
 * @param fields the credential's fields as strings, in the broker's order
 */
public record DynamicCredential(String leaseId, String name, String engine, Instant expiresAt,
        Map<String, String> fields, List<String> warnings) {

    public DynamicCredential {
        Objects.requireNonNull(leaseId, "leaseId cannot be null");
        Objects.requireNonNull(name, "name cannot be null");
        Objects.requireNonNull(expiresAt, "expiresAt cannot be null");
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        warnings = List.copyOf(warnings);
    }

    /** The values a log must never show: every field but the plainly public ones. */
    public List<String> secretValues() {
        return fields.entrySet().stream()
                .filter(e -> !List.of("username", "host", "port", "database").contains(e.getKey()))
                .map(Map.Entry::getValue)
                .filter(v -> !v.isEmpty())
                .toList();
    }

    @Override
    public String toString() {
        return "DynamicCredential[leaseId=" + leaseId + ", name=" + name + ", engine=" + engine + ", expiresAt="
                + expiresAt + ", fields=" + fields.keySet() + "]";
    }
}
