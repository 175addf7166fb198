// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.lease;

import io.segura.broker.exchange.RoleCheck;
import io.segura.broker.policy.CelOutcome;
import io.segura.broker.policy.Violation;
import java.util.List;

/**
 * The dry run's answer ({@code POST /api/v2/policy/evaluate}): would this identity get into this role, and would
 * the role's policies release these secrets now — with every check listed.
 *
 * @param issuerTrusted   whether the role trusts the identity's issuer (always true for a session's own role)
 * @param conditionSource the role's condition text for admins, {@code null} for sessions or when there is none
 * @param condition       the condition's outcome, {@code null} when the role has none
 * @param notAllowed      requested paths outside the role's secret globs
 * @param forAdmin        whether expected values and expressions may be shown
 */
public record Explanation(String role, boolean issuerTrusted, List<RoleCheck> roleChecks, boolean hasCondition,
        String conditionSource, CelOutcome condition, List<String> notAllowed, List<Violation> violations,
        List<Violation> warnings, boolean forAdmin) {

    public Explanation {
        roleChecks = List.copyOf(roleChecks);
        notAllowed = List.copyOf(notAllowed);
        violations = List.copyOf(violations);
        warnings = List.copyOf(warnings);
    }

    /** {@code allow} when an exchange and then a lease of these secrets would both succeed now, else {@code deny}. */
    public String decision() {
        boolean conditionOk = condition == null || !condition.failed() && condition.value();
        return issuerTrusted && roleChecks.stream().allMatch(RoleCheck::ok) && conditionOk && notAllowed.isEmpty()
                && violations.isEmpty() ? "allow" : "deny";
    }
}
