// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.policy;

import io.segura.broker.config.PolicySpec;
import io.segura.broker.vault.SecretFacts;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One deployment policy (DESIGN §7) compiled from its spec: the rules, its freeze windows and its {@code deny-if}
 * expressions. {@link #evaluate} lists every violation — it never stops at the first — so a blocked caller learns
 * everything to fix in one go.
 */
public final class CompiledPolicy {

    private final PolicySpec spec;
    private final List<FreezeWindow> windows;
    private final List<CelExpression> denyIf;

    CompiledPolicy(PolicySpec spec, List<CelExpression> denyIf) {
        this.spec = Objects.requireNonNull(spec, "spec cannot be null");
        this.windows = spec.freezeWindows().stream().map(FreezeWindow::new).toList();
        this.denyIf = List.copyOf(denyIf);
    }

    public String name() {
        return spec.name();
    }

    public boolean enforcing() {
        return spec.mode() == PolicySpec.Mode.ENFORCE;
    }

    public PolicySpec spec() {
        return spec;
    }

    List<CelExpression> denyIf() {
        return denyIf;
    }

    /**
     * @param facts the gate facts of each requested secret, in request order
     * @param cel   the CEL variables ({@code claims}, {@code ctx}, {@code request}, {@code secrets}), built once per
     *              request by the gate
     */
    List<Violation> evaluate(List<SecretFacts> facts, Map<String, Object> cel, Instant now) {
        List<Violation> out = new ArrayList<>();
        for (SecretFacts f : facts) {
            maxAge(f, now, out);
            if (spec.blockExposed() && f.exposed()) {
                out.add(violation(Violation.EXPOSED, f, "version " + f.version() + " was reported exposed "
                        + Ages.ago(f.exposedAt(), now) + " and has not been rotated since; rotate it"));
            }
            if (spec.requireLatestVersion() && f.requestedVersion() != null && f.version() != f.currentVersion()) {
                out.add(violation(Violation.OUTDATED_VERSION, f, "version " + f.version() + " is pinned; the current "
                        + "version is " + f.currentVersion()));
            }
        }
        for (FreezeWindow w : windows) {
            if (w.covers(now)) {
                out.add(new Violation(Violation.FREEZE_WINDOW, name(), null, null, "inside the " + w.describe()));
            }
        }
        for (int i = 0; i < denyIf.size(); i++) {
            String message = spec.denyIf().get(i).message();
            CelOutcome outcome = denyIf.get(i).evaluate(cel);
            if (outcome.failed()) {
                out.add(new Violation(Violation.CONDITION, name(), null, null, "deny-if[" + i + "] (\"" + message
                        + "\") could not be evaluated: " + outcome.error() + "; treated as a denial"));
            } else if (outcome.value()) {
                out.add(new Violation(Violation.CONDITION, name(), null, null, message));
            }
        }
        return out;
    }

    private void maxAge(SecretFacts f, Instant now, List<Violation> out) {
        Duration policyLimit = spec.maxSecretAge();
        if (policyLimit == null || policyLimit.isZero()) {
            return;
        }
        Duration limit = f.maxAge() != null ? f.maxAge() : policyLimit;
        Duration age = Duration.between(f.currentCreatedAt(), now);
        if (age.compareTo(limit) > 0) {
            String whose = f.maxAge() != null ? " (the secret's own max-age)" : "";
            String which = f.version() == f.currentVersion() ? "" : " (current version " + f.currentVersion() + ")";
            out.add(violation(Violation.OUTDATED, f, "rotated " + Ages.human(age) + " ago" + which + "; limit "
                    + Ages.human(limit) + whose));
        }
    }

    private Violation violation(String rule, SecretFacts f, String detail) {
        return new Violation(rule, name(), f.path(), f.version(), detail);
    }

    /** The {@code secrets} CEL variable: one map per requested secret. */
    static List<Object> secretsVariable(List<SecretFacts> facts, Instant now) {
        List<Object> out = new ArrayList<>(facts.size());
        for (SecretFacts f : facts) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("path", f.path());
            m.put("version", (long) f.version());
            m.put("current_version", (long) f.currentVersion());
            m.put("pinned", f.requestedVersion() != null);
            m.put("age_days", Duration.between(f.createdAt(), now).toDays());
            m.put("current_age_days", Duration.between(f.currentCreatedAt(), now).toDays());
            m.put("exposed", f.exposed());
            out.add(m);
        }
        return out;
    }

    @Override
    public String toString() {
        return "CompiledPolicy[" + name() + ", " + spec.mode() + "]";
    }
}
