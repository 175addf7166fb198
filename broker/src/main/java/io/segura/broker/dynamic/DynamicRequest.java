// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * What an engine needs to create one credential: who asks (the trust role and run context, for templated names),
 * until when it must live, and the request's engine-specific fields (e.g. an SSH public key).
 *
 * @param leaseId    the lease the credential will be recorded under (chosen before the engine runs, so that an
 *                   engine can name it in the credential, e.g. an SSH certificate's key id)
 * @param parameters request fields beyond {@code name} and {@code ttl}; an engine refuses those it does not know
 */
public record DynamicRequest(String name, String leaseId, String role, Map<String, Object> ctx, Instant expiresAt,
        Map<String, String> parameters) {

    public DynamicRequest {
        Objects.requireNonNull(name, "name cannot be null");
        Objects.requireNonNull(leaseId, "leaseId cannot be null");
        Objects.requireNonNull(role, "role cannot be null");
        Objects.requireNonNull(expiresAt, "expiresAt cannot be null");
        ctx = ctx == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(ctx));
        parameters = parameters == null ? Map.of() : Map.copyOf(parameters);
    }
}
