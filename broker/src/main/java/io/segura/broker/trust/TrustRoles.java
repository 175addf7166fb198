// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.trust;

import io.segura.broker.config.RoleSpec;
import io.segura.broker.config.TrustConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * All trust roles of one config, compiled once and indexed by name, issuer and client. Immutable: a config reload
 * compiles a new instance.
 */
public final class TrustRoles {

    private final Map<String, TrustRole> byName;
    private final Map<String, List<TrustRole>> byIssuer;
    private final Map<String, List<TrustRole>> byClient;

    private TrustRoles(List<TrustRole> roles) {
        Map<String, TrustRole> names = new LinkedHashMap<>();
        Map<String, List<TrustRole>> issuers = new LinkedHashMap<>();
        Map<String, List<TrustRole>> clients = new LinkedHashMap<>();
        for (TrustRole role : roles) {
            if (names.putIfAbsent(role.name(), role) != null) {
                throw new IllegalArgumentException("duplicate role name " + role.name());
            }
            role.spec().issuers().forEach(i -> issuers.computeIfAbsent(i, k -> new ArrayList<>()).add(role));
            role.spec().clients().forEach(c -> clients.computeIfAbsent(c, k -> new ArrayList<>()).add(role));
        }
        this.byName = java.util.Collections.unmodifiableMap(names);
        this.byIssuer = copy(issuers);
        this.byClient = copy(clients);
    }

    public static TrustRoles compile(TrustConfig config) {
        Objects.requireNonNull(config, "config cannot be null");
        List<TrustRole> roles = new ArrayList<>();
        for (RoleSpec spec : config.roles()) {
            roles.add(TrustRole.compile(spec));
        }
        return new TrustRoles(roles);
    }

    public Optional<TrustRole> byName(String name) {
        return Optional.ofNullable(name == null ? null : byName.get(name));
    }

    /** Roles that trust the issuer, in config order. */
    public List<TrustRole> forIssuer(String issuerName) {
        return issuerName == null ? List.of() : byIssuer.getOrDefault(issuerName, List.of());
    }

    /** Roles that trust the OAuth client, in config order. */
    public List<TrustRole> forClient(String clientId) {
        return clientId == null ? List.of() : byClient.getOrDefault(clientId, List.of());
    }

    public List<TrustRole> all() {
        return List.copyOf(byName.values());
    }

    private static Map<String, List<TrustRole>> copy(Map<String, List<TrustRole>> m) {
        Map<String, List<TrustRole>> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, List.copyOf(v)));
        return java.util.Collections.unmodifiableMap(out);
    }
}
