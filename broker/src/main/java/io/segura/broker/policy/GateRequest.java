// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.policy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Who asks for what, as the gate's CEL sees it.
 *
 * @param claims  the token claims of the session ({@code client_id} only for OAuth clients)
 * @param ctx     the normalized run context
 * @param secrets the requested refs as written ({@code path} or {@code path@n})
 * @param ttl     the requested lease ttl, or {@code null} for the role's maximum
 */
public record GateRequest(String role, Map<String, Object> claims, Map<String, Object> ctx, List<String> secrets,
        Duration ttl) {

    public GateRequest {
        Objects.requireNonNull(role, "role cannot be null");
        claims = claims == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(claims));
        ctx = ctx == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(ctx));
        secrets = List.copyOf(secrets);
    }

    /** {@code request} for deny-if: {@code role}, {@code secrets} (list of refs), {@code ttl} (seconds or null). */
    Map<String, Object> requestVariable() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("secrets", secrets);
        m.put("ttl", ttl == null ? null : ttl.toSeconds());
        return m;
    }
}
