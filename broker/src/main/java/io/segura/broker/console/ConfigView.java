// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.console;

import io.segura.broker.config.ClientSpec;
import io.segura.broker.config.IssuerSpec;
import io.segura.broker.config.PolicySpec;
import io.segura.broker.config.RoleSpec;
import io.segura.broker.config.TrustConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The loaded trust config as the console shows it ({@code GET /api/v2/admin/config}): issuers, roles, policies and
 * clients, read-only, with the lint warnings start-up logged. Built field by field rather than serialising the specs,
 * so nothing new that a spec grows (a client's secret digest, inline keys) reaches the browser unreviewed.
 */
public final class ConfigView {

    private ConfigView() {
    }

    public static Map<String, Object> of(TrustConfig config, List<String> lintWarnings) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("file", config.file());
        List<Map<String, Object>> issuers = new ArrayList<>();
        for (IssuerSpec i : config.issuers()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", i.name());
            m.put("preset", i.preset());
            m.put("issuer", i.issuer());
            m.put("issuer_pattern", i.issuerPattern());
            m.put("audiences", i.audiences());
            m.put("jwks_uri", i.jwksUri());
            m.put("algorithms", i.algorithms());
            m.put("clock_skew", text(i.clockSkew()));
            m.put("max_token_lifetime", text(i.maxTokenLifetime()));
            m.put("replay_protection", i.replayProtection());
            issuers.add(m);
        }
        body.put("issuers", issuers);
        List<Map<String, Object>> roles = new ArrayList<>();
        for (RoleSpec r : config.roles()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", r.name());
            m.put("issuers", r.issuers());
            m.put("bound_claims", r.boundClaims());
            m.put("condition", r.condition());
            m.put("clients", r.clients());
            m.put("secrets", r.secrets());
            m.put("session_ttl", text(r.sessionTtl()));
            m.put("max_lease_ttl", text(r.maxLeaseTtl()));
            m.put("policies", r.policies());
            m.put("dynamic", r.dynamic());
            roles.add(m);
        }
        body.put("roles", roles);
        List<Map<String, Object>> policies = new ArrayList<>();
        for (PolicySpec p : config.policies()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", p.name());
            m.put("mode", p.mode().name().toLowerCase(java.util.Locale.ROOT));
            m.put("max_secret_age", text(p.maxSecretAge()));
            m.put("block_exposed", p.blockExposed());
            m.put("require_latest_version", p.requireLatestVersion());
            m.put("freeze_windows", p.freezeWindows().size());
            m.put("deny_if", p.denyIf().size());
            policies.add(m);
        }
        body.put("policies", policies);
        List<Map<String, Object>> clients = new ArrayList<>();
        for (ClientSpec c : config.clients()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", c.id());
            // the secret's digest is not shown, only whether the client authenticates by secret or by mTLS
            m.put("authentication", c.mtlsSubject() != null ? "mtls" : "client_secret");
            m.put("mtls_subject", c.mtlsSubject());
            clients.add(m);
        }
        body.put("clients", clients);
        body.put("lint_warnings", List.copyOf(lintWarnings));
        return body;
    }

    private static String text(Duration d) {
        return d == null ? null : d.toString();
    }
}
