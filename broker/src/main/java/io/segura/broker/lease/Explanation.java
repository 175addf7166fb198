// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.lease;

import io.segura.broker.Refusal;
import io.segura.broker.policy.CelOutcome;
import io.segura.broker.policy.Violation;
import io.segura.broker.trust.RoleCheck;
import java.util.List;

/**
 * The dry run's answer ({@code POST /api/v2/policy/evaluate}): would this identity get into this role, and would
 * the role's policies release these secrets now — with every check listed.
 *
 * @param role            the role named, or implied when the job names none; {@code null} when none is implied
 * @param named           whether the job names the role ({@code scope=role:NAME}) or leaves the choice to the broker
 * @param issuerTrusted   whether the role trusts the identity's issuer or client
 * @param conditionSource the role's condition text for admins, {@code null} for sessions or when there is none
 * @param condition       the condition's outcome, {@code null} when the role has none or it was not reached
 * @param notAllowed      requested paths outside the role's secret globs
 * @param admission       the exchange's refusal of this identity, {@code null} when it would be admitted
 * @param forAdmin        whether expected values and expressions may be shown
 */
public record Explanation(String role, boolean named, boolean issuerTrusted, List<RoleCheck> roleChecks,
        boolean hasCondition, String conditionSource, CelOutcome condition, List<String> notAllowed,
        List<Violation> violations, List<Violation> warnings, Refusal admission, boolean forAdmin) {

    public Explanation {
        roleChecks = List.copyOf(roleChecks);
        notAllowed = List.copyOf(notAllowed);
        violations = List.copyOf(violations);
        warnings = List.copyOf(warnings);
    }

    /** {@code allow} when an exchange and then a lease of these secrets would both succeed now, else {@code deny}. */
    public String decision() {
        return admission == null && notAllowed.isEmpty() && violations.isEmpty() ? "allow" : "deny";
    }
}
