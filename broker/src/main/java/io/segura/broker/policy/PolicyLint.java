// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.policy;

import io.segura.broker.config.IssuerSpec;
import io.segura.broker.config.Preset;
import io.segura.broker.config.RoleSpec;
import io.segura.broker.config.TrustConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Start-up lint of the deployment gate; warnings are logged, they do not stop the broker.
 * <ul>
 *   <li>A role without any policy whose secret globs name production ({@code prod} in the glob's literal text, or a
 *       bare {@code *} that matches every path): production secrets leave without a gate.</li>
 *   <li>A {@code deny-if} (or role {@code condition}) that reads {@code claims.X} where no issuer of the role can
 *       carry {@code X} by its preset: the expression always fails at run time, which denies every lease or
 *       exchange.</li>
 * </ul>
 */
public final class PolicyLint {

    private PolicyLint() {
    }

    public static List<String> warnings(TrustConfig config, DeploymentGate gate) {
        Map<String, IssuerSpec> issuers = new HashMap<>();
        config.issuers().forEach(i -> issuers.put(i.name(), i));
        List<String> out = new ArrayList<>();
        for (RoleSpec role : config.roles()) {
            if (role.policies().isEmpty()) {
                List<String> prod = role.secrets().stream().filter(PolicyLint::production).toList();
                if (!prod.isEmpty()) {
                    out.add("role \"" + role.name() + "\" (" + role.at() + ") can lease production paths " + prod
                            + " with no deployment policy; attach one (policies: [...]), e.g. with max-secret-age and "
                            + "block-exposed");
                }
            }
            gate.conditionOf(role.name()).ifPresent(c -> unknownClaims(role, c, "its condition", issuers, out));
            for (CompiledPolicy policy : gate.policiesOf(role.name())) {
                for (int i = 0; i < policy.denyIf().size(); i++) {
                    unknownClaims(role, policy.denyIf().get(i), "policy \"" + policy.name() + "\" deny-if[" + i
                            + "] (" + policy.spec().denyIf().get(i).at() + ")", issuers, out);
                }
            }
        }
        return List.copyOf(out);
    }

    static boolean production(String glob) {
        return glob.toLowerCase(Locale.ROOT).contains("prod") || glob.chars().allMatch(c -> c == '*');
    }

    private static void unknownClaims(RoleSpec role, CelExpression expression, String what,
            Map<String, IssuerSpec> issuers, List<String> out) {
        if (role.issuers().isEmpty()) {
            return;
        }
        for (String claim : expression.referencedClaims()) {
            List<String> never = new ArrayList<>();
            boolean anyMay = false;
            for (String issuerName : role.issuers()) {
                IssuerSpec issuer = issuers.get(issuerName);
                Preset preset = issuer == null || issuer.preset() == null ? null
                        : Preset.byName(issuer.preset()).orElse(null);
                Optional<Boolean> carries = preset == null ? Optional.empty() : PresetClaims.carries(preset, claim);
                if (carries.isEmpty() || carries.get()) {
                    anyMay = true;
                    break;
                }
                never.add(issuerName + " (" + preset.configName() + ")");
            }
            if (!anyMay) {
                out.add("role \"" + role.name() + "\": " + what + " reads claims." + claim + ", which tokens of "
                        + String.join(", ", never) + " never carry: the expression will fail at run time and deny "
                        + "every request (use ctx.* for the normalized fields, or guard it with has(claims." + claim + "))");
            }
        }
    }
}
