// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.broker.admin.WebhookSignature;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The dry run {@code POST /api/v2/policy/evaluate} (admin and session views, nothing consumed) and the exposure
 * path: reports by value, the signed scanner webhook, and the block they cause.
 */
class PolicyEvaluateAndExposureEndpointTest extends GateHttpTest {

    /** Several webhook calls at one instant of the test clock: no rate limit in the way (ExposureWebhookHardeningTest). */
    @DynamicPropertySource
    static void noWebhookRateLimit(DynamicPropertyRegistry registry) {
        registry.add("segura.exposure-webhook-rate-per-ip", () -> "100000");
    }

    private WebTestClient.ResponseSpec evaluate(String bearer, Object body) {
        return web.post().uri("/api/v2/policy/evaluate").headers(h -> h.setBearerAuth(bearer))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<?, ?> body, String key) {
        return (List<Map<String, Object>>) body.get(key);
    }

    @Test
    void evaluateWhenAdminWithClaimsThenExpectedAndActualForEveryBoundClaimAndViolations() {
        freshDay();
        putSecret("gate/aged/eval", "eval-value-123");
        CLOCK.advance(Duration.ofDays(95));
        Map<?, ?> body = evaluate(ADMIN_TOKEN, Map.of("role", "aged", "claims",
                Map.of("repository_id", "201", "ref", "refs/heads/dev", "sub", "x"),
                "secrets", List.of("gate/aged/eval", "db/other/x")))
                .expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
        assertThat(body.get("decision")).isEqualTo("deny");
        assertThat(list(body, "role_checks")).containsExactly(
                Map.of("claim", "repository_id", "expected", "201", "actual", "201", "ok", true),
                Map.of("claim", "ref", "expected", "refs/heads/main", "actual", "refs/heads/dev", "ok", false));
        assertThat(body.get("not_allowed")).isEqualTo(List.of("db/other/x"));
        assertThat(list(body, "violations")).singleElement().satisfies(v -> assertThat(v)
                .containsEntry("rule", "outdated").containsEntry("detail", "rotated 95 days ago; limit 90 days"));
    }

    @Test
    void evaluateWhenAdminAsksAboutConditionThenShowsExpressionAndOutcome() {
        freshDay();
        Map<?, ?> body = evaluate(ADMIN_TOKEN, Map.of("role", "conditional", "claims",
                Map.of("repository_id", "208", "environment", "dev", "sub", "x")))
                .expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
        assertThat(body.get("decision")).isEqualTo("deny");
        @SuppressWarnings("unchecked")
        Map<String, Object> condition = (Map<String, Object>) body.get("condition");
        assertThat(condition).containsEntry("present", true).containsEntry("ok", false)
                .containsEntry("expr", "claims.environment == \"prod\" && request.scope == \"role:conditional\"");
    }

    @Test
    void evaluateWhenSubjectTokenOfReplayProtectedIssuerThenNothingConsumedAndTheTokenStillExchanges() {
        freshDay();
        putSecret("gate/replay/db", "replay-value-123");
        String subject = "repo:acme/replay-" + java.util.UUID.randomUUID() + ":ref:refs/heads/main";
        String token = token(REPLAY_ISSUER, "209", Map.of("sub", subject));
        int leasesBefore = activeLeases("replayed");
        int pathEventsBefore = eventCount("path=gate/replay/db");

        for (int i = 0; i < 2; i++) {
            evaluate(ADMIN_TOKEN, Map.of("role", "replayed", "subject_token", token, "secrets",
                    List.of("gate/replay/db"))).expectStatus().isOk().expectBody()
                    .jsonPath("$.decision").isEqualTo("allow")
                    .jsonPath("$.issuer_trusted").isEqualTo(true)
                    .jsonPath("$.role_checks[0].expected").isEqualTo("209");
        }
        assertThat(activeLeases("replayed")).isEqualTo(leasesBefore);
        assertThat(eventCount("path=gate/replay/db")).isEqualTo(pathEventsBefore);
        assertThat(eventCount("subject=" + subject)).isZero();
        // The dry run did not burn the jti: the real exchange still works, once.
        exchange(token, "replayed").expectStatus().isOk();
        exchange(token, "replayed").expectStatus().isBadRequest();
        assertThat(eventCount("subject=" + subject)).isEqualTo(1);
    }

    @Test
    void exchangeWhenOneSingleUseTokenArrivesEightTimesAtOnceThenOneSessionAndSevenReplays() throws Exception {
        freshDay();
        String subject = "repo:acme/race-" + java.util.UUID.randomUUID() + ":ref:refs/heads/main";
        String token = token(REPLAY_ISSUER, "209", Map.of("sub", subject));
        var pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            var start = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Future<org.springframework.test.web.reactive.server.EntityExchangeResult<Map>>>
                    results = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return exchange(token, "replayed").expectBody(Map.class).returnResult();
                }));
            }
            start.countDown();
            List<Map<?, ?>> refused = new java.util.ArrayList<>();
            int granted = 0;
            for (var f : results) {
                var r = f.get(60, java.util.concurrent.TimeUnit.SECONDS);
                if (r.getStatus().value() == 200) {
                    granted++;
                } else {
                    assertThat(r.getStatus().value()).isEqualTo(400);
                    refused.add(r.getResponseBody());
                }
            }
            assertThat(granted).isEqualTo(1);
            assertThat(refused).hasSize(7).allSatisfy(body -> {
                assertThat(body.get("error")).isEqualTo("invalid_grant");
                assertThat(String.valueOf(body.get("error_description"))).contains("already used");
            });
        } finally {
            pool.shutdownNow();
        }
        // one token.exchanged names the subject (the seven token.rejected events do not: they name no identity)
        assertThat(eventCount("subject=" + subject)).isEqualTo(1);
    }

    @Test
    void evaluateWhenSessionTokenThenOwnRoleWithoutExpectedValuesOrExpressions() {
        freshDay();
        putSecret("gate/exposed/eval", "session-eval-value-1");
        admin("POST", "/api/v2/admin/secrets/gate/exposed/eval/exposures", Map.of("version", 1, "source", "manual"))
                .expectStatus().isCreated();
        String session = session("202", "exposed", Map.of());
        Map<?, ?> body = evaluate(session, Map.of("secrets", List.of("gate/exposed/eval")))
                .expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
        assertThat(body.get("role")).isEqualTo("exposed");
        assertThat(body.get("decision")).isEqualTo("deny");
        assertThat(list(body, "role_checks")).singleElement().satisfies(c -> {
            assertThat(c).doesNotContainKey("expected").containsEntry("actual", "202").containsEntry("ok", true);
        });
        assertThat(list(body, "violations")).extracting(v -> v.get("rule")).containsExactly("exposed");
        evaluate(session, Map.of("role", "aged", "secrets", List.of())).expectStatus().isForbidden();
        evaluate("sgs_not-a-session", Map.of()).expectStatus().isUnauthorized();
        // still leasable? no: the dry run changed nothing, the version stays exposed
        lease(session, List.of("gate/exposed/eval")).expectStatus().isForbidden();
    }

    @Test
    void exposureWhenReportedByValueThenOnlyTheVersionWithThatValueIsMarked() {
        freshDay();
        putSecret("gate/exposed/multi", "value-of-version-one");
        rotate("gate/exposed/multi", "value-of-version-two");
        rotate("gate/exposed/multi", "value-of-version-three");
        admin("POST", "/api/v2/admin/secrets/gate/exposed/multi/exposures",
                Map.of("value", "value-of-version-two", "source", "trufflehog")).expectStatus().isCreated()
                .expectBody().jsonPath("$.exposures[0].version").isEqualTo(2)
                .jsonPath("$.exposures.length()").isEqualTo(1);
        Map<?, ?> meta = admin("GET", "/api/v2/admin/secrets/gate/exposed/multi", null).expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody();
        assertThat(list(meta, "versions")).extracting(v -> v.get("version") + ":" + (v.get("exposed_at") != null))
                .containsExactly("1:false", "2:true", "3:false");
        String session = session("202", "exposed", Map.of());
        lease(session, List.of("gate/exposed/multi")).expectStatus().isCreated();
        lease(session, List.of("gate/exposed/multi@2")).expectStatus().isForbidden();
    }

    private WebTestClient.ResponseSpec webhook(String timestamp, String signature, String body) {
        return web.post().uri("/api/v2/webhooks/exposures")
                .headers(h -> {
                    if (timestamp != null) {
                        h.set(WebhookSignature.TIMESTAMP_HEADER, timestamp);
                    }
                    if (signature != null) {
                        h.set(WebhookSignature.SIGNATURE_HEADER, signature);
                    }
                })
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body.getBytes(StandardCharsets.UTF_8)).exchange();
    }

    @Test
    void webhookWhenSignatureBadOrStaleOrMissingThen401AndNothingMarked() {
        freshDay();
        putSecret("gate/exposed/hook-refused", "hook-refused-value-1");
        WebhookSignature signer = new WebhookSignature(WEBHOOK_SECRET, CLOCK);
        String body = "[{\"value\": \"hook-refused-value-1\", \"source\": \"github-secret-scanning\"}]";
        String now = Long.toString(CLOCK.instant().getEpochSecond());
        String stale = Long.toString(CLOCK.instant().minus(Duration.ofMinutes(6)).getEpochSecond());
        WebhookSignature wrongKey = new WebhookSignature("another-secret-0123456789abcdefghijkl", CLOCK);

        webhook(now, wrongKey.sign(now, body.getBytes(StandardCharsets.UTF_8)), body).expectStatus().isUnauthorized()
                .expectBody().jsonPath("$.type").isEqualTo("https://segura.dev/problems/invalid-webhook-signature");
        webhook(stale, signer.sign(stale, body.getBytes(StandardCharsets.UTF_8)), body).expectStatus()
                .isUnauthorized().expectBody().jsonPath("$.detail").value(d -> assertThat((String) d)
                        .contains("5 minutes"));
        // a signature over another body (the timestamp is in the MAC too)
        webhook(now, signer.sign(now, "[]".getBytes(StandardCharsets.UTF_8)), body).expectStatus().isUnauthorized();
        webhook(null, null, body).expectStatus().isUnauthorized();
        webhook(now, "sha256=zz", body).expectStatus().isUnauthorized();

        lease(session("202", "exposed", Map.of()), List.of("gate/exposed/hook-refused")).expectStatus().isCreated();
    }

    @Test
    void webhookWhenSignedThenMatchesByValueAndPathBlocksLeasingAndAudits() {
        freshDay();
        putSecret("gate/exposed/hook", "hook-leaked-value-1");
        putSecret("gate/exposed/hook-path", "hook-path-value-1");
        WebhookSignature signer = new WebhookSignature(WEBHOOK_SECRET, CLOCK);
        String body = """
                {"exposures": [
                  {"value": "hook-leaked-value-1", "source": "github-secret-scanning",
                   "url": "https://github.com/acme/app/blob/abc/.env#L3"},
                  {"path": "gate/exposed/hook-path", "source": "gitleaks"},
                  {"value": "nothing-has-this-value", "source": "gitleaks"}
                ]}""";
        String ts = Long.toString(CLOCK.instant().minus(Duration.ofMinutes(4)).getEpochSecond());
        Map<?, ?> answer = webhook(ts, signer.sign(ts, body.getBytes(StandardCharsets.UTF_8)), body)
                .expectStatus().isAccepted().expectBody(Map.class).returnResult().getResponseBody();
        assertThat(list(answer, "results")).extracting(r -> r.get("matched")).containsExactly(true, true, false);
        assertThat(answer.toString()).doesNotContain("hook-leaked-value-1", "nothing-has-this-value");

        String session = session("202", "exposed", Map.of());
        lease(session, List.of("gate/exposed/hook")).expectStatus().isForbidden();
        lease(session, List.of("gate/exposed/hook-path")).expectStatus().isForbidden();
        assertThat(events("secret.exposed", "gate/exposed/hook")).singleElement().satisfies(e -> {
            assertThat(e.get("subject")).isEqualTo("scanner:github-secret-scanning");
            assertThat(e.toString()).doesNotContain("hook-leaked-value-1");
        });

        rotate("gate/exposed/hook", "hook-fresh-value-2");
        lease(session, List.of("gate/exposed/hook")).expectStatus().isCreated().expectBody()
                .jsonPath("$.secrets[0].version").isEqualTo(2);
    }

    private int activeLeases(String role) {
        Map<?, ?> body = admin("GET", "/api/v2/admin/leases?active=true&role=" + role, null).expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody();
        return ((List<?>) body.get("leases")).size();
    }

    private int eventCount(String filter) {
        Map<?, ?> body = admin("GET", "/api/v2/a2a/events?limit=1000&" + filter, null).expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody();
        return ((List<?>) body.get("events")).size();
    }
}
