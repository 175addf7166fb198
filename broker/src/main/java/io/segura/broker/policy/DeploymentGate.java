// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.policy;

import io.segura.broker.config.ConfigException;
import io.segura.broker.config.ConfigProblem;
import io.segura.broker.config.PolicySpec;
import io.segura.broker.config.RoleSpec;
import io.segura.broker.config.SourceLocation;
import io.segura.broker.config.TrustConfig;
import io.segura.broker.vault.SecretFacts;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The deployment gate of one trust config: every role {@code condition} and every policy compiled once at start-up
 * (a CEL error stops the broker with a {@link ConfigException} naming the role or policy, line and column), then
 * evaluated per exchange ({@link #condition}) and per lease ({@link #evaluate}). Immutable and thread-safe.
 */
public final class DeploymentGate {

    private final Map<String, CelExpression> conditions;
    private final Map<String, List<CompiledPolicy>> policiesByRole;
    private final Map<String, CompiledPolicy> policiesByName;

    private DeploymentGate(Map<String, CelExpression> conditions, Map<String, List<CompiledPolicy>> policiesByRole,
            Map<String, CompiledPolicy> policiesByName) {
        this.conditions = Map.copyOf(conditions);
        this.policiesByRole = Map.copyOf(policiesByRole);
        this.policiesByName = Map.copyOf(policiesByName);
    }

    /**
     * Compiles every condition and deny-if of {@code config}.
     *
     * @throws ConfigException listing every expression that does not compile
     */
    public static DeploymentGate compile(TrustConfig config, CelExpressions cel) {
        Objects.requireNonNull(config, "config cannot be null");
        Objects.requireNonNull(cel, "cel cannot be null");
        List<ConfigProblem> problems = new ArrayList<>();
        Map<String, CompiledPolicy> byName = new LinkedHashMap<>();
        for (int p = 0; p < config.policies().size(); p++) {
            PolicySpec spec = config.policies().get(p);
            List<CelExpression> denyIf = new ArrayList<>();
            for (int d = 0; d < spec.denyIf().size(); d++) {
                PolicySpec.DenyIf rule = spec.denyIf().get(d);
                try {
                    denyIf.add(cel.compile(rule.expr(), CelExpressions.Scope.POLICY));
                } catch (CelExpressions.CelCompileException e) {
                    problems.add(problem(rule.at(), "policies[" + p + "].deny-if[" + d + "].expr",
                            "policy \"" + spec.name() + "\"", e));
                }
            }
            byName.put(spec.name(), new CompiledPolicy(spec, denyIf));
        }
        Map<String, CelExpression> conditions = new HashMap<>();
        Map<String, List<CompiledPolicy>> byRole = new HashMap<>();
        for (int r = 0; r < config.roles().size(); r++) {
            RoleSpec role = config.roles().get(r);
            if (role.condition() != null) {
                try {
                    conditions.put(role.name(), cel.compile(role.condition(), CelExpressions.Scope.CONDITION));
                } catch (CelExpressions.CelCompileException e) {
                    problems.add(problem(role.conditionAt(), "roles[" + r + "].condition",
                            "role \"" + role.name() + "\"", e));
                }
            }
            // The loader has checked that every named policy exists.
            byRole.put(role.name(), role.policies().stream().map(byName::get).filter(Objects::nonNull).toList());
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new DeploymentGate(conditions, byRole, byName);
    }

    private static ConfigProblem problem(SourceLocation at, String field, String owner,
            CelExpressions.CelCompileException e) {
        return new ConfigProblem(at == null ? SourceLocation.UNKNOWN : at, field, owner + ": CEL expression does not "
                + "compile at its line " + e.line() + ", column " + e.column() + ": " + e.getMessage());
    }

    /** The role's compiled condition, if it has one. */
    public Optional<CelExpression> conditionOf(String role) {
        return Optional.ofNullable(conditions.get(role));
    }

    /**
     * Evaluates the role's condition over the caller's claims, ctx and {@code request}; a role without a condition
     * passes.
     */
    public CelOutcome condition(String role, Map<String, Object> claims, Map<String, Object> ctx,
            Map<String, Object> request) {
        CelExpression expression = conditions.get(role);
        if (expression == null) {
            return CelOutcome.of(true);
        }
        Map<String, Object> variables = new HashMap<>();
        variables.put("claims", CelValues.map(claims));
        variables.put("ctx", CelValues.map(ctx));
        variables.put("request", CelValues.map(request));
        return expression.evaluate(variables);
    }

    /** The policies attached to the role, in the role's order (empty: the role is not gated). */
    public List<CompiledPolicy> policiesOf(String role) {
        return policiesByRole.getOrDefault(role, List.of());
    }

    public Optional<CompiledPolicy> policy(String name) {
        return Optional.ofNullable(policiesByName.get(name));
    }

    /**
     * Evaluates every policy of the request's role. Enforce violations block; warn violations are warnings.
     *
     * @param facts the gate facts of each requested secret, in request order
     */
    public Decision evaluate(GateRequest request, List<SecretFacts> facts, Instant now) {
        List<CompiledPolicy> policies = policiesOf(request.role());
        if (policies.isEmpty()) {
            return Decision.ALLOW;
        }
        // The CEL variables are built only when some policy has deny-if rules: the lease path is hot.
        Map<String, Object> variables = Map.of();
        if (policies.stream().anyMatch(p -> !p.denyIf().isEmpty())) {
            variables = new HashMap<>();
            variables.put("claims", CelValues.map(request.claims()));
            variables.put("ctx", CelValues.map(request.ctx()));
            variables.put("request", CelValues.map(request.requestVariable()));
            variables.put("secrets", CelValues.of(CompiledPolicy.secretsVariable(facts, now)));
        }
        List<Violation> blocking = new ArrayList<>();
        List<Violation> warnings = new ArrayList<>();
        for (CompiledPolicy policy : policies) {
            (policy.enforcing() ? blocking : warnings).addAll(policy.evaluate(facts, variables, now));
        }
        return new Decision(blocking, warnings);
    }
}
