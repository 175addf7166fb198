// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerCodecConfigurer;

/** What every endpoint shares: problem details, request ids, outages, observability, and nothing leaked. */
@ExtendWith(OutputCaptureExtension.class)
class EdgeTest extends BrokerHttpTest {

    @Autowired
    ServerCodecConfigurer codecs;

    @Test
    void codecsWhenBrokerRunsThenWebFluxGetsTheCachedLists() {
        // every request's exchange looks its form reader up in these lists (CodecListCache)
        assertThat(codecs).isInstanceOf(CodecListCache.class);
        assertThat(codecs.getReaders()).isSameAs(codecs.getReaders());
    }

    @Test
    void problemWhenUnknownRouteThenRfc9457WithRequestIdAsInstance() {
        web.get().uri("/api/v2/nothing").header("X-Request-Id", "req-123").exchange()
                .expectStatus().isNotFound()
                .expectHeader().valueEquals("X-Request-Id", "req-123")
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.type").isEqualTo("https://segura.dev/problems/not-found")
                .jsonPath("$.title").isNotEmpty()
                .jsonPath("$.status").isEqualTo(404)
                .jsonPath("$.detail").isNotEmpty()
                .jsonPath("$.instance").isEqualTo("urn:segura:request:req-123");
    }

    @Test
    void requestIdWhenAbsentOrInsaneThenGenerated() {
        String id = web.get().uri("/.well-known/segura").header("X-Request-Id", "bad id\twith spaces").exchange()
                .expectStatus().isOk().returnResult(String.class).getResponseHeaders().getFirst("X-Request-Id");
        assertThat(id).matches("[0-9a-f-]{36}");
    }

    @Test
    void wellKnownWhenAskedThenVersionAndFeatures() {
        web.get().uri("/.well-known/segura").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.features.token_exchange").isEqualTo(true)
                .jsonPath("$.features.policies").isEqualTo(true)
                .jsonPath("$.features.conditions").isEqualTo(true)
                .jsonPath("$.features.exposure_webhook").isEqualTo(false)
                .jsonPath("$.grant_types_supported[0]").isEqualTo(TOKEN_EXCHANGE);
    }

    @Test
    void exposureWebhookWhenNoSecretConfiguredThenRefused() {
        web.post().uri("/api/v2/webhooks/exposures").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("[{\"path\": \"db/prod/password\", \"source\": \"x\"}]").exchange()
                .expectStatus().isForbidden().expectBody()
                .jsonPath("$.type").isEqualTo("https://segura.dev/problems/exposure-webhook-disabled");
    }

    @Test
    void actuatorWhenScrapedThenHealthAndSeguraMetrics() {
        session("75", "build");
        web.get().uri("/actuator/health").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.status").isEqualTo("UP");
        String metrics = web.get().uri("/actuator/prometheus").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(metrics).contains("segura_exchanges_total", "segura_exchange_latency_seconds_bucket");
    }

    @Test
    void bodyWhenOverLimitThen413() {
        String session = session("75", "build");
        web.post().uri("/api/v2/a2a/leases").headers(h -> h.setBearerAuth(session))
                .contentType(MediaType.APPLICATION_JSON).bodyValue("{\"secrets\": [\"" + "a".repeat(70_000) + "\"]}")
                .exchange().expectStatus().isEqualTo(413).expectBody()
                .jsonPath("$.type").isEqualTo("https://segura.dev/problems/body-too-large");
    }

    @Test
    void databaseWhenDownThen503WithRetryAfterAndRecovers() {
        putSecret("db/staging/outage", "outage-value-1234");
        String session = session("75", "build");
        databaseProxy.cut();
        try {
            web.post().uri("/api/v2/a2a/leases").headers(h -> h.setBearerAuth(session))
                    .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("secrets", List.of("db/staging/outage")))
                    .exchange().expectStatus().isEqualTo(503)
                    .expectHeader().exists(HttpHeaders.RETRY_AFTER)
                    .expectBody().jsonPath("$.type").isEqualTo("https://segura.dev/problems/database-unavailable");
            exchange(ciToken("75"), "build").expectStatus().isEqualTo(503)
                    .expectHeader().exists(HttpHeaders.RETRY_AFTER)
                    .expectBody().jsonPath("$.error").isEqualTo("temporarily_unavailable");
        } finally {
            databaseProxy.restore();
        }
        web.post().uri("/api/v2/a2a/leases").headers(h -> h.setBearerAuth(session))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("secrets", List.of("db/staging/outage")))
                .exchange().expectStatus().isCreated();
    }

    @Test
    void logsAndAuditWhenFullFlowRanThenNoSecretValueNoTokenAnywhere(CapturedOutput output) throws Exception {
        String value = "very-secret-value-" + java.util.UUID.randomUUID();
        putSecret("db/staging/scan", value);
        String idToken = ciToken("75");
        String session = (String) exchange(idToken, "build").expectStatus().isOk().expectBody(Map.class)
                .returnResult().getResponseBody().get("access_token");
        web.post().uri("/api/v2/a2a/leases").headers(h -> h.setBearerAuth(session))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("secrets", List.of("db/staging/scan")))
                .exchange().expectStatus().isCreated();
        // refusals too: a wrong role and a bad token, which are logged and audited (another subject for the role
        // refusal, so the per-subject rate limit of these tests does not answer first)
        String otherToken = ciToken("75");
        exchange(otherToken, "deploy").expectStatus().isBadRequest();
        exchange(idToken + "x", "build").expectStatus().isBadRequest();
        web.post().uri("/oauth2/revoke").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .bodyValue("token=" + session).exchange().expectStatus().isOk();

        assertThat(output.getAll()).doesNotContain(value, idToken, otherToken, session, MASTER_KEY, ADMIN_TOKEN);
        try (Connection c = PG.database().connect(); Statement s = c.createStatement()) {
            for (String table : List.of("audit_events", "audit_links", "sessions", "leases", "secret_versions",
                    "exposures")) {
                try (ResultSet rs = s.executeQuery("SELECT * FROM " + table)) {
                    int columns = rs.getMetaData().getColumnCount();
                    while (rs.next()) {
                        for (int i = 1; i <= columns; i++) {
                            String cell = rs.getString(i);
                            if (cell != null) {
                                assertThat(cell).as(table + " column " + rs.getMetaData().getColumnName(i))
                                        .doesNotContain(value).doesNotContain(idToken).doesNotContain(session);
                            }
                        }
                    }
                }
            }
        }
    }
}
