// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.lease;

import io.segura.broker.Refusal;
import io.segura.broker.config.IssuerSpec;
import io.segura.broker.config.Preset;
import io.segura.broker.config.TrustConfig;
import io.segura.broker.federation.PresetMapping;
import io.segura.broker.federation.Quote;
import io.segura.broker.policy.Decision;
import io.segura.broker.policy.DeploymentGate;
import io.segura.broker.policy.GateRequest;
import io.segura.broker.session.Session;
import io.segura.broker.trust.Admission;
import io.segura.broker.trust.AdmissionDecision;
import io.segura.broker.trust.Applicant;
import io.segura.broker.trust.IdentityTokens;
import io.segura.broker.trust.RoleCheck;
import io.segura.broker.trust.TrustRole;
import io.segura.broker.vault.SecretFacts;
import io.segura.broker.vault.SecretRef;
import io.segura.broker.vault.SecretStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import reactor.core.publisher.Mono;

/**
 * The dry run of an exchange followed by a lease: the same {@link Admission} decision the exchange acts on, then the
 * role's deployment policies, with nothing written — no session, no lease, no audit event, and the subject token's jti
 * is not consumed, so a CI job can still exchange the token it asked about.
 *
 * <p>{@code roleName} is what the job would send as {@code scope=role:NAME}; {@code null} explains the role implied
 * when the job names none (the one role whose bound claims all match), exactly as the exchange would choose it.
 */
public final class LeaseExplainer {

    private final TrustConfig config;
    private final Admission admission;
    private final IdentityTokens tokens;
    private final DeploymentGate gate;
    private final SecretStore secrets;
    private final Clock clock;

    public LeaseExplainer(TrustConfig config, Admission admission, IdentityTokens tokens, DeploymentGate gate,
            SecretStore secrets, Clock clock) {
        this.config = Objects.requireNonNull(config, "config cannot be null");
        this.admission = Objects.requireNonNull(admission, "admission cannot be null");
        this.tokens = Objects.requireNonNull(tokens, "tokens cannot be null");
        this.gate = Objects.requireNonNull(gate, "gate cannot be null");
        this.secrets = Objects.requireNonNull(secrets, "secrets cannot be null");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    }

    /** Admin: explains a real subject token (verified, jti untouched) against {@code roleName}, or the implied role. */
    public Mono<Explanation> forToken(String subjectToken, String roleName, List<SecretRef> refs, Duration ttl) {
        requireKnown(roleName);
        return tokens.verify(subjectToken)
                .flatMap(token -> explain(admission.decide(Applicant.of(token), roleName), refs, ttl, true));
    }

    /**
     * Admin: explains raw claims as if an issuer had signed them. The run context is mapped with the preset of
     * {@code issuerName} (default: the named role's first issuer); a client role without an issuer is explained for
     * the client in {@code claims.client_id} (default: the role's first client).
     */
    public Mono<Explanation> forClaims(Map<String, Object> claims, String issuerName, String roleName,
            List<SecretRef> refs, Duration ttl) {
        TrustRole role = requireKnown(roleName);
        if (role == null && issuerName == null) {
            throw Refusal.invalid("invalid-evaluate-request", "give the role the job would name, or the issuer whose"
                    + " token the claims stand for (to explain the role implied when the job names none)");
        }
        String issuer = issuerName != null ? issuerName
                : role.spec().issuers().isEmpty() ? null : role.spec().issuers().get(0);
        Applicant applicant;
        if (issuer == null) {
            Object clientId = claims.get("client_id");
            applicant = Applicant.client(clientId != null ? String.valueOf(clientId) : role.spec().clients().get(0));
        } else {
            IssuerSpec spec = config.issuers().stream().filter(i -> i.name().equals(issuer)).findFirst()
                    .orElseThrow(() -> Refusal.invalid("unknown-issuer", "no issuer named " + Quote.value(issuer)));
            Preset preset = spec.preset() == null ? null : Preset.byName(spec.preset()).orElse(null);
            applicant = Applicant.ofClaims(issuer, claims, PresetMapping.map(preset, claims).asMap());
        }
        return Mono.defer(() -> explain(admission.decide(applicant, roleName), refs, ttl, true));
    }

    /** A CI session: its own role re-checked with its stored claims and ctx; no expected values, no expressions. */
    public Mono<Explanation> forSession(Session session, List<SecretRef> refs, Duration ttl) {
        Applicant applicant = new Applicant(session.issuer(), session.clientId(), session.subject(), session.claims(),
                session.ctx());
        return Mono.defer(() -> explain(admission.decide(applicant, session.role()), refs, ttl, false));
    }

    private TrustRole requireKnown(String name) {
        if (name == null) {
            return null;
        }
        if (name.isBlank()) {
            throw Refusal.invalid("invalid-evaluate-request", "role must not be blank; leave it out to explain the "
                    + "role implied when the job names none");
        }
        return admission.roles().byName(name).orElseThrow(() -> Refusal.notFound("unknown-role",
                "no role named " + Quote.value(name)));
    }

    private Mono<Explanation> explain(AdmissionDecision decision, List<SecretRef> refs, Duration ttl,
            boolean forAdmin) {
        TrustRole role = decision.role();
        List<RoleCheck> checks = forAdmin ? decision.checks() : decision.checks().stream()
                .map(c -> new RoleCheck(c.claim(), "", c.actual(), c.ok())).toList();
        if (role == null) {
            return Mono.just(new Explanation(decision.requestedRole(), decision.requestedRole() != null, false, checks,
                    false, null, null, List.of(), List.of(), List.of(), decision.refusal(), forAdmin));
        }
        boolean hasCondition = gate.conditionOf(role.name()).isPresent();
        String conditionSource = forAdmin ? gate.conditionOf(role.name()).map(c -> c.source()).orElse(null) : null;
        List<String> notAllowed = refs.stream().map(SecretRef::path).filter(p -> !role.allowsSecret(p)).distinct()
                .toList();
        List<SecretRef> allowed = refs.stream().filter(r -> role.allowsSecret(r.path())).toList();
        GateRequest gateRequest = new GateRequest(role.name(), decision.applicant().claims(),
                decision.applicant().ctx(),
                refs.stream().map(SecretRef::toString).toList(), ttl);
        return secrets.facts(allowed)
                .map((List<SecretFacts> facts) -> {
                    Decision policies = gate.evaluate(gateRequest, facts, clock.instant());
                    return new Explanation(role.name(), decision.requestedRole() != null, decision.trusted(), checks,
                            hasCondition, conditionSource, decision.condition(), notAllowed, policies.violations(),
                            policies.warnings(), decision.refusal(), forAdmin);
                });
    }
}
