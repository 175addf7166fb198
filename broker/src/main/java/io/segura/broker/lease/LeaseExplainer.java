// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.lease;

import io.segura.broker.ApiException;
import io.segura.broker.config.IssuerSpec;
import io.segura.broker.config.Preset;
import io.segura.broker.config.TrustConfig;
import io.segura.broker.exchange.RoleCheck;
import io.segura.broker.exchange.TrustRole;
import io.segura.broker.exchange.TrustRoles;
import io.segura.broker.federation.PresetMapping;
import io.segura.broker.federation.TokenRejectedException;
import io.segura.broker.federation.TokenVerifier;
import io.segura.broker.policy.CelOutcome;
import io.segura.broker.policy.Decision;
import io.segura.broker.policy.DeploymentGate;
import io.segura.broker.policy.GateRequest;
import io.segura.broker.session.Session;
import io.segura.broker.vault.SecretFacts;
import io.segura.broker.vault.SecretRef;
import io.segura.broker.vault.SecretStore;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import reactor.core.publisher.Mono;

/**
 * The dry run of an exchange followed by a lease: the same role checks, condition and deployment policies the real
 * path runs, with nothing written — no session, no lease, no audit event, and the subject token's jti is not
 * consumed ({@link TokenVerifier#verify} never spends it), so a CI job can still exchange the token it asked about.
 */
public final class LeaseExplainer {

    private final TrustConfig config;
    private final TrustRoles roles;
    private final TokenVerifier verifier;
    private final DeploymentGate gate;
    private final SecretStore secrets;
    private final Clock clock;

    public LeaseExplainer(TrustConfig config, TrustRoles roles, TokenVerifier verifier, DeploymentGate gate,
            SecretStore secrets, Clock clock) {
        this.config = Objects.requireNonNull(config, "config cannot be null");
        this.roles = Objects.requireNonNull(roles, "roles cannot be null");
        this.verifier = Objects.requireNonNull(verifier, "verifier cannot be null");
        this.gate = Objects.requireNonNull(gate, "gate cannot be null");
        this.secrets = Objects.requireNonNull(secrets, "secrets cannot be null");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    }

    /** Admin: explains a real subject token (verified, jti untouched) against {@code roleName}. */
    public Mono<Explanation> forToken(String subjectToken, String roleName, List<SecretRef> refs, Duration ttl) {
        TrustRole role = role(roleName);
        return verifier.verify(subjectToken)
                .onErrorMap(TokenRejectedException.class, e -> ApiException.invalid("invalid-subject-token",
                        "the subject token fails check " + e.check() + ": " + e.getMessage()))
                .flatMap(token -> explain(role, role.trustsIssuer(token.issuerName()), token.claims(),
                        token.ctx().asMap(), refs, ttl, true));
    }

    /**
     * Admin: explains raw claims as if an issuer of the role had signed them. The run context is mapped with the
     * preset of {@code issuerName} (default: the role's first issuer).
     */
    public Mono<Explanation> forClaims(Map<String, Object> claims, String issuerName, String roleName,
            List<SecretRef> refs, Duration ttl) {
        TrustRole role = role(roleName);
        String issuer = issuerName != null ? issuerName
                : role.spec().issuers().isEmpty() ? null : role.spec().issuers().get(0);
        IssuerSpec spec = config.issuers().stream().filter(i -> i.name().equals(issuer)).findFirst().orElse(null);
        if (issuerName != null && spec == null) {
            return Mono.error(ApiException.invalid("unknown-issuer", "no issuer named \"" + issuerName + "\""));
        }
        Preset preset = spec == null || spec.preset() == null ? null : Preset.byName(spec.preset()).orElse(null);
        Map<String, Object> ctx = PresetMapping.map(preset, claims).asMap();
        boolean trusted = issuer == null ? !role.spec().clients().isEmpty() : role.trustsIssuer(issuer);
        return Mono.defer(() -> explain(role, trusted, claims, ctx, refs, ttl, true));
    }

    /** A CI session: its own role, its stored claims and ctx; no expected values, no expressions. */
    public Mono<Explanation> forSession(Session session, List<SecretRef> refs, Duration ttl) {
        TrustRole role = roles.byName(session.role()).orElseThrow(() -> ApiException.forbidden("role-removed",
                "role \"" + session.role() + "\" no longer exists in the trust configuration"));
        return Mono.defer(() -> explain(role, true, session.claims(), session.ctx(), refs, ttl, false));
    }

    private TrustRole role(String name) {
        if (name == null || name.isBlank()) {
            throw ApiException.invalid("invalid-evaluate-request", "role is required");
        }
        return roles.byName(name).orElseThrow(() -> ApiException.notFound("unknown-role",
                "no role named \"" + name + "\""));
    }

    private Mono<Explanation> explain(TrustRole role, boolean issuerTrusted, Map<String, Object> claims,
            Map<String, Object> ctx, List<SecretRef> refs, Duration ttl, boolean forAdmin) {
        List<RoleCheck> checks = role.check(claims, ctx);
        if (!forAdmin) {
            checks = checks.stream().map(c -> new RoleCheck(c.claim(), "", c.actual(), c.ok())).toList();
        }
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("role", role.name());
        request.put("scope", "role:" + role.name());
        boolean hasCondition = gate.conditionOf(role.name()).isPresent();
        CelOutcome condition = hasCondition ? gate.condition(role.name(), claims, ctx, request) : null;
        String conditionSource = forAdmin ? gate.conditionOf(role.name()).map(c -> c.source()).orElse(null) : null;
        List<String> notAllowed = refs.stream().map(SecretRef::path).filter(p -> !role.allowsSecret(p)).distinct()
                .toList();
        List<SecretRef> allowed = refs.stream().filter(r -> role.allowsSecret(r.path())).toList();
        List<RoleCheck> roleChecks = checks;
        GateRequest gateRequest = new GateRequest(role.name(), claims, ctx,
                refs.stream().map(SecretRef::toString).toList(), ttl);
        return secrets.facts(allowed)
                .map((List<SecretFacts> facts) -> {
                    Decision decision = gate.evaluate(gateRequest, facts, clock.instant());
                    return new Explanation(role.name(), issuerTrusted, roleChecks, hasCondition, conditionSource,
                            condition, notAllowed, decision.violations(), decision.warnings(), forAdmin);
                });
    }
}
