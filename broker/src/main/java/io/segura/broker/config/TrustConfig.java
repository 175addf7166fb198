// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import java.util.List;

/**
 * The whole trust configuration (DESIGN §9): one YAML file, parsed strictly and validated at start-up.
 * Immutable; a reload builds a new instance.
 */
public record TrustConfig(
        String file,
        List<IssuerSpec> issuers,
        List<RoleSpec> roles,
        List<PolicySpec> policies,
        List<ClientSpec> clients,
        DynamicSpec dynamic,
        List<SyncSpec> sync,
        ExportsSpec exports,
        AnomalySpec anomaly) {

    public TrustConfig {
        issuers = List.copyOf(issuers);
        roles = List.copyOf(roles);
        policies = List.copyOf(policies);
        clients = List.copyOf(clients);
        dynamic = dynamic == null ? DynamicSpec.EMPTY : dynamic;
        sync = sync == null ? List.of() : List.copyOf(sync);
        exports = exports == null ? ExportsSpec.DEFAULT : exports;
        anomaly = anomaly == null ? AnomalySpec.DISABLED : anomaly;
    }

    /** A config without an {@code anomaly} section. */
    public TrustConfig(String file, List<IssuerSpec> issuers, List<RoleSpec> roles, List<PolicySpec> policies,
            List<ClientSpec> clients, DynamicSpec dynamic, List<SyncSpec> sync, ExportsSpec exports) {
        this(file, issuers, roles, policies, clients, dynamic, sync, exports, AnomalySpec.DISABLED);
    }

    /** A config without sync targets or an {@code exports} section. */
    public TrustConfig(String file, List<IssuerSpec> issuers, List<RoleSpec> roles, List<PolicySpec> policies,
            List<ClientSpec> clients, DynamicSpec dynamic) {
        this(file, issuers, roles, policies, clients, dynamic, List.of(), ExportsSpec.DEFAULT, AnomalySpec.DISABLED);
    }
}
