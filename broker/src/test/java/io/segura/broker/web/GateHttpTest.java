// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.postgres.PostgresExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.TemporalAdjusters;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.BodyInserters;

/**
 * Base of the deployment-gate HTTP tests: a real broker with a gated trust config, its own PostgreSQL database, two
 * issuer simulators (one with jti replay protection) and a {@link TestClock} shared by the simulators and the broker,
 * so secrets can age and freeze windows can open without waiting.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
// Behaviour, not latency, is under test: a loaded 2-core CI machine can take seconds for one request.
@AutoConfigureWebTestClient(timeout = "60s")
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@Import(GateHttpTest.ClockConfiguration.class)
abstract class GateHttpTest {

    static final String AUDIENCE = "https://segura.test";
    static final String ADMIN_TOKEN = "gate-admin-token-0123456789abcdef0123456789";
    static final String WEBHOOK_SECRET = "scanner-shared-secret-0123456789abcdef";
    static final String MASTER_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    static final String CLIENT_SECRET = "gate-client-secret-123";
    static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    /** Starts on a Wednesday; tests only ever move it forward. */
    static final TestClock CLOCK = new TestClock(Instant.parse("2027-01-06T10:00:00Z"));

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    static final IssuerSimulator ISSUER = IssuerSimulator.builder().clock(CLOCK).start();
    static final IssuerSimulator REPLAY_ISSUER = IssuerSimulator.builder().path("/replay").clock(CLOCK).start();

    @Autowired
    WebTestClient web;

    @TestConfiguration(proxyBeanMethods = false)
    static class ClockConfiguration {
        @Bean
        @Primary
        Clock testClock() {
            return CLOCK;
        }
    }

    @DynamicPropertySource
    static void broker(DynamicPropertyRegistry registry) throws IOException {
        Path config = Files.createTempFile("segura-gate", ".yaml");
        Files.writeString(config, config(), StandardCharsets.UTF_8);
        registry.add("segura.config", config::toString);
        registry.add("segura.database-url", () -> "r2dbc:postgresql://" + PG.database().user() + "@"
                + PG.database().host() + ":" + PG.database().port() + "/" + PG.database().name());
        registry.add("segura.master-key", () -> MASTER_KEY);
        registry.add("segura.admin-token", () -> ADMIN_TOKEN);
        registry.add("segura.exposure-webhook-secret", () -> WEBHOOK_SECRET);
        registry.add("segura.sweep-interval", () -> "200ms");
        registry.add("segura.token-rate-per-ip", () -> "100000");
        registry.add("segura.token-rate-per-subject", () -> "100");
    }

    static String config() {
        return """
                issuers:
                  - name: ci
                    issuer: %s
                    audiences: ["%s"]
                  - name: ci-replay
                    issuer: %s
                    audiences: ["%s"]
                    replay-protection: true
                roles:
                  - name: aged
                    issuers: [ci]
                    bound-claims: {repository_id: "201", ref: refs/heads/main}
                    secrets: ["gate/aged/*"]
                    policies: [age-gate]
                  - name: exposed
                    issuers: [ci]
                    bound-claims: {repository_id: "202"}
                    secrets: ["gate/exposed/*"]
                    policies: [exposure-gate]
                  - name: latest
                    issuers: [ci]
                    bound-claims: {repository_id: "203"}
                    secrets: ["gate/latest/*"]
                    policies: [latest-gate]
                  - name: frozen
                    issuers: [ci]
                    bound-claims: {repository_id: "204"}
                    secrets: ["gate/frozen/*"]
                    policies: [freeze-gate]
                  - name: denied
                    issuers: [ci]
                    bound-claims: {repository_id: "205"}
                    secrets: ["gate/denied/*"]
                    policies: [deny-gate]
                  - name: warned
                    issuers: [ci]
                    bound-claims: {repository_id: "206"}
                    secrets: ["gate/warned/*"]
                    policies: [warn-gate]
                  - name: multi
                    issuers: [ci]
                    bound-claims: {repository_id: "207"}
                    secrets: ["gate/multi/*"]
                    policies: [strict-gate, warn-gate]
                  - name: conditional
                    issuers: [ci]
                    bound-claims: {repository_id: "208"}
                    condition: 'claims.environment == "prod" && request.scope == "role:conditional"'
                    secrets: ["gate/cond/*"]
                  - name: replayed
                    issuers: [ci-replay]
                    bound-claims: {repository_id: "209"}
                    secrets: ["gate/replay/*"]
                    policies: [age-gate]
                  - name: client-conditional
                    clients: [gate-client]
                    condition: 'claims.client_id == "another-client"'
                    secrets: ["gate/client/*"]
                policies:
                  - name: age-gate
                    max-secret-age: 90d
                  - name: exposure-gate
                    block-exposed: true
                  - name: latest-gate
                    require-latest-version: true
                  - name: freeze-gate
                    freeze-windows:
                      - {from: "2099-01-01T00:00:00Z", to: "2099-01-08T00:00:00Z", reason: "millennium freeze"}
                      - {days: [SAT, SUN], from: "00:00", to: "23:59", zone: "Europe/Berlin", reason: "no weekend deploys"}
                  - name: deny-gate
                    deny-if:
                      - expr: 'claims.event_name == "pull_request"'
                        message: "secrets are never released to pull request runs"
                      - expr: 'claims.environment == "prod"'
                        message: "production needs the deploy role"
                  - name: warn-gate
                    mode: warn
                    max-secret-age: 90d
                    block-exposed: true
                  - name: strict-gate
                    max-secret-age: 90d
                    block-exposed: true
                    require-latest-version: true
                clients:
                  - id: gate-client
                    secret-sha256: "%s"
                """.formatted(ISSUER.issuer(), AUDIENCE, REPLAY_ISSUER.issuer(), AUDIENCE,
                io.segura.broker.session.SessionToken.sha256Hex(CLIENT_SECRET));
    }

    /** Moves the clock to the next Wednesday 10:00 UTC at least a week ahead: a fresh, unfrozen working day. */
    static void freshDay() {
        ZonedDateTime next = CLOCK.instant().plus(Duration.ofDays(7)).atZone(java.time.ZoneOffset.UTC)
                .with(TemporalAdjusters.next(DayOfWeek.WEDNESDAY)).with(LocalTime.of(10, 0));
        CLOCK.moveTo(next.toInstant());
    }

    static String token(IssuerSimulator issuer, String repositoryId, Map<String, Object> extra) {
        Map<String, Object> claims = new HashMap<>();
        claims.put("aud", AUDIENCE);
        claims.put("sub", "repo:acme/app-" + UUID.randomUUID() + ":ref:refs/heads/main");
        claims.put("repository_id", repositoryId);
        claims.put("ref", "refs/heads/main");
        claims.putAll(extra);
        return issuer.mint(claims);
    }

    static String token(String repositoryId) {
        return token(ISSUER, repositoryId, Map.of());
    }

    WebTestClient.ResponseSpec exchange(String subjectToken, String role) {
        var form = BodyInserters.fromFormData("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange")
                .with("subject_token_type", "urn:ietf:params:oauth:token-type:jwt")
                .with("subject_token", subjectToken)
                .with("scope", "role:" + role);
        return web.post().uri("/oauth2/token").contentType(MediaType.APPLICATION_FORM_URLENCODED).body(form)
                .exchange();
    }

    String session(String subjectToken, String role) {
        Map<?, ?> body = exchange(subjectToken, role).expectStatus().isOk().expectBody(Map.class).returnResult()
                .getResponseBody();
        return (String) body.get("access_token");
    }

    String session(String repositoryId, String role, Map<String, Object> extra) {
        return session(token(ISSUER, repositoryId, extra), role);
    }

    WebTestClient.ResponseSpec lease(String session, List<String> secrets) {
        return web.post().uri("/api/v2/a2a/leases").headers(h -> h.setBearerAuth(session))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("secrets", secrets)).exchange();
    }

    WebTestClient.ResponseSpec admin(String method, String uri, Object body) {
        var spec = web.method(org.springframework.http.HttpMethod.valueOf(method)).uri(uri)
                .headers(h -> h.setBearerAuth(ADMIN_TOKEN));
        return body == null ? spec.exchange() : spec.contentType(MediaType.APPLICATION_JSON).bodyValue(body)
                .exchange();
    }

    void putSecret(String path, String value) {
        admin("PUT", "/api/v2/admin/secrets/" + path, Map.of("value", value)).expectStatus().isCreated();
    }

    void rotate(String path, String value) {
        admin("POST", "/api/v2/admin/secrets/" + path + "/rotate", Map.of("value", value)).expectStatus()
                .is2xxSuccessful();
    }

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> events(String type, String path) {
        Map<String, Object> body = admin("GET", "/api/v2/a2a/events?type=" + type + "&path=" + path, null)
                .expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
        return (List<Map<String, Object>>) body.get("events");
    }
}
