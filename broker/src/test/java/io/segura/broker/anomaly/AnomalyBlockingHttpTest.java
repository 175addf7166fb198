// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.postgres.PostgresExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.BodyInserters;

/**
 * Automatic blocking end to end on a real broker and PostgreSQL: a role whose {@code access-window} never opens sees
 * every access as {@code outside-window} (HIGH); its {@code on-anomaly: block} revokes the subject's session (the next
 * lease is 401) and refuses its next exchange with {@code anomaly-block} naming the rule, while other subjects and
 * roles go on; {@code GET /api/v2/admin/blocks} lists the block and {@code DELETE} lifts it, after which the subject is
 * admitted again. The anomaly, the block and the lift are in the audit log's pull API like any event. Also: webhook
 * subscriptions' registration and deletion are audited, without the signing secret.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "60s")
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@ExtendWith(OutputCaptureExtension.class)
class AnomalyBlockingHttpTest {

    static final String AUDIENCE = "https://segura.test";
    static final String ADMIN = "test-admin-token-0123456789abcdef0123456789";
    static final Duration AWAIT = Duration.ofSeconds(90);
    static final tools.jackson.databind.json.JsonMapper JSON = tools.jackson.databind.json.JsonMapper.builder().build();

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    static final IssuerSimulator ISSUER = IssuerSimulator.start();

    @Autowired
    WebTestClient web;

    @DynamicPropertySource
    static void broker(DynamicPropertyRegistry registry) throws IOException {
        Path config = Files.createTempFile("segura-anomaly", ".yaml");
        Files.writeString(config, """
                issuers:
                  - name: ci
                    issuer: %s
                    audiences: ["%s"]
                roles:
                  - name: deploy
                    issuers: [ci]
                    bound-claims:
                      repository_id: "74"
                    secrets: ["db/prod/*"]
                    # a window that closed long ago: every access is outside it
                    access-window: {from: "2020-01-01T00:00:00Z", to: "2020-01-02T00:00:00Z"}
                    on-anomaly: {min-risk: HIGH, action: block, for: 1h}
                  - name: build
                    issuers: [ci]
                    bound-claims:
                      repository_id: "75"
                    secrets: ["db/prod/*"]
                anomaly: {}
                """.formatted(ISSUER.issuer(), AUDIENCE));
        registry.add("segura.config", config::toString);
        registry.add("segura.database-url", PG::r2dbcUrl);
        registry.add("segura.master-key", () -> "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
        registry.add("segura.admin-token", () -> ADMIN);
        registry.add("segura.sweep-interval", () -> "100ms");
        registry.add("segura.token-rate-per-ip", () -> "100000");
    }

    private WebTestClient.ResponseSpec exchange(String subject, String repositoryId, String role) {
        Map<String, Object> claims = new HashMap<>();
        claims.put("aud", AUDIENCE);
        claims.put("sub", subject);
        claims.put("repository_id", repositoryId);
        return web.post().uri("/oauth2/token").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .body(BodyInserters.fromFormData("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange")
                        .with("subject_token_type", "urn:ietf:params:oauth:token-type:jwt")
                        .with("subject_token", ISSUER.mint(claims)).with("scope", "role:" + role))
                .exchange();
    }

    private String session(String subject, String repositoryId, String role) {
        return (String) exchange(subject, repositoryId, role).expectStatus().isOk().expectBody(Map.class)
                .returnResult().getResponseBody().get("access_token");
    }

    private WebTestClient.ResponseSpec lease(String session) {
        return web.post().uri("/api/v2/a2a/leases").headers(h -> h.setBearerAuth(session))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("secrets", List.of("db/prod/anomaly")))
                .exchange();
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> blocks(String query) {
        return (List<Map<String, Object>>) web.get().uri("/api/v2/admin/blocks" + query)
                .headers(h -> h.setBearerAuth(ADMIN)).exchange().expectStatus().isOk().expectBody(Map.class)
                .returnResult().getResponseBody().get("blocks");
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> events(String type, String subject) {
        return (List<Map<String, Object>>) web.get().uri(b -> b.path("/api/v2/a2a/events").queryParam("type", type)
                        .queryParam("subject", "{s}").build(subject)).headers(h -> h.setBearerAuth(ADMIN))
                .exchange().expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody()
                .get("events");
    }

    /** Every event the pull cursor serves now, page after page, as the pages' JSON bodies. */
    @SuppressWarnings("unchecked")
    private String pullAll() {
        StringBuilder pages = new StringBuilder();
        long after = 0;
        while (true) {
            String body = web.get().uri("/api/v2/a2a/events?after=" + after + "&limit=1000")
                    .headers(h -> h.setBearerAuth(ADMIN)).exchange().expectStatus().isOk().expectBody(String.class)
                    .returnResult().getResponseBody();
            Map<String, Object> page = JSON.readValue(body, Map.class);
            if (((List<?>) page.get("events")).isEmpty()) {
                return pages.toString();
            }
            pages.append(body);
            after = ((Number) page.get("next_after")).longValue();
        }
    }

    private static <T> T await(String what, Supplier<T> value, java.util.function.Predicate<T> done)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(AWAIT);
        while (true) {
            T v = value.get();
            if (done.test(v)) {
                return v;
            }
            assertThat(Instant.now()).as("waiting for: " + what).isBefore(deadline);
            Thread.sleep(50);
        }
    }

    @Test
    void blockWhenAnAccessIsOutsideTheRolesWindowThenSessionRevokedExchangesRefusedUntilLifted() throws Exception {
        web.put().uri("/api/v2/admin/secrets/db/prod/anomaly").headers(h -> h.setBearerAuth(ADMIN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("value", "anomaly-secret-value-1"))
                .exchange().expectStatus().isCreated();
        String subject = "repo:acme/app-" + UUID.randomUUID() + ":ref:refs/heads/main";
        String session = session(subject, "74", "deploy");

        Map<String, Object> block = await("a block for the subject", () -> blocks(""),
                list -> list.stream().anyMatch(b -> subject.equals(b.get("subject")))).stream()
                .filter(b -> subject.equals(b.get("subject"))).findFirst().orElseThrow();
        assertThat(block).containsEntry("role", "deploy").containsEntry("rule", "outside-window")
                .containsEntry("risk", "HIGH").containsEntry("lifted_at", null);

        // the session is revoked by the block (the first revocation pass runs right after the block commits)
        await("the session revoked", () -> lease(session).returnResult(String.class).getStatus().value(),
                status -> status == 401);
        lease(session).expectStatus().isUnauthorized().expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.type").isEqualTo("https://segura.dev/problems/session-revoked")
                .jsonPath("$.detail").value(d -> assertThat((String) d).contains("anomaly block")
                        .contains("outside-window"));

        // a new exchange is refused, naming the rule; the role's other subjects and other roles go on
        exchange(subject, "74", "deploy").expectStatus().isBadRequest().expectBody()
                .jsonPath("$.error").isEqualTo("invalid_grant")
                .jsonPath("$.reason").isEqualTo("anomaly-block")
                .jsonPath("$.rule").isEqualTo("outside-window")
                .jsonPath("$.block_id").isEqualTo(block.get("id"))
                .jsonPath("$.error_description").value(d -> assertThat((String) d).contains("outside-window"));
        String builder = "repo:acme/builder-" + UUID.randomUUID() + ":ref:refs/heads/main";
        lease(session(builder, "75", "build")).expectStatus().isCreated();

        // the anomaly and the block are audit events, served by the pull API like any other
        Map<String, Object> anomaly = await("the anomaly event", () -> events("anomaly.detected", subject),
                l -> !l.isEmpty()).get(0);
        assertThat(anomaly).containsEntry("role", "deploy");
        assertThat((Map<String, Object>) anomaly.get("details")).containsEntry("rule", "outside-window")
                .containsEntry("risk", "HIGH").containsKey("observed").containsKey("baseline");
        assertThat(events("anomaly.blocked", subject)).hasSize(1);
        assertThat(events("token.rejected", subject)).anySatisfy(e -> assertThat((String) e.get("reason"))
                .startsWith("anomaly-block"));

        // lifting restores
        web.delete().uri("/api/v2/admin/blocks/" + block.get("id")).headers(h -> h.setBearerAuth(ADMIN)).exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.lifted.id").isEqualTo(block.get("id"))
                .jsonPath("$.lifted.lifted_at").isNotEmpty();
        assertThat(blocks("")).noneMatch(b -> block.get("id").equals(b.get("id")));
        assertThat(blocks("?all=true")).anyMatch(b -> block.get("id").equals(b.get("id"))
                && b.get("lifted_at") != null);
        exchange(subject, "74", "deploy").expectStatus().isOk();
        assertThat(events("anomaly.block_lifted", subject)).hasSize(1);
        web.delete().uri("/api/v2/admin/blocks/" + block.get("id")).headers(h -> h.setBearerAuth(ADMIN)).exchange()
                .expectStatus().isEqualTo(409);
        web.delete().uri("/api/v2/admin/blocks/" + UUID.randomUUID()).headers(h -> h.setBearerAuth(ADMIN))
                .exchange().expectStatus().isNotFound();
        web.get().uri("/api/v2/admin/blocks").exchange().expectStatus().isUnauthorized();
        web.delete().uri("/api/v2/admin/blocks/" + block.get("id")).exchange().expectStatus().isUnauthorized();
    }

    @Test
    void exchangeWhenARoleRefusesAVerifiedTokenThenTheRefusalNamesItsIssuerAndSubject() {
        // what the role-mismatch rule counts per issuer, and the denial-burst rule per subject
        String subject = "repo:acme/other-" + UUID.randomUUID() + ":ref:refs/heads/main";
        exchange(subject, "75", "deploy").expectStatus().isBadRequest();
        assertThat(events("token.rejected", subject)).singleElement().satisfies(e -> {
            assertThat(e).containsEntry("issuer", "ci");
            assertThat((String) e.get("reason")).startsWith("role-mismatch");
        });
    }

    @Test
    void webhooksWhenRegisteredAndDeletedThenBothAreAuditedWithoutTheSigningSecret(CapturedOutput output)
            throws InterruptedException {
        Map<?, ?> created = web.post().uri("/api/v2/a2a/webhooks").headers(h -> h.setBearerAuth(ADMIN))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("url", "http://127.0.0.1:9/hooks", "events", List.of("anomaly.detected")))
                .exchange().expectStatus().isCreated().expectBody(Map.class).returnResult().getResponseBody();
        String id = (String) created.get("id");
        String secret = (String) created.get("secret");
        web.delete().uri("/api/v2/a2a/webhooks/" + id).headers(h -> h.setBearerAuth(ADMIN)).exchange()
                .expectStatus().isNoContent();

        List<Map<String, Object>> registered = events("webhook.registered", "admin");
        assertThat(registered).anySatisfy(e -> assertThat((Map<String, Object>) e.get("details"))
                .containsEntry("subscription_id", id).containsEntry("url", "http://127.0.0.1:9/hooks")
                .containsEntry("events", List.of("anomaly.detected")));
        assertThat(events("webhook.deleted", "admin")).anySatisfy(e -> assertThat(
                (Map<String, Object>) e.get("details")).containsEntry("subscription_id", id));
        // The pull cursor serves events once the chainer has linked them: wait until both of this subscription's
        // events are through it (each names the subscription id), then scan every page for the secret.
        String all = await("both webhook events through the pull cursor", this::pullAll,
                pages -> pages.split(id, -1).length - 1 >= 2);
        assertThat(all).doesNotContain(secret).doesNotContain(secret.substring(6));
        assertThat(output.getAll()).doesNotContain(secret.substring(6));
        // an unknown subscription is still 404, and audits nothing
        web.delete().uri("/api/v2/a2a/webhooks/" + UUID.randomUUID()).headers(h -> h.setBearerAuth(ADMIN)).exchange()
                .expectStatus().isNotFound();
    }
}
