// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZonedDateTime;
import java.time.temporal.TemporalAdjusters;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;

/** Every rule of DESIGN §7 in enforce and warn mode, over real HTTP, plus role conditions at exchange. */
class DeploymentGateEndpointTest extends GateHttpTest {

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> violations(Map<?, ?> problem) {
        return (List<Map<String, Object>>) problem.get("violations");
    }

    private Map<?, ?> blocked(String session, List<String> secrets) {
        return lease(session, secrets).expectStatus().isForbidden()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody(Map.class).returnResult().getResponseBody();
    }

    @Test
    void leaseWhenCurrentVersionOlderThanMaxAgeThen403OutdatedUntilRotated() {
        freshDay();
        putSecret("gate/aged/db", "aged-value-version-1");
        CLOCK.advance(Duration.ofDays(97));
        String session = session("201", "aged", Map.of());

        Map<?, ?> problem = blocked(session, List.of("gate/aged/db"));
        assertThat(problem.get("type")).isEqualTo("https://segura.dev/problems/deployment-blocked");
        assertThat(problem.get("status")).isEqualTo(403);
        assertThat(violations(problem)).singleElement().satisfies(v -> {
            assertThat(v).containsEntry("rule", "outdated").containsEntry("path", "gate/aged/db")
                    .containsEntry("version", 1).containsEntry("policy", "age-gate")
                    .containsEntry("detail", "rotated 97 days ago; limit 90 days");
        });
        assertThat(problem.toString()).doesNotContain("aged-value-version-1");
        List<Map<String, Object>> denied = events("lease.denied", "gate/aged/db");
        assertThat(denied).isNotEmpty();
        assertThat(denied.get(0).get("reason").toString()).contains("deployment-blocked");
        assertThat(denied.get(0).get("details").toString()).contains("outdated", "rotated 97 days ago");

        rotate("gate/aged/db", "aged-value-version-2");
        lease(session, List.of("gate/aged/db")).expectStatus().isCreated().expectBody()
                .jsonPath("$.secrets[0].version").isEqualTo(2)
                .jsonPath("$.secrets[0].value").isEqualTo("aged-value-version-2");
    }

    @Test
    void leaseWhenSecretHasOwnMaxAgeThenItOverridesThePolicyLimit() {
        freshDay();
        admin("PUT", "/api/v2/admin/secrets/gate/aged/short", Map.of("value", "short-lived-value", "max-age", "7d"))
                .expectStatus().isCreated();
        CLOCK.advance(Duration.ofDays(8));
        Map<?, ?> problem = blocked(session("201", "aged", Map.of()), List.of("gate/aged/short"));
        assertThat(violations(problem)).singleElement().satisfies(v -> assertThat(v.get("detail"))
                .isEqualTo("rotated 8 days ago; limit 7 days (the secret's own max-age)"));
    }

    @Test
    void leaseWhenVersionReportedExposedThen403UntilRotatedAndThePinnedOldVersionStaysBlocked() {
        freshDay();
        putSecret("gate/exposed/key", "exposed-value-one-111");
        admin("POST", "/api/v2/admin/secrets/gate/exposed/key/exposures",
                Map.of("value", "exposed-value-one-111", "source", "gitleaks")).expectStatus().isCreated();
        String session = session("202", "exposed", Map.of());

        Map<?, ?> problem = blocked(session, List.of("gate/exposed/key"));
        assertThat(violations(problem)).singleElement().satisfies(v -> {
            assertThat(v).containsEntry("rule", "exposed").containsEntry("version", 1);
            assertThat((String) v.get("detail")).contains("reported exposed", "rotate it");
        });

        rotate("gate/exposed/key", "exposed-value-two-222");
        lease(session, List.of("gate/exposed/key")).expectStatus().isCreated().expectBody()
                .jsonPath("$.secrets[0].version").isEqualTo(2);
        assertThat(violations(blocked(session, List.of("gate/exposed/key@1")))).extracting(v -> v.get("rule"))
                .containsExactly("exposed");
        assertThat(events("secret.exposed", "gate/exposed/key")).isNotEmpty();
        assertThat(events("secret.rotated", "gate/exposed/key")).isNotEmpty();
    }

    @Test
    void leaseWhenPinnedVersionIsNotCurrentThen403OutdatedVersion() {
        freshDay();
        putSecret("gate/latest/token", "latest-value-one-1");
        rotate("gate/latest/token", "latest-value-two-2");
        String session = session("203", "latest", Map.of());
        assertThat(violations(blocked(session, List.of("gate/latest/token@1")))).singleElement().satisfies(v -> {
            assertThat(v).containsEntry("rule", "outdated-version").containsEntry("version", 1)
                    .containsEntry("detail", "version 1 is pinned; the current version is 2");
        });
        lease(session, List.of("gate/latest/token@2")).expectStatus().isCreated();
        lease(session, List.of("gate/latest/token")).expectStatus().isCreated();
    }

    @Test
    void leaseWhenInsideWeeklyOrAbsoluteFreezeThen403FreezeWindow() {
        freshDay();
        putSecret("gate/frozen/db", "frozen-value-123");
        ZonedDateTime saturday = CLOCK.instant().atZone(BERLIN).with(TemporalAdjusters.next(DayOfWeek.SATURDAY))
                .with(LocalTime.of(12, 0));
        CLOCK.moveTo(saturday.toInstant());
        Map<?, ?> problem = blocked(session("204", "frozen", Map.of()), List.of("gate/frozen/db"));
        assertThat(violations(problem)).singleElement().satisfies(v -> {
            assertThat(v).containsEntry("rule", "freeze-window").containsEntry("path", null);
            assertThat((String) v.get("detail")).contains("no weekend deploys", "Europe/Berlin");
        });
        // Monday 00:00 in Berlin, whatever the UTC offset that night.
        CLOCK.moveTo(saturday.with(TemporalAdjusters.next(DayOfWeek.MONDAY)).with(LocalTime.MIDNIGHT).toInstant());
        lease(session("204", "frozen", Map.of()), List.of("gate/frozen/db")).expectStatus().isCreated();

        CLOCK.moveTo(Instant.parse("2099-01-05T10:00:00Z"));
        assertThat(violations(blocked(session("204", "frozen", Map.of()), List.of("gate/frozen/db"))))
                .singleElement().satisfies(v -> assertThat((String) v.get("detail")).contains("millennium freeze"));
    }

    @Test
    void leaseWhenDenyIfMatchesOrFailsThen403ConditionNamingWhy() {
        freshDay();
        putSecret("gate/denied/db", "denied-value-123");
        Map<?, ?> pr = blocked(session("205", "denied", Map.of("event_name", "pull_request",
                "environment", "dev")), List.of("gate/denied/db"));
        assertThat(violations(pr)).singleElement().satisfies(v -> assertThat(v)
                .containsEntry("rule", "condition")
                .containsEntry("detail", "secrets are never released to pull request runs"));

        Map<?, ?> missing = blocked(session("205", "denied", Map.of("event_name", "push")), List.of("gate/denied/db"));
        assertThat(violations(missing)).singleElement().satisfies(v -> assertThat((String) v.get("detail"))
                .contains("deny-if[1]", "production needs the deploy role", "could not be evaluated",
                        "'environment'"));

        lease(session("205", "denied", Map.of("event_name", "push", "environment", "dev")),
                List.of("gate/denied/db")).expectStatus().isCreated();
    }

    @Test
    void leaseWhenWarnModeThenReleasesSecretsWithWarningsAndAuditsPolicyWarned() {
        freshDay();
        putSecret("gate/warned/db", "warned-value-123");
        CLOCK.advance(Duration.ofDays(100));
        Map<?, ?> body = lease(session("206", "warned", Map.of()), List.of("gate/warned/db")).expectStatus()
                .isCreated().expectBody(Map.class).returnResult().getResponseBody();
        assertThat(body.toString()).contains("warned-value-123");
        assertThat((List<?>) body.get("warnings")).singleElement().asString()
                .contains("warn-gate", "outdated", "rotated 100 days ago; limit 90 days");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> policyWarnings = (List<Map<String, Object>>) body.get("policy_warnings");
        assertThat(policyWarnings).singleElement().satisfies(v -> assertThat(v).containsEntry("rule", "outdated")
                .containsEntry("path", "gate/warned/db").containsEntry("version", 1));
        List<Map<String, Object>> warned = events("policy.warned", "gate/warned/db");
        assertThat(warned).singleElement().satisfies(e -> {
            assertThat(e.get("lease_id")).isEqualTo(body.get("lease_id"));
            assertThat(e.get("details").toString()).contains("outdated", "rotated 100 days ago");
        });
    }

    @Test
    void leaseWhenSeveralRulesBrokenThenEveryViolationListedAndWarnPolicyReportedAlongside() {
        freshDay();
        putSecret("gate/multi/a", "multi-a-value-1");
        putSecret("gate/multi/b", "multi-b-value-1");
        rotate("gate/multi/b", "multi-b-value-2");
        admin("POST", "/api/v2/admin/secrets/gate/multi/b/exposures", Map.of("version", 1, "source", "manual"))
                .expectStatus().isCreated();
        CLOCK.advance(Duration.ofDays(120));
        Map<?, ?> problem = blocked(session("207", "multi", Map.of()), List.of("gate/multi/a", "gate/multi/b@1"));
        assertThat(violations(problem)).extracting(v -> v.get("rule") + " " + v.get("path") + "@" + v.get("version"))
                .containsExactly("outdated gate/multi/a@1", "outdated gate/multi/b@1", "exposed gate/multi/b@1",
                        "outdated-version gate/multi/b@1");
        assertThat((String) problem.get("detail")).contains("4 policy violations");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> warnings = (List<Map<String, Object>>) problem.get("warnings");
        assertThat(warnings).extracting(v -> v.get("policy")).containsOnly("warn-gate");
        assertThat(warnings).extracting(v -> v.get("rule")).contains("outdated", "exposed");
    }

    @Test
    void exchangeWhenConditionMetThenSessionElseInvalidGrantWithoutTheExpression() {
        freshDay();
        exchange(token(ISSUER, "208", Map.of("environment", "prod")), "conditional").expectStatus().isOk();
        exchange(token(ISSUER, "208", Map.of("environment", "dev")), "conditional").expectStatus().isBadRequest()
                .expectBody()
                .jsonPath("$.error").isEqualTo("invalid_grant")
                .jsonPath("$.error_description").value(d -> assertThat((String) d)
                        .contains("role \"conditional\"", "condition was not met")
                        .doesNotContain("claims.environment", "request.scope"));
        exchange(token(ISSUER, "208", Map.of()), "conditional").expectStatus().isBadRequest().expectBody()
                .jsonPath("$.error_description").value(d -> assertThat((String) d)
                        .contains("condition could not be evaluated", "'environment'"));
    }

    @Test
    void clientCredentialsWhenRoleConditionFalseThenInvalidGrant() {
        freshDay();
        var form = org.springframework.web.reactive.function.BodyInserters.fromFormData("grant_type",
                "client_credentials").with("scope", "role:client-conditional");
        web.post().uri("/oauth2/token").headers(h -> h.setBasicAuth("gate-client", CLIENT_SECRET))
                .contentType(MediaType.APPLICATION_FORM_URLENCODED).body(form).exchange()
                .expectStatus().isBadRequest().expectBody()
                .jsonPath("$.error").isEqualTo("invalid_grant")
                .jsonPath("$.error_description").value(d -> assertThat((String) d)
                        .contains("role \"client-conditional\"", "condition was not met"));
    }

    @Test
    void wellKnownWhenGateBuiltThenPoliciesAndConditionsAdvertised() {
        web.get().uri("/.well-known/segura").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.features.policies").isEqualTo(true)
                .jsonPath("$.features.conditions").isEqualTo(true)
                .jsonPath("$.features.exposure_webhook").isEqualTo(true);
    }
}
