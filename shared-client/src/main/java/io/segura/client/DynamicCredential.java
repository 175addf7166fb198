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
 * {@code port}, {@code database}, {@code url}; an SSH certificate's {@code certificate}, {@code serial},
 * {@code principals}, {@code valid_before}, …) are redacted in {@code toString()}.
 *
 * @param fields the credential's fields as strings, in the broker's order
 */
public record DynamicCredential(String leaseId, String name, String engine, Instant expiresAt,
        Map<String, String> fields, List<String> warnings) {

    /** A database credential's fields that are not secret (they name the server and the user, prove nothing). */
    public static final List<String> PUBLIC_FIELDS = List.of("username", "host", "port", "database");

    public DynamicCredential {
        Objects.requireNonNull(leaseId, "leaseId cannot be null");
        Objects.requireNonNull(name, "name cannot be null");
        Objects.requireNonNull(expiresAt, "expiresAt cannot be null");
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        warnings = List.copyOf(warnings);
    }

    /** This credential with {@code more} fields added (or replaced), e.g. the paths of files a client wrote. */
    public DynamicCredential withFields(Map<String, String> more) {
        Map<String, String> all = new LinkedHashMap<>(fields);
        all.putAll(more);
        return new DynamicCredential(leaseId, name, engine, expiresAt, all, warnings);
    }

    /** Whether this is an SSH certificate ({@code ssh} engine), which a job pairs with its own private key. */
    public boolean ssh() {
        return "ssh".equals(engine);
    }

    /**
     * The values a log must never show: every field but the plainly public ones. None of an SSH certificate's: a
     * certificate proves nothing without its private key, which never leaves the job.
     */
    public List<String> secretValues() {
        if (ssh()) {
            return List.of();
        }
        return fields.entrySet().stream()
                .filter(e -> !PUBLIC_FIELDS.contains(e.getKey()))
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
