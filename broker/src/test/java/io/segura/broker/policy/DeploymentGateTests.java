// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segura.broker.config.ConfigException;
import io.segura.broker.config.TrustConfig;
import io.segura.broker.config.TrustConfigLoader;
import io.segura.broker.vault.SecretFacts;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Compile-time and evaluation behaviour of the gate, without a database. */
class DeploymentGateTests {

    private static final CelExpressions CEL = new CelExpressions();
    private static final Instant NOW = Instant.parse("2026-06-03T10:00:00Z");

    private static final String CONFIG = """
            issuers:
              - name: gh
                preset: github-actions
                audiences: [https://b.example]
            roles:
              - name: r
                issuers: [gh]
                bound-claims:
                  repository_id: "74"
                condition: 'claims.ref == "refs/heads/main"'
                secrets: ["db/prod/*"]
                policies: [strict, soft]
            policies:
              - name: strict
                max-secret-age: 90d
                block-exposed: true
                require-latest-version: true
                deny-if:
                  - expr: 'ctx.event == "pull_request"'
                    message: "no secrets for pull requests"
                  - expr: 'claims.environment == "prod"'
                    message: "needs environment"
              - name: soft
                mode: warn
                max-secret-age: 30d
                deny-if:
                  - expr: 'secrets.exists(s, s.age_days > 10)'
                    message: "a secret is older than 10 days"
            """;

    private static DeploymentGate gate(String yaml) {
        TrustConfig config = TrustConfigLoader.parse(yaml, "trust.yaml");
        return DeploymentGate.compile(config, CEL);
    }

    private static SecretFacts facts(String path, Integer pinned, int version, int current, Duration currentAge,
            Instant exposedAt, Duration maxAge) {
        return new SecretFacts(path, pinned, version, current, NOW.minus(currentAge.plusDays(1)),
                NOW.minus(currentAge), exposedAt, maxAge);
    }

    @Test
    void evaluateWhenSeveralRulesBrokenThenListsEveryViolationAndSplitsByMode() {
        DeploymentGate gate = gate(CONFIG);
        GateRequest request = new GateRequest("r", Map.of("ref", "refs/heads/main"), Map.of("event", "pull_request"),
                List.of("db/prod/a", "db/prod/b@1"), null);
        Decision d = gate.evaluate(request, List.of(
                facts("db/prod/a", null, 3, 3, Duration.ofDays(97), null, null),
                facts("db/prod/b", 1, 1, 2, Duration.ofDays(5), NOW.minus(Duration.ofDays(2)), null)), NOW);

        assertThat(d.blocked()).isTrue();
        assertThat(d.violations()).extracting(Violation::rule).containsExactly("outdated", "exposed",
                "outdated-version", "condition", "condition");
        assertThat(d.violations().get(0).detail()).isEqualTo("rotated 97 days ago; limit 90 days");
        assertThat(d.violations().get(0).path()).isEqualTo("db/prod/a");
        assertThat(d.violations().get(0).version()).isEqualTo(3);
        assertThat(d.violations().get(2).detail()).isEqualTo("version 1 is pinned; the current version is 2");
        assertThat(d.violations().get(3).detail()).isEqualTo("no secrets for pull requests");
        assertThat(d.violations().get(4).detail()).contains("deny-if[1]", "needs environment",
                "could not be evaluated", "environment");
        assertThat(d.warnings()).extracting(Violation::rule).containsExactly("outdated", "condition");
        assertThat(d.warnings()).allMatch(v -> v.policy().equals("soft"));
    }

    @Test
    void evaluateWhenSecretHasOwnMaxAgeThenItOverridesThePolicy() {
        DeploymentGate gate = gate(CONFIG);
        GateRequest request = new GateRequest("r", Map.of("environment", "dev"), Map.of("event", "push"),
                List.of("db/prod/a"), null);
        Decision d = gate.evaluate(request, List.of(facts("db/prod/a", null, 1, 1, Duration.ofDays(8), null,
                Duration.ofDays(7))), NOW);
        assertThat(d.violations()).singleElement().satisfies(v -> {
            assertThat(v.rule()).isEqualTo("outdated");
            assertThat(v.detail()).isEqualTo("rotated 8 days ago; limit 7 days (the secret's own max-age)");
        });
        // The override applies to every policy that limits age, the warn-mode one included.
        assertThat(d.warnings()).singleElement().satisfies(v -> assertThat(v.policy()).isEqualTo("soft"));
    }

    @Test
    void evaluateWhenNothingBrokenThenAllows() {
        Decision d = gate(CONFIG).evaluate(new GateRequest("r", Map.of("environment", "dev"), Map.of("event", "push"),
                List.of("db/prod/a"), Duration.ofMinutes(5)), List.of(facts("db/prod/a", null, 2, 2,
                Duration.ofDays(1), null, null)), NOW);
        assertThat(d).isEqualTo(Decision.ALLOW);
    }

    @Test
    void conditionWhenClaimMissingThenFailsWithReasonNotTrue() {
        DeploymentGate gate = gate(CONFIG);
        assertThat(gate.condition("r", Map.of("ref", "refs/heads/main"), Map.of(), Map.of()).value()).isTrue();
        assertThat(gate.condition("r", Map.of("ref", "refs/heads/dev"), Map.of(), Map.of()).value()).isFalse();
        CelOutcome missing = gate.condition("r", Map.of(), Map.of(), Map.of());
        assertThat(missing.failed()).isTrue();
        assertThat(missing.error()).contains("ref");
    }

    @Test
    void compileWhenConditionBrokenThenConfigProblemNamesRoleLineAndColumn() {
        String yaml = CONFIG.replace("condition: 'claims.ref == \"refs/heads/main\"'",
                "condition: 'claims.ref == '");
        assertThatThrownBy(() -> gate(yaml)).isInstanceOf(ConfigException.class).satisfies(e -> {
            ConfigException c = (ConfigException) e;
            assertThat(c.problems()).singleElement().satisfies(p -> {
                assertThat(p.field()).isEqualTo("roles[0].condition");
                assertThat(p.at().file()).isEqualTo("trust.yaml");
                assertThat(p.at().line()).isEqualTo(10);
                assertThat(p.message()).contains("role \"r\"", "line 1, column 15");
            });
            assertThat(c.getMessage()).contains("trust.yaml:10:");
        });
    }

    @Test
    void compileWhenDenyIfBrokenThenEveryProblemNamesItsPolicy() {
        String yaml = CONFIG.replace("'ctx.event == \"pull_request\"'", "'ctx.event = \"x\"'")
                .replace("'secrets.exists(s, s.age_days > 10)'", "'secrets.exists(s, s.age_days > 10) && nope'");
        assertThatThrownBy(() -> gate(yaml)).isInstanceOf(ConfigException.class).satisfies(e -> {
            ConfigException c = (ConfigException) e;
            assertThat(c.problems()).hasSize(2);
            assertThat(c.problems().get(0).field()).isEqualTo("policies[0].deny-if[0].expr");
            assertThat(c.problems().get(0).message()).contains("policy \"strict\"", "line 1, column 11");
            assertThat(c.problems().get(1).field()).isEqualTo("policies[1].deny-if[0].expr");
            assertThat(c.problems().get(1).message()).contains("policy \"soft\"", "line 1, column 39",
                    "undeclared reference to 'nope'");
        });
    }

    @Test
    void compileWhenConditionReadsSecretsThenRefused() {
        String yaml = CONFIG.replace("condition: 'claims.ref == \"refs/heads/main\"'",
                "condition: 'secrets.size() == 0'");
        assertThatThrownBy(() -> gate(yaml)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("undeclared reference to 'secrets'");
    }
}
