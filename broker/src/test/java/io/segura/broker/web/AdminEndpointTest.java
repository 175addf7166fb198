// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/** The operator API: secrets, exposures, leases, audit query and chain verification. */
class AdminEndpointTest extends BrokerHttpTest {

    private WebTestClient.RequestHeadersSpec<?> get(String uri) {
        return web.get().uri(uri).headers(h -> h.setBearerAuth(ADMIN_TOKEN));
    }

    private WebTestClient.ResponseSpec post(String uri, Object body) {
        return web.post().uri(uri).headers(h -> h.setBearerAuth(ADMIN_TOKEN)).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body).exchange();
    }

    @Test
    void writeWhenNewThenVersion1AndMetadataNeverShowsValue() {
        web.put().uri("/api/v2/admin/secrets/app/one/token").headers(h -> h.setBearerAuth(ADMIN_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("value", "first-value-xyz", "max-age", "90d"))
                .exchange().expectStatus().isCreated().expectBody()
                .jsonPath("$.path").isEqualTo("app/one/token").jsonPath("$.version").isEqualTo(1);
        putSecret("app/one/token", "second-value-xyz");
        String meta = get("/api/v2/admin/secrets/app/one/token").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(meta).contains("\"current_version\":2", "\"max_age\":\"90d\"")
                .doesNotContain("first-value-xyz", "second-value-xyz");
    }

    @Test
    void listWhenPrefixThenOnlyMatchingPaths() {
        putSecret("list/a/one", "value-a-one");
        putSecret("list/b/two", "value-b-two");
        get("/api/v2/admin/secrets?prefix=list/a/").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.secrets[*].path").isEqualTo(List.of("list/a/one"));
    }

    @Test
    void rotateWhenGenerateThenNewVersionOfRequestedLength() {
        putSecret("rot/gen", "initial-value-123");
        post("/api/v2/admin/secrets/rot/gen/rotate", Map.of("generate", Map.of("length", 40)))
                .expectStatus().isCreated().expectBody().jsonPath("$.version").isEqualTo(2);
        post("/api/v2/admin/secrets/rot/gen/rotate", Map.of("value", "explicit-value-456"))
                .expectStatus().isCreated().expectBody().jsonPath("$.version").isEqualTo(3);
        post("/api/v2/admin/secrets/rot/gen/rotate", Map.of("generate", Map.of("length", 3)))
                .expectStatus().isEqualTo(422);
        post("/api/v2/admin/secrets/rot/missing/rotate", Map.of("value", "v-123456789")).expectStatus().isNotFound();
    }

    @Test
    void exposureWhenReportedByValueThenMatchingVersionMarked() {
        putSecret("leak/key", "leaked-value-one-1");
        putSecret("leak/key", "current-value-two-2");
        post("/api/v2/admin/secrets/leak/key/exposures", Map.of("value", "leaked-value-one-1", "source", "gitleaks"))
                .expectStatus().isCreated().expectBody().jsonPath("$.exposures[0].version").isEqualTo(1);
        get("/api/v2/admin/secrets/leak/key").exchange().expectBody()
                .jsonPath("$.versions[0].exposed_at").isNotEmpty()
                .jsonPath("$.versions[1].exposed_at").isEmpty();
        post("/api/v2/admin/secrets/leak/key/exposures", Map.of("value", "never-was-a-value", "source", "x"))
                .expectStatus().isNotFound();
        post("/api/v2/admin/secrets/leak/key/exposures", Map.of("version", 2, "source", "manual"))
                .expectStatus().isCreated().expectBody().jsonPath("$.exposures[0].version").isEqualTo(2);
    }

    @Test
    void writeWhenInvalidThen422Or413() {
        web.put().uri("/api/v2/admin/secrets/Bad/Path").headers(h -> h.setBearerAuth(ADMIN_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("value", "value-12345"))
                .exchange().expectStatus().isEqualTo(422).expectBody()
                .jsonPath("$.type").isEqualTo("https://segura.dev/problems/invalid-secret");
        web.put().uri("/api/v2/admin/secrets/big/value").headers(h -> h.setBearerAuth(ADMIN_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("value", "v".repeat(64 * 1024 + 1)))
                .exchange().expectStatus().isEqualTo(422);
        web.put().uri("/api/v2/admin/secrets/big/body").headers(h -> h.setBearerAuth(ADMIN_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("value", "v".repeat(1024 * 1024)))
                .exchange().expectStatus().isEqualTo(413);
    }

    @Test
    void adminWhenTokenMissingOrWrongThen401AndEachRefusalAudited() {
        web.get().uri("/api/v2/admin/secrets").exchange().expectStatus().isUnauthorized();
        String guess = ADMIN_TOKEN + "x";
        web.delete().uri("/api/v2/admin/leases?subject=x").headers(h -> h.setBearerAuth(guess)).exchange()
                .expectStatus().isUnauthorized();
        String session = session("75", "build");
        web.get().uri("/api/v2/a2a/events").headers(h -> h.setBearerAuth(session)).exchange()
                .expectStatus().isUnauthorized();

        Map<?, ?> body = web.get().uri("/api/v2/a2a/events?type=admin.denied").headers(h -> h.setBearerAuth(ADMIN_TOKEN))
                .exchange().expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
        List<?> events = (List<?>) body.get("events");
        assertThat(events).hasSize(3);
        assertThat(events.stream().map(e -> ((Map<?, ?>) e).get("details").toString()).toList()).containsExactlyInAnyOrder(
                "{method=GET, path=/api/v2/admin/secrets}", "{method=DELETE, path=/api/v2/admin/leases}",
                "{method=GET, path=/api/v2/a2a/events}");
        assertThat(events.stream().map(e -> (String) ((Map<?, ?>) e).get("reason")).toList()).containsExactlyInAnyOrder(
                "unauthenticated: the admin token is required: Authorization: Bearer $SEGURA_ADMIN_TOKEN",
                "unauthenticated: admin token is not valid", "unauthenticated: admin token is not valid");
        events.forEach(e -> assertThat(((Map<?, ?>) e).get("client_ip")).isEqualTo("127.0.0.1"));
        String all = web.get().uri("/api/v2/a2a/events?limit=1000").headers(h -> h.setBearerAuth(ADMIN_TOKEN))
                .exchange().expectBody(String.class).returnResult().getResponseBody();
        assertThat(all).doesNotContain(guess).doesNotContain(session).doesNotContain(session.substring(4));
    }

    @Test
    void leasesWhenListedAndBulkRevokedBySubjectThenEnded() {
        putSecret("db/staging/bulk", "bulk-value-1234");
        String session = session("75", "build");
        web.post().uri("/api/v2/a2a/leases").headers(h -> h.setBearerAuth(session))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("secrets", List.of("db/staging/bulk")))
                .exchange().expectStatus().isCreated();
        List<Map<String, Object>> leases = (List<Map<String, Object>>) get("/api/v2/admin/leases?role=build")
                .exchange().expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody().get("leases");
        assertThat(leases).isNotEmpty();
        String subject = (String) leases.get(0).get("subject");
        web.delete().uri("/api/v2/admin/leases?subject={s}", subject).headers(h -> h.setBearerAuth(ADMIN_TOKEN))
                .exchange().expectStatus().isOk().expectBody().jsonPath("$.revoked").isEqualTo(1);
        web.delete().uri("/api/v2/admin/leases").headers(h -> h.setBearerAuth(ADMIN_TOKEN)).exchange()
                .expectStatus().isEqualTo(422);
    }

    @Test
    void auditWhenFlowRanThenEventsQueryableAndChainVerifies() throws Exception {
        putSecret("db/staging/audit", "audit-value-1234");
        String session = session("75", "build");
        web.post().uri("/api/v2/a2a/leases").headers(h -> h.setBearerAuth(session))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("secrets", List.of("db/staging/audit")))
                .exchange().expectStatus().isCreated();
        get("/api/v2/a2a/events?type=lease.issued&path=db/staging/audit").exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.events[0].type").isEqualTo("lease.issued")
                .jsonPath("$.events[0].role").isEqualTo("build")
                .jsonPath("$.events[0].secrets[0]").isEqualTo("db/staging/audit@1");
        awaitChained();
        get("/api/v2/admin/audit/verify").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.ok").isEqualTo(true);

        // An attacker with database access edits a row: verify says so and where.
        try (Connection c = PG.database().connect(); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE audit_events SET subject = 'someone-else' "
                    + "WHERE seq = (SELECT seq FROM audit_links WHERE chain_pos = 2)");
        }
        get("/api/v2/admin/audit/verify").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.ok").isEqualTo(false)
                .jsonPath("$.broken_at").isEqualTo(2);
    }

    private void awaitChained() throws InterruptedException {
        for (int i = 0; i < 50; i++) {
            Map<?, ?> report = get("/api/v2/admin/audit/verify").exchange().expectBody(Map.class).returnResult()
                    .getResponseBody();
            if (((Number) report.get("pending_unchained")).longValue() == 0) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("audit events were not chained in time");
    }
}
