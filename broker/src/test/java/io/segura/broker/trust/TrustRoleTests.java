// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.trust;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.util.JSONObjectUtils;
import io.segura.broker.config.RoleSpec;
import io.segura.broker.config.SourceLocation;
import io.segura.broker.federation.RunContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TrustRoleTests {

    private static final Map<String, Object> CTX = new RunContext("github-actions", "octo-org/octo-repo", "74",
            "octo-org", "65", "refs/heads/main", null, "prod", "octo-org/octo-repo/.github/workflows/deploy.yml@refs/"
            + "heads/main", "123", "push", Boolean.FALSE, "octocat", "1").asMap();

    /** Claims as nimbus hands them over after verification (JSON numbers are Long/Double). */
    private static Map<String, Object> json(String json) {
        try {
            return JSONObjectUtils.parse(json);
        } catch (ParseException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static Map<String, Object> fixture(String name) {
        try (var in = TrustRoleTests.class.getResourceAsStream("/exchange/claims/" + name + ".json")) {
            return json(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static RoleSpec spec(Map<String, List<String>> bound, List<String> secrets) {
        return new RoleSpec("deploy", List.of("gh"), bound, null, null, List.of("bamboo"), secrets,
                Duration.ofMinutes(5), Duration.ofMinutes(20), List.of("gate"), List.of(), SourceLocation.UNKNOWN);
    }

    static Stream<Arguments> checks() {
        Map<String, Object> github = fixture("github-actions");
        Map<String, Object> circle = fixture("circleci");
        Map<String, Object> tekton = fixture("kubernetes-tekton");
        return Stream.of(
                row("exact", "ref", List.of("refs/heads/main"), github, true, "refs/heads/main"),
                row("exact mismatch", "ref", List.of("refs/heads/prod"), github, false, "refs/heads/main"),
                row("glob", "sub", List.of("repo:octo-org/octo-repo:*"), github, true,
                        "repo:octo-org/octo-repo:environment:prod"),
                row("glob mismatch", "sub", List.of("repo:octo-org/other:*"), github, false,
                        "repo:octo-org/octo-repo:environment:prod"),
                row("any of", "environment", List.of("staging", "prod"), github, true, "prod"),
                row("none of", "environment", List.of("staging", "production"), github, false, "prod"),
                row("ctx field", "ctx.event", List.of("push"), Map.of("event_name", "pull_request"), true, "push"),
                row("ctx field is not the raw claim", "ctx.repository_id", List.of("74"),
                        Map.of("repository_id", "999"), true, "74"),
                row("ctx boolean", "ctx.from_fork", List.of("false"), Map.of(), true, "false"),
                row("ctx null is missing", "ctx.ref_protected", List.of("*"), Map.of(), false, null),
                row("raw claim named like ctx is not read", "ctx.event", List.of("evil"), Map.of("ctx.event", "evil"),
                        false, "push"),
                row("top-level name with dots and slash", "oidc.circleci.com/project-id",
                        List.of("7e6d5c4b-3a2f-4e1d-9c8b-7a6f5e4d3c2b"), circle, true,
                        "7e6d5c4b-3a2f-4e1d-9c8b-7a6f5e4d3c2b"),
                row("nested under dotted key", "kubernetes.io.namespace", List.of("ci"), tekton, true, "ci"),
                row("deeper nesting", "kubernetes.io.serviceaccount.name", List.of("tekton-*"), tekton, true,
                        "tekton-deployer"),
                row("nested object itself does not match", "kubernetes.io.pod", List.of("*"), tekton, false,
                        "{object}"),
                row("exact top-level name wins over path", "a.b", List.of("top"),
                        json("{\"a.b\": \"top\", \"a\": {\"b\": \"nested\"}}"), true, "top"),
                row("longest existing prefix first", "a.b.c", List.of("long"),
                        json("{\"a.b\": {\"c\": \"long\"}, \"a\": {\"b\": {\"c\": \"short\"}}}"), true, "long"),
                row("falls back to a shorter prefix", "a.b.c", List.of("short"),
                        json("{\"a.b\": {\"x\": 1}, \"a\": {\"b\": {\"c\": \"short\"}}}"), true, "short"),
                row("number claim", "repository_id", List.of("74"), json("{\"repository_id\": 74}"), true, "74"),
                row("whole double claim", "repository_id", List.of("74"), json("{\"repository_id\": 74.0}"), true,
                        "74"),
                row("big number claim", "id", List.of("123456789012345678901234567890"),
                        Map.of("id", new java.math.BigInteger("123456789012345678901234567890")), true,
                        "123456789012345678901234567890"),
                row("long number claim", "id", List.of("9007199254740993"), json("{\"id\": 9007199254740993}"), true,
                        "9007199254740993"),
                row("number is not a prefix", "repository_id", List.of("7"), json("{\"repository_id\": 74}"), false,
                        "74"),
                row("boolean claim", "ref_protected", List.of("true"), json("{\"ref_protected\": true}"), true,
                        "true"),
                row("boolean string claim", "ref_protected", List.of("true"), json("{\"ref_protected\": \"true\"}"),
                        true, "true"),
                row("boolean false", "ref_protected", List.of("true"), json("{\"ref_protected\": false}"), false,
                        "false"),
                row("list claim any element", "groups", List.of("deployers"),
                        json("{\"groups\": [\"devs\", \"deployers\"]}"), true, "[devs, deployers]"),
                row("list claim no element", "groups", List.of("admins"), json("{\"groups\": [\"devs\"]}"), false,
                        "[devs]"),
                row("list claim numbers", "ids", List.of("2"), json("{\"ids\": [1, 2]}"), true, "[1, 2]"),
                row("empty list claim", "groups", List.of("*"), json("{\"groups\": []}"), false, "[]"),
                row("missing claim never matches star", "environment", List.of("*"), Map.of(), false, null),
                row("null claim is missing", "environment", List.of("*"), json("{\"environment\": null}"), false,
                        null),
                row("present empty string matches star", "environment", List.of("*"),
                        json("{\"environment\": \"\"}"), true, ""),
                row("case-sensitive", "environment", List.of("Prod"), github, false, "prod"),
                row("regex metacharacter literal", "environment", List.of("pro."), github, false, "prod"),
                row("glob over-match documented", "ref", List.of("refs/heads/main*"),
                        json("{\"ref\": \"refs/heads/main-evil\"}"), true, "refs/heads/main-evil"),
                row("glob with separator does not over-match", "ref", List.of("refs/heads/main/*"),
                        json("{\"ref\": \"refs/heads/main-evil\"}"), false, "refs/heads/main-evil"));
    }

    private static Arguments row(String name, String claim, List<String> patterns, Map<String, Object> claims,
            boolean ok, String actual) {
        return Arguments.of(name, claim, patterns, claims, ok, actual);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("checks")
    void checkWhenBoundClaimThenResult(String name, String claim, List<String> patterns, Map<String, Object> claims,
            boolean ok, String actual) {
        TrustRole role = TrustRole.compile(spec(Map.of(claim, patterns), List.of("db/*")));
        List<RoleCheck> checks = role.check(claims, CTX);
        assertThat(checks).hasSize(1);
        RoleCheck c = checks.get(0);
        assertThat(c.claim()).isEqualTo(claim);
        assertThat(c.ok()).isEqualTo(ok);
        assertThat(c.actual()).isEqualTo(actual);
        assertThat(c.expected()).isEqualTo(patterns.size() == 1 ? patterns.get(0) : "any of " + patterns);
        assertThat(role.matches(claims, CTX)).isEqualTo(ok);
    }

    @Test
    void checkWhenSeveralClaimsThenEveryOneEvaluatedInConfigOrder() {
        Map<String, List<String>> bound = new LinkedHashMap<>();
        bound.put("repository_id", List.of("74"));
        bound.put("ref", List.of("refs/heads/prod"));
        bound.put("environment", List.of("prod", "production"));
        bound.put("ctx.event", List.of("push"));
        TrustRole role = TrustRole.compile(spec(bound, List.of("db/*")));
        List<RoleCheck> checks = role.check(fixture("github-actions"), CTX);
        assertThat(checks).containsExactly(
                new RoleCheck("repository_id", "74", "74", true),
                new RoleCheck("ref", "refs/heads/prod", "refs/heads/main", false),
                new RoleCheck("environment", "any of [prod, production]", "prod", true),
                new RoleCheck("ctx.event", "push", "push", true));
        assertThat(role.matches(fixture("github-actions"), CTX)).isFalse();
    }

    @Test
    void checkWhenCtxMapAbsentThenCtxClaimsMissing() {
        TrustRole role = TrustRole.compile(spec(Map.of("ctx.event", List.of("*")), List.of("db/*")));
        assertThat(role.check(Map.of(), null)).containsExactly(new RoleCheck("ctx.event", "*", null, false));
    }

    @Test
    void matchesWhenNoBoundClaimsThenFalse() {
        TrustRole role = TrustRole.compile(spec(Map.of(), List.of("db/*")));
        assertThat(role.check(Map.of(), CTX)).isEmpty();
        assertThat(role.matches(Map.of("sub", "x"), CTX)).isFalse();
    }

    static Stream<Arguments> secretRows() {
        return Stream.of(
                Arguments.of("db/prod/*", "db/prod/password", true),
                Arguments.of("db/prod/*", "db/prod/nested/password", true),
                Arguments.of("db/prod/*", "db/prod", false),
                Arguments.of("db/prod/*", "db/production/password", false),
                Arguments.of("db/prod*", "db/production/password", true),
                Arguments.of("api/stripe/key", "api/stripe/key", true),
                Arguments.of("api/stripe/key", "api/stripe/key2", false),
                Arguments.of("api/stripe/key", "api/stripe", false),
                Arguments.of("api/*/key", "api/stripe/key", true),
                Arguments.of("api/*/key", "api/stripe/keys", false),
                Arguments.of("db/prod.a", "db/prodxa", false),
                Arguments.of("db/prod/*", "DB/prod/password", false),
                Arguments.of("*", "anything/goes", true));
    }

    @ParameterizedTest(name = "{0} allows {1} = {2}")
    @MethodSource("secretRows")
    void allowsSecretWhenGlobThenExpected(String glob, String path, boolean allowed) {
        TrustRole role = TrustRole.compile(spec(Map.of("ref", List.of("x")), List.of("other/x", glob)));
        assertThat(role.allowsSecret(path)).isEqualTo(allowed);
    }

    @Test
    void allowsSecretWhenNullThenFalse() {
        assertThat(TrustRole.compile(spec(Map.of(), List.of("*"))).allowsSecret(null)).isFalse();
    }

    @Test
    void allowsSecretWhenBrokerReservedPathThenFalseWhateverTheGlob() {
        TrustRole everything = TrustRole.compile(spec(Map.of(), List.of("*")));
        assertThat(everything.allowsSecret("db/prod/password")).isTrue();
        assertThat(everything.allowsSecret(io.segura.broker.export.WebhookSubscriptions.SECRET_PREFIX + "wh-1"))
                .isFalse();
        assertThat(TrustRole.compile(spec(Map.of(), List.of("segura-exports/*"))).allowsSecret(
                "segura-exports/webhooks/wh-1")).isFalse();
    }

    @Test
    void accessorsWhenCompiledThenFromSpec() {
        RoleSpec spec = spec(Map.of("ref", List.of("x")), List.of("db/*"));
        TrustRole role = TrustRole.compile(spec);
        assertThat(role.name()).isEqualTo("deploy");
        assertThat(role.spec()).isSameAs(spec);
        assertThat(role.sessionTtl()).isEqualTo(Duration.ofMinutes(5));
        assertThat(role.maxLeaseTtl()).isEqualTo(Duration.ofMinutes(20));
        assertThat(role.policies()).containsExactly("gate");
        assertThat(role.trustsIssuer("gh")).isTrue();
        assertThat(role.trustsIssuer("GH")).isFalse();
        assertThat(role.trustsIssuer(null)).isFalse();
        assertThat(role.trustsClient("bamboo")).isTrue();
        assertThat(role.trustsClient("jenkins")).isFalse();
    }
}
