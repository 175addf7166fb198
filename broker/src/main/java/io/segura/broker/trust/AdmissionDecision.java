// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.trust;

import io.segura.broker.Refusal;
import io.segura.broker.policy.CelOutcome;
import java.util.List;
import java.util.Objects;

/**
 * The one answer to "may this applicant enter this role": the role chosen (named by {@code scope=role:NAME}, or
 * implied when the job named none), every bound claim's check, the condition's outcome, and the refusal when the
 * answer is no. The exchange acts on it; the dry run shows it.
 *
 * @param trusted       whether the role trusts the applicant's issuer or client (false when no role was decided)
 * @param requestedRole the role named in {@code scope}, or {@code null} when the job named none
 * @param role          the role decided on, or {@code null} when none could be (unknown, none or several match)
 * @param condition     the role's CEL condition outcome, {@code null} when it has none or was not reached
 * @param refusal       why not, or {@code null} when admitted
 */
public record AdmissionDecision(Applicant applicant, String requestedRole, TrustRole role, boolean trusted,
        List<RoleCheck> checks, CelOutcome condition, Refusal refusal) {

    public AdmissionDecision {
        Objects.requireNonNull(applicant, "applicant cannot be null");
        checks = List.copyOf(checks);
    }

    public boolean admitted() {
        return refusal == null;
    }
}
