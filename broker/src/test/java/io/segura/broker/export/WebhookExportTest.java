// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.postgres.PostgresExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.BodyInserters;

/**
 * Webhook export end to end: a real broker on PostgreSQL, real token exchanges, and a loopback receiver that verifies
 * the Standard Webhooks signature. A receiver that is down never fails an exchange; the outbox grows meanwhile and
 * drains afterwards with every event delivered; refused events become dead letters an operator replays or drops.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "60s")
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@ExtendWith(OutputCaptureExtension.class)
class WebhookExportTest {

    static final String AUDIENCE = "https://segura.test";
    static final String ADMIN = "test-admin-token-0123456789abcdef0123456789";
    static final Duration AWAIT = Duration.ofSeconds(90);

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    static final IssuerSimulator ISSUER = IssuerSimulator.start();
    static WebhookReceiver receiver;

    @Autowired
    WebTestClient web;

    @Autowired
    MeterRegistry meters;

    @Autowired
    DatabaseClient db;

    @DynamicPropertySource
    static void broker(DynamicPropertyRegistry registry) throws IOException {
        receiver = new WebhookReceiver();
        Path config = Files.createTempFile("segura-webhooks", ".yaml");
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
                exports:
                  delivery:
                    max-attempts: 3
                    backoff: 1s
                    max-backoff: 2s
                    claim-ttl: 10s
                  webhooks:
                    timeout: 5s
                """.formatted(ISSUER.issuer(), AUDIENCE));
        registry.add("segura.config", config::toString);
        registry.add("segura.database-url", PG::r2dbcUrl);
        registry.add("segura.master-key", () -> "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
        registry.add("segura.admin-token", () -> ADMIN);
        registry.add("segura.sweep-interval", () -> "100ms");
        registry.add("segura.token-rate-per-ip", () -> "100000");
    }

    @AfterAll
    static void stop() {
        receiver.close();
    }

    private String exchange() {
        Map<String, Object> claims = new HashMap<>();
        claims.put("aud", AUDIENCE);
        claims.put("sub", "repo:acme/app-" + UUID.randomUUID() + ":ref:refs/heads/main");
        claims.put("repository_id", "74");
        Map<?, ?> body = web.post().uri("/oauth2/token").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .body(BodyInserters.fromFormData("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange")
                        .with("subject_token_type", "urn:ietf:params:oauth:token-type:jwt")
                        .with("subject_token", ISSUER.mint(claims)))
                .exchange().expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
        return (String) claims.get("sub");
    }

    private Map<?, ?> register(String path, List<String> events) {
        return register(path, events, null);
    }

    private Map<?, ?> register(String path, List<String> events, Integer batchSize) {
        Map<String, Object> req = new HashMap<>();
        req.put("url", receiver.url(path));
        if (events != null) {
            req.put("events", events);
        }
        if (batchSize != null) {
            req.put("batch_size", batchSize);
        }
        Map<?, ?> created = web.post().uri("/api/v2/a2a/webhooks").headers(h -> h.setBearerAuth(ADMIN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(req).exchange().expectStatus().isCreated()
                .expectBody(Map.class).returnResult().getResponseBody();
        receiver.secret(path, (String) created.get("secret"));
        return created;
    }

    /** The event ids the broker recorded for these subjects. */
    private Set<String> eventIds(Set<String> subjects) {
        Set<String> ids = new HashSet<>();
        db.sql("SELECT id, subject FROM audit_events WHERE type = 'token.exchanged'")
                .map(r -> new String[] {r.get("id", String.class), r.get("subject", String.class)}).all()
                .filter(r -> subjects.contains(r[1])).doOnNext(r -> ids.add(r[0])).blockLast(AWAIT);
        return ids;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(AWAIT);
        while (!condition.getAsBoolean()) {
            assertThat(Instant.now()).as("waiting for: " + what).isBefore(deadline);
            Thread.sleep(50);
        }
    }

    private double depth(String sink) {
        var g = meters.find("segura.export.queue.depth").tag("sink", sink).gauge();
        return g == null ? 0 : g.value();
    }

    @Test
    void registerWhenEventsCommitThenEachArrivesSignedTheStandardWebhooksWayAndTheSecretIsNeverShownAgain(
            CapturedOutput output) throws Exception {
        Map<?, ?> created = register("/signed", List.of("token.exchanged"));
        String secret = (String) created.get("secret");
        assertThat(secret).startsWith("whsec_");
        Set<String> subjects = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            subjects.add(exchange());
        }
        Set<String> ids = eventIds(subjects);
        assertThat(ids).hasSize(5);
        await("5 deliveries", () -> receiver.at("/signed").stream().map(WebhookReceiver.Delivery::id)
                .collect(java.util.stream.Collectors.toSet()).containsAll(ids));
        assertThat(receiver.at("/signed")).allSatisfy(d -> {
            assertThat(d.signatureValid()).as("signature of %s", d.id()).isTrue();
            assertThat(d.body()).contains("\"type\":\"token.exchanged\"").contains("\"data\":{");
        });

        String listed = web.get().uri("/api/v2/a2a/webhooks").headers(h -> h.setBearerAuth(ADMIN)).exchange()
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        assertThat(listed).contains((String) created.get("id")).doesNotContain(secret)
                .doesNotContain(secret.substring(6));
        assertThat(output.getAll()).doesNotContain(secret.substring(6));
        // sealed in the vault store: no table holds it in the clear
        assertThat(db.sql("SELECT COUNT(*) AS n FROM webhook_subscriptions WHERE url LIKE :s OR events LIKE :s "
                + "OR secret_path LIKE :s").bind("s", "%" + secret.substring(6, 20) + "%")
                .map(r -> r.get("n", Long.class)).one().block(AWAIT)).isZero();
        web.get().uri("/api/v2/a2a/webhooks").exchange().expectStatus().isUnauthorized();
    }

    @Test
    void registerWithABatchSizeThenEventsArriveInSignedMessagesOfAtMostThatManyEachEventOnce() throws Exception {
        Map<?, ?> created = register("/batched", List.of("token.exchanged"), 4);
        assertThat(created.get("batch_size")).isEqualTo(4);
        Set<String> subjects = new HashSet<>();
        for (int i = 0; i < 9; i++) {
            subjects.add(exchange());
        }
        Set<String> ids = eventIds(subjects);
        assertThat(ids).hasSize(9);
        await("9 events delivered", () -> receiver.at("/batched").stream()
                .flatMap(d -> d.eventIds().stream()).collect(java.util.stream.Collectors.toSet()).containsAll(ids));
        List<WebhookReceiver.Delivery> got = receiver.at("/batched");
        assertThat(got).allSatisfy(d -> {
            assertThat(d.signatureValid()).as("signature of %s", d.id()).isTrue();
            assertThat(d.id()).startsWith("batch_");
            assertThat(d.eventIds()).hasSizeBetween(1, 4);
            assertThat(d.body()).contains("\"type\":\"" + WebhookSink.BATCH_TYPE + "\"");
        });
        // a healthy receiver gets each event once
        assertThat(got.stream().flatMap(d -> d.eventIds().stream()).toList()).doesNotHaveDuplicates();

        String listed = web.get().uri("/api/v2/a2a/webhooks").headers(h -> h.setBearerAuth(ADMIN)).exchange()
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        assertThat(listed).contains("\"id\":\"" + created.get("id") + "\",\"url\":\"" + receiver.url("/batched")
                + "\",\"events\":[\"token.exchanged\"],\"batch_size\":4");
        String registered = db.sql("SELECT details FROM audit_events WHERE type = 'webhook.registered' "
                        + "AND details LIKE :id").bind("id", "%" + created.get("id") + "%")
                .map(r -> r.get("details", String.class)).one().block(AWAIT);
        assertThat(registered).contains("\"batch_size\":4");
    }

    @Test
    void deliverWhenTheReceiverIsDownThenExchangesStillSucceedTheOutboxGrowsAndDrainsAfterwards() throws Exception {
        receiver.answer("/down", 503);
        Map<?, ?> created = register("/down", List.of("token.exchanged"));
        String sink = "webhook:" + created.get("id");
        Set<String> subjects = new HashSet<>();
        for (int i = 0; i < 8; i++) {
            subjects.add(exchange()); // each answered 200 while the receiver refuses everything
        }
        await("the outbox holds the 8 events", () -> depth(sink) >= 8);
        // the events are in the outbox as soon as their exchanges commit; the sink's first (failed) attempt comes
        // with its next tick, so the failure counter is awaited, not read at once
        await("a failed delivery counted", () -> {
            var failures = meters.find("segura.export.failures").tag("sink", sink).counter();
            return failures != null && failures.count() > 0;
        });
        assertThat(receiver.at("/down")).isEmpty();

        receiver.answer("/down", 200);
        Set<String> ids = eventIds(subjects);
        await("every event delivered", () -> receiver.at("/down").stream().map(WebhookReceiver.Delivery::id)
                .collect(java.util.stream.Collectors.toSet()).containsAll(ids));
        await("the outbox drained", () -> depth(sink) == 0);
        assertThat(receiver.at("/down")).allSatisfy(d -> assertThat(d.signatureValid()).isTrue());
    }

    @Test
    void deliverWhenTheReceiverKeepsRefusingOrRedirectsThenDeadLettersThatAnOperatorReplaysOrDrops()
            throws Exception {
        receiver.answer("/refusing", 307); // a redirect is never followed: it counts as a failure
        Map<?, ?> created = register("/refusing", List.of("token.exchanged"));
        String sink = "webhook:" + created.get("id");
        exchange();
        exchange();
        List<Map<String, Object>> dead = new ArrayList<>();
        await("two dead letters", () -> {
            dead.clear();
            dead.addAll(deadLetters(sink));
            return dead.size() == 2;
        });
        assertThat(dead).allSatisfy(d -> {
            assertThat(d.get("attempts")).isEqualTo(3);
            assertThat((String) d.get("last_error")).contains("307");
        });
        assertThat(receiver.at("/elsewhere")).isEmpty();

        receiver.answer("/refusing", 200);
        web.post().uri("/api/v2/admin/exports/dead-letters/" + dead.get(0).get("id") + "/replay")
                .headers(h -> h.setBearerAuth(ADMIN)).exchange().expectStatus().isOk();
        assertThat(receiver.at("/refusing")).extracting(WebhookReceiver.Delivery::id)
                .containsExactly((String) dead.get(0).get("event_id"));
        web.delete().uri("/api/v2/admin/exports/dead-letters/" + dead.get(1).get("id"))
                .headers(h -> h.setBearerAuth(ADMIN)).exchange().expectStatus().isNoContent();
        web.delete().uri("/api/v2/admin/exports/dead-letters/" + dead.get(1).get("id"))
                .headers(h -> h.setBearerAuth(ADMIN)).exchange().expectStatus().isNotFound();
        assertThat(deadLetters(sink)).isEmpty();

        web.delete().uri("/api/v2/a2a/webhooks/" + created.get("id")).headers(h -> h.setBearerAuth(ADMIN))
                .exchange().expectStatus().isNoContent();
        web.delete().uri("/api/v2/a2a/webhooks/" + created.get("id")).headers(h -> h.setBearerAuth(ADMIN))
                .exchange().expectStatus().isNotFound();
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> deadLetters(String sink) {
        Map<?, ?> body = web.get().uri(u -> u.path("/api/v2/admin/exports/dead-letters").queryParam("sink", sink)
                        .build()).headers(h -> h.setBearerAuth(ADMIN)).exchange().expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody();
        return (List<Map<String, Object>>) body.get("dead_letters");
    }

    @Test
    void registerWhenTheUrlOrAnEventTypeIsBadThenProblemNamingIt() {
        for (String[] c : new String[][] {{"http://siem.example.com/hook", "https"}, {"ftp://127.0.0.1/x", "https"},
                {"https://user:pw@siem.example.com/", "user info"}, {"not a url", "valid URL"}}) {
            web.post().uri("/api/v2/a2a/webhooks").headers(h -> h.setBearerAuth(ADMIN))
                    .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("url", c[0])).exchange()
                    .expectStatus().is4xxClientError().expectBody(String.class)
                    .value(b -> assertThat(b).contains("invalid-webhook-url").contains(c[1]));
        }
        web.post().uri("/api/v2/a2a/webhooks").headers(h -> h.setBearerAuth(ADMIN))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("url", "https://siem.example.com/hook", "events", List.of("lease.isued"))).exchange()
                .expectStatus().is4xxClientError().expectBody(String.class)
                .value(b -> assertThat(b).contains("invalid-event-type").contains("lease.isued"));
        for (Object bad : List.of(0, 501, -3, "10", 2.5, List.of(4))) {
            web.post().uri("/api/v2/a2a/webhooks").headers(h -> h.setBearerAuth(ADMIN))
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(Map.of("url", "https://siem.example.com/hook", "batch_size", bad)).exchange()
                    .expectStatus().isEqualTo(422).expectBody(String.class)
                    .value(b -> assertThat(b).contains("invalid-batch-size").contains("1..500"));
        }
        assertThat(web.get().uri("/api/v2/a2a/webhooks").headers(h -> h.setBearerAuth(ADMIN)).exchange()
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody())
                .doesNotContain("siem.example.com");
    }

    @Test
    void eventsWhenPolledWithAfterThenAscendingPagesLinkedByRelNextWithoutGapsOrRepeats() throws Exception {
        for (int i = 0; i < 5; i++) {
            exchange();
        }
        long total = db.sql("SELECT COUNT(*) AS n FROM audit_events").map(r -> r.get("n", Long.class)).one()
                .block(AWAIT);
        await("every event linked", () -> db.sql("SELECT chain_pos FROM audit_chain_head WHERE id = 1")
                .map(r -> r.get("chain_pos", Long.class)).one().block(AWAIT) >= total);
        List<Object> seqs = new ArrayList<>();
        String next = "/api/v2/a2a/events?after=0&limit=2";
        for (int page = 0; page < 1000; page++) {
            var result = web.get().uri(next).headers(h -> h.setBearerAuth(ADMIN)).exchange().expectStatus().isOk()
                    .expectBody(Map.class).returnResult();
            List<?> events = (List<?>) result.getResponseBody().get("events");
            String link = result.getResponseHeaders().getFirst("Link");
            assertThat(link).endsWith("; rel=\"next\"");
            next = link.substring(1, link.indexOf('>'));
            if (events.isEmpty()) {
                break;
            }
            assertThat(events.size()).isLessThanOrEqualTo(2);
            events.forEach(e -> seqs.add(((Map<?, ?>) e).get("seq")));
        }
        assertThat(seqs).doesNotHaveDuplicates().hasSize((int) total);
        web.get().uri("/api/v2/a2a/events?after=-1").headers(h -> h.setBearerAuth(ADMIN)).exchange()
                .expectStatus().is4xxClientError();
        web.get().uri("/api/v2/a2a/events?after=99999999").headers(h -> h.setBearerAuth(ADMIN)).exchange()
                .expectStatus().is4xxClientError().expectBody(String.class)
                .value(b -> assertThat(b).contains("invalid-after"));
    }
}
