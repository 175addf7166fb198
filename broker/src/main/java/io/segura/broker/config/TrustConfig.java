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
        ExportsSpec exports) {

    public TrustConfig {
        issuers = List.copyOf(issuers);
        roles = List.copyOf(roles);
        policies = List.copyOf(policies);
        clients = List.copyOf(clients);
        dynamic = dynamic == null ? DynamicSpec.EMPTY : dynamic;
        exports = exports == null ? ExportsSpec.DEFAULT : exports;
    }

    /** A config without an {@code exports} section. */
    public TrustConfig(String file, List<IssuerSpec> issuers, List<RoleSpec> roles, List<PolicySpec> policies,
            List<ClientSpec> clients, DynamicSpec dynamic) {
        this(file, issuers, roles, policies, clients, dynamic, ExportsSpec.DEFAULT);
    }
}
