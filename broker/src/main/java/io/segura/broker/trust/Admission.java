// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.trust;

import io.segura.broker.Refusal;
import io.segura.broker.federation.Quote;
import io.segura.broker.policy.CelOutcome;
import io.segura.broker.policy.DeploymentGate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The only place that decides whether an applicant enters a trust role (DESIGN §4): the token exchange, the
 * client-credentials grant, the dry run ({@code /api/v2/policy/evaluate}) and a session's re-check all ask here, so
 * they cannot disagree.
 *
 * <p>With {@code scope=role:NAME} the named role must trust the applicant's issuer (or client), every bound claim must
 * match and its condition must hold. Without a scope, the one role of the issuer (or client) whose bound claims all
 * match is chosen, and its condition must hold; none or several is a refusal. The condition sees {@code request =
 * {role, scope}} with {@code scope} exactly as the job sent it ({@code ""} when it sent none).
 *
 * <p>Refusals name the check, the claim and the applicant's own value, never an expected value or the condition's
 * text (STYLE house rule 8): those are server-side policy, shown to admins by the dry run.
 */
public final class Admission {

    private final TrustRoles roles;
    private final DeploymentGate gate;

    public Admission(TrustRoles roles, DeploymentGate gate) {
        this.roles = Objects.requireNonNull(roles, "roles cannot be null");
        this.gate = Objects.requireNonNull(gate, "gate cannot be null");
    }

    public TrustRoles roles() {
        return roles;
    }

    /** The role the applicant enters, or the decision's refusal thrown. */
    public TrustRole admit(Applicant applicant, String requestedRole) {
        AdmissionDecision decision = decide(applicant, requestedRole);
        if (!decision.admitted()) {
            throw decision.refusal();
        }
        return decision.role();
    }

    /** Decides without acting: every check of the chosen role is evaluated (the dry run shows them all). */
    public AdmissionDecision decide(Applicant applicant, String requestedRole) {
        Objects.requireNonNull(applicant, "applicant cannot be null");
        if (requestedRole != null) {
            TrustRole role = roles.byName(requestedRole).orElse(null);
            if (role == null || !trusts(role, applicant)) {
                return new AdmissionDecision(applicant, requestedRole, role, false, List.of(), null,
                        Refusal.scopeRefused("invalid-scope", "role " + Quote.value(requestedRole)
                                + " does not exist or does not accept " + (applicant.isClient()
                                ? "client " + Quote.value(applicant.clientId()) : "tokens from this issuer")));
            }
            List<RoleCheck> checks = role.check(applicant.claims(), applicant.ctx());
            List<RoleCheck> failed = checks.stream().filter(c -> !c.ok()).toList();
            if (!failed.isEmpty()) {
                return new AdmissionDecision(applicant, requestedRole, role, true, checks, null,
                        Refusal.tokenRefused("role-mismatch", failed.get(0).claim(), "role \"" + role.name()
                                + "\" refused this token: " + describe(failed)));
            }
            return withCondition(applicant, requestedRole, role, checks);
        }
        List<TrustRole> candidates = applicant.isClient() ? roles.forClient(applicant.clientId())
                : roles.forIssuer(applicant.issuerName());
        // each candidate's claims are checked once; the one that matches keeps its checks for the decision
        Map<TrustRole, List<RoleCheck>> matched = new LinkedHashMap<>();
        for (TrustRole r : candidates) {
            List<RoleCheck> checks = r.check(applicant.claims(), applicant.ctx());
            if (checks.stream().allMatch(RoleCheck::ok)) {
                matched.put(r, checks);
            }
        }
        List<TrustRole> matching = List.copyOf(matched.keySet());
        if (matching.size() == 1) {
            TrustRole role = matching.get(0);
            return withCondition(applicant, null, role, matched.get(role));
        }
        Refusal refusal;
        if (matching.isEmpty()) {
            refusal = applicant.isClient()
                    ? Refusal.scopeRefused("no-role", "no role accepts client " + Quote.value(applicant.clientId()))
                    : Refusal.tokenRefused("no-role", "sub", "no role of this broker accepts this token (subject "
                            + Quote.value(applicant.subject()) + "); ask for one with scope=role:NAME to see which "
                            + "claim it refuses");
        } else {
            refusal = Refusal.scopeRefused("several-roles", (applicant.isClient() ? "client "
                    + Quote.value(applicant.clientId()) + " may use" : "this token is accepted by")
                    + " several roles (" + matching.stream().map(TrustRole::name).collect(Collectors.joining(", "))
                    + "); choose one with scope=role:NAME");
        }
        return new AdmissionDecision(applicant, null, null, !candidates.isEmpty(), List.of(), null, refusal);
    }

    /**
     * The role's CEL {@code condition} over {@code claims}, {@code ctx} and {@code request = {role, scope}}. An
     * evaluation error (a missing claim …) refuses too.
     */
    private AdmissionDecision withCondition(Applicant applicant, String requestedRole, TrustRole role,
            List<RoleCheck> checks) {
        if (gate.conditionOf(role.name()).isEmpty()) {
            return new AdmissionDecision(applicant, requestedRole, role, true, checks, null, null);
        }
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("role", role.name());
        request.put("scope", requestedRole == null ? "" : "role:" + requestedRole);
        CelOutcome outcome = gate.condition(role.name(), applicant.claims(), applicant.ctx(), request);
        Refusal refusal = null;
        if (outcome.failed()) {
            refusal = Refusal.tokenRefused("condition", null, "role \"" + role.name() + "\" refused this token: its "
                    + "condition could not be evaluated (" + outcome.error() + ")");
        } else if (!outcome.value()) {
            refusal = Refusal.tokenRefused("condition", null, "role \"" + role.name() + "\" refused this token: "
                    + "its condition was not met");
        }
        return new AdmissionDecision(applicant, requestedRole, role, true, checks, outcome, refusal);
    }

    private static boolean trusts(TrustRole role, Applicant applicant) {
        return applicant.isClient() ? role.trustsClient(applicant.clientId()) : role.trustsIssuer(applicant.issuerName());
    }

    /** Names each failed claim and the applicant's own value, quoted and bounded; never the expected value. */
    static String describe(List<RoleCheck> failed) {
        return failed.stream()
                .map(c -> c.actual() == null ? "claim " + c.claim() + " is missing"
                        : "claim " + c.claim() + " is " + Quote.value(c.actual()))
                .collect(Collectors.joining("; ")) + " — not accepted";
    }
}
