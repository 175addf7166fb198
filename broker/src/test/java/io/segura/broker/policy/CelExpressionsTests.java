// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The CEL environment: variables, results that are not bools, and the cost bounds. */
class CelExpressionsTests {

    private static final CelExpressions CEL = new CelExpressions();

    private static Map<String, Object> vars(Map<String, Object> claims) {
        Map<String, Object> m = new HashMap<>();
        m.put("claims", CelValues.map(claims));
        Map<String, Object> ctx = new HashMap<>();
        ctx.put("from_fork", null);
        ctx.put("event", "push");
        m.put("ctx", CelValues.map(ctx));
        m.put("request", CelValues.map(Map.of("role", "r")));
        m.put("secrets", List.of());
        return m;
    }

    static Stream<Arguments> outcomes() {
        return Stream.of(
                Arguments.of("claims.n > 3", true, null),
                Arguments.of("claims.list.exists(x, x == 'b')", true, null),
                Arguments.of("claims.obj.k == 'v'", true, null),
                Arguments.of("ctx.from_fork == true", false, null),
                Arguments.of("has(claims.missing) && claims.missing == 'x'", false, null),
                Arguments.of("claims.missing == 'x'", false, "key 'missing' is not present in map"),
                Arguments.of("ctx.from_fork", false, "the result is null, not a bool"),
                Arguments.of("claims.n + claims.obj.k == 'x'", false, "no matching overload"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("outcomes")
    void evaluateWhenExpressionGivenThenBoolOrClearFailure(String expr, boolean value, String error) {
        Map<String, Object> claims = Map.of("n", 5, "list", List.of("a", "b"), "obj", Map.of("k", "v"));
        CelOutcome outcome = CEL.compile(expr, CelExpressions.Scope.POLICY).evaluate(vars(claims));
        if (error == null) {
            assertThat(outcome.failed()).as(outcome.error() == null ? "" : outcome.error()).isFalse();
            assertThat(outcome.value()).isEqualTo(value);
        } else {
            assertThat(outcome.failed()).isTrue();
            assertThat(outcome.error()).containsIgnoringCase(error);
        }
    }

    @Test
    void evaluateWhenDocumentedDenyIfExamplesThenTheyWork() {
        Map<String, Object> vars = new HashMap<>();
        Map<String, Object> ctx = new HashMap<>();
        ctx.put("from_fork", true);
        ctx.put("environment", "staging");
        vars.put("claims", CelValues.map(Map.of()));
        vars.put("ctx", CelValues.map(ctx));
        Map<String, Object> request = new HashMap<>();
        request.put("role", "deploy-prod");
        request.put("secrets", List.of("db/prod/password"));
        request.put("ttl", 3600L);
        vars.put("request", CelValues.map(request));
        vars.put("secrets", CelValues.of(List.of(Map.of("path", "db/prod/password", "version", 4L,
                "age_days", 97L, "exposed", false))));
        for (String expr : List.of("ctx.from_fork == true",
                "secrets.exists(s, s.path.startsWith(\"db/prod/\")) && ctx.environment != \"production\"",
                "request.ttl != null && request.ttl > 1800",
                "secrets.exists(s, s.age_days > 90)")) {
            CelOutcome outcome = CEL.compile(expr, CelExpressions.Scope.POLICY).evaluate(vars);
            assertThat(outcome.failed()).as(expr + ": " + outcome.error()).isFalse();
            assertThat(outcome.value()).as(expr).isTrue();
        }
        request.put("ttl", null);
        vars.put("request", CelValues.map(request));
        assertThat(CEL.compile("request.ttl != null && request.ttl > 1800", CelExpressions.Scope.POLICY)
                .evaluate(vars).value()).isFalse();
    }

    @Test
    void compileWhenComprehensionsNestThreeDeepThenRefusedWithPosition() {
        assertThatThrownBy(() -> CEL.compile("claims.l.all(a, claims.l.all(b, claims.l.all(c, true)))",
                CelExpressions.Scope.POLICY))
                .isInstanceOf(CelExpressions.CelCompileException.class)
                .hasMessageContaining("nest 3 deep; at most 2");
        assertThat(CEL.compile("claims.l.all(a, claims.l.exists(b, a == b))", CelExpressions.Scope.POLICY))
                .isNotNull();
    }

    @Test
    void evaluateWhenComprehensionExceedsIterationCapThenFails() {
        List<Object> big = new ArrayList<>();
        for (int i = 0; i < CelExpressions.MAX_ITERATIONS + 1; i++) {
            big.add(i);
        }
        CelExpression e = CEL.compile("claims.l.all(x, x >= 0)", CelExpressions.Scope.POLICY);
        assertThat(e.evaluate(vars(Map.of("l", big.subList(0, CelExpressions.MAX_ITERATIONS)))).value()).isTrue();
        CelOutcome outcome = e.evaluate(vars(Map.of("l", big)));
        assertThat(outcome.failed()).isTrue();
        assertThat(outcome.error()).containsIgnoringCase("iteration");
    }

    @Test
    void compileWhenDeeplyNestedThenRefused() {
        String deep = "(".repeat(200) + "true" + ")".repeat(200);
        assertThatThrownBy(() -> CEL.compile(deep, CelExpressions.Scope.CONDITION))
                .isInstanceOf(CelExpressions.CelCompileException.class);
    }

    @Test
    void referencedClaimsWhenGuardedByHasThenNotListed() {
        CelExpression e = CEL.compile("claims.a == 'x' && claims['b'] == 'y' && has(claims.c) && claims.c == 'z'",
                CelExpressions.Scope.POLICY);
        assertThat(e.referencedClaims()).containsExactlyInAnyOrder("a", "b");
    }
}
