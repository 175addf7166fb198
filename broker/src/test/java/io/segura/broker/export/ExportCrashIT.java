// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.testkit.broker.BrokerLauncher;
import io.segura.testkit.oidc.IssuerSimulator;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@code kill -9} of the packaged broker while it delivers webhooks: after a restart on the same database nothing is
 * lost, and the only duplicates are redeliveries of the same event (same {@code webhook-id}, same body). Run by
 * failsafe after {@code package}.
 */
class ExportCrashIT {

    static final String AUDIENCE = "https://segura.test";
    static final String MASTER_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    static final Duration AWAIT = Duration.ofSeconds(180);
    static final int EVENTS = 60;

    @Test
    void deliverWhenTheBrokerIsKilledMidDeliveryThenAfterARestartEveryEventArrivesAndOnlySameIdDuplicates()
            throws Exception {
        IssuerSimulator issuer = IssuerSimulator.start();
        String config = """
                issuers:
                  - name: ci
                    issuer: %s
                    audiences: ["%s"]
                roles:
                  - name: deploy
                    issuers: [ci]
                    bound-claims:
                      repository_id: "74"
                    secrets: ["db/staging/*"]
                exports:
                  delivery:
                    backoff: 1s
                    max-backoff: 2s
                    max-attempts: 100
                    batch: 20
                    claim-ttl: 4s
                  webhooks:
                    timeout: 2s
                """.formatted(issuer.issuer(), AUDIENCE);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        try (WebhookReceiver receiver = new WebhookReceiver();
                BrokerLauncher first = BrokerLauncher.builder().owner("ExportCrashIT").config(config)
                        .env("SEGURA_MASTER_KEY", MASTER_KEY).env("SEGURA_SWEEP_INTERVAL", "200ms")
                        .env("SEGURA_TOKEN_RATE_PER_IP", "100000").start()) {
            receiver.delayMillis = 100;
            Map<String, Object> created = first.admin("POST", "/api/v2/a2a/webhooks", "{\"url\": \""
                    + receiver.url("/crash") + "\", \"events\": [\"token.exchanged\"]}", 201);
            receiver.secret("/crash", (String) created.get("secret"));
            for (int i = 0; i < EVENTS; i++) {
                exchange(http, first.url(), issuer);
            }
            await("deliveries under way", () -> receiver.at("/crash").size() >= 10);
            assertThat(receiver.at("/crash").size()).as("killed mid-delivery").isLessThan(EVENTS);
            first.kill();
            int beforeRestart = receiver.at("/crash").size();

            try (BrokerLauncher second = BrokerLauncher.builder().config(config).database(first.database())
                    .env("SEGURA_MASTER_KEY", MASTER_KEY).env("SEGURA_SWEEP_INTERVAL", "200ms").start()) {
                receiver.delayMillis = 0;
                Set<String> ids = eventIds(first);
                assertThat(ids).hasSize(EVENTS);
                await("every event delivered after the restart", () -> receiver.at("/crash").stream()
                        .map(WebhookReceiver.Delivery::id).collect(Collectors.toSet()).containsAll(ids));
                List<WebhookReceiver.Delivery> all = receiver.at("/crash");
                assertThat(all.size()).isGreaterThanOrEqualTo(EVENTS);
                assertThat(all).allSatisfy(d -> {
                    assertThat(ids).contains(d.id());
                    assertThat(d.signatureValid()).isTrue();
                });
                // a duplicate is the same event again: same id, same body
                Map<String, Set<String>> bodies = new HashMap<>();
                all.forEach(d -> bodies.computeIfAbsent(d.id(), k -> new HashSet<>()).add(d.body()));
                assertThat(bodies.values()).allSatisfy(b -> assertThat(b).hasSize(1));
                System.out.printf("ExportCrashIT: %d delivered before the kill, %d deliveries in all for %d events%n",
                        beforeRestart, all.size(), EVENTS);
            }
        } finally {
            issuer.close();
        }
    }

    private static void exchange(HttpClient http, URI broker, IssuerSimulator issuer) throws Exception {
        Map<String, Object> claims = new HashMap<>();
        claims.put("aud", AUDIENCE);
        claims.put("sub", "repo:acme/crash-" + UUID.randomUUID());
        claims.put("repository_id", "74");
        String form = "grant_type=" + enc("urn:ietf:params:oauth:grant-type:token-exchange")
                + "&subject_token_type=" + enc("urn:ietf:params:oauth:token-type:jwt")
                + "&subject_token=" + enc(issuer.mint(claims));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(broker.resolve("/oauth2/token"))
                .header("Content-Type", "application/x-www-form-urlencoded").timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static Set<String> eventIds(BrokerLauncher broker) throws Exception {
        Set<String> ids = new HashSet<>();
        try (Connection c = broker.database().connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id FROM audit_events WHERE type = 'token.exchanged'")) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(AWAIT);
        while (!condition.getAsBoolean()) {
            assertThat(Instant.now()).as("waiting for: " + what).isBefore(deadline);
            Thread.sleep(50);
        }
    }
}
