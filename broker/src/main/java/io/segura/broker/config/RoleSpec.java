// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trust role (DESIGN §4): who may exchange into it (OIDC issuers + bound claims, or OAuth clients) and what
 * it may lease.
 *
 * @param boundClaims claim name (or {@code ctx.*} name) to the accepted values; one value is exact or a glob with
 *                    {@code *}, several mean any of. Insertion order is the config order. A YAML number or
 *                    boolean is kept in its written decimal / {@code true}/{@code false} form ({@code 74} → "74").
 * @param condition   CEL expression (compiled by {@code io.segura.broker.policy.DeploymentGate}), or {@code null}
 * @param secrets     path globs the role may lease
 * @param dynamic     dynamic-secret names (DESIGN §6a) the role may request
 * @param accessWindows the role's approved {@code access-window}s (the freeze-window grammar of a policy); an access
 *                    outside all of them is an anomaly (rule {@code outside-window}); empty: no window is set
 * @param onAnomaly   what an anomaly of one of its subjects does ({@code on-anomaly}), or {@code null}: reported only
 */
public record RoleSpec(
        String name,
        List<String> issuers,
        Map<String, List<String>> boundClaims,
        String condition,
        SourceLocation conditionAt,
        List<String> clients,
        List<String> secrets,
        Duration sessionTtl,
        Duration maxLeaseTtl,
        List<String> policies,
        List<String> dynamic,
        List<PolicySpec.FreezeWindow> accessWindows,
        AnomalySpec.OnAnomaly onAnomaly,
        SourceLocation at) {

    public static final Duration DEFAULT_SESSION_TTL = Duration.ofMinutes(10);
    public static final Duration DEFAULT_MAX_LEASE_TTL = Duration.ofMinutes(30);

    public RoleSpec {
        issuers = List.copyOf(issuers);
        Map<String, List<String>> copy = new LinkedHashMap<>();
        boundClaims.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        boundClaims = java.util.Collections.unmodifiableMap(copy);
        clients = List.copyOf(clients);
        secrets = List.copyOf(secrets);
        policies = List.copyOf(policies);
        dynamic = List.copyOf(dynamic);
        accessWindows = accessWindows == null ? List.of() : List.copyOf(accessWindows);
    }

    /** A role without access windows or {@code on-anomaly}. */
    public RoleSpec(String name, List<String> issuers, Map<String, List<String>> boundClaims, String condition,
            SourceLocation conditionAt, List<String> clients, List<String> secrets, Duration sessionTtl,
            Duration maxLeaseTtl, List<String> policies, List<String> dynamic, SourceLocation at) {
        this(name, issuers, boundClaims, condition, conditionAt, clients, secrets, sessionTtl, maxLeaseTtl, policies,
                dynamic, List.of(), null, at);
    }
}
