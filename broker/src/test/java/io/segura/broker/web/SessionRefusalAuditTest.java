// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.broker.session.SessionToken;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.BodyInserters;

/**
 * Every refusal of a session-token endpoint leaves exactly one {@code lease.denied} event: a token replayed after its
 * session was revoked (by its holder, an administrator, or another replica while this one remembered the session) or
 * expired, an unknown token, a bearer that is no session token, and none. The event names the session when the token
 * has one, else the token's SHA-256; never the token itself.
 */
class SessionRefusalAuditTest extends BrokerHttpTest {

    private static final String SECRET = "db/prod/refusal-audit";
    private static final String VALUE = "refusal-audit-value-9f3c";

    @BeforeEach
    void secret() {
        putSecret(SECRET, VALUE);
    }

    private String subject;

    private String session() {
        subject = "repo:acme/refusal-" + UUID.randomUUID() + ":ref:refs/heads/main";
        return session(subject, "74", "deploy");
    }

    private WebTestClient.ResponseSpec lease(Consumer<HttpHeaders> auth) {
        return web.post().uri("/api/v2/a2a/leases").headers(auth).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("secrets", List.of(SECRET))).exchange();
    }

    private String leaseId(String session) {
        return (String) lease(h -> h.setBearerAuth(session)).expectStatus().isCreated().expectBody(Map.class)
                .returnResult().getResponseBody().get("lease_id");
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> denials() {
        Map<String, Object> body = web.get().uri("/api/v2/a2a/events?type=lease.denied&limit=1000")
                .headers(h -> h.setBearerAuth(ADMIN_TOKEN)).exchange().expectStatus().isOk().expectBody(Map.class)
                .returnResult().getResponseBody();
        return (List<Map<String, Object>>) body.get("events");
    }

    /** The one denial this test's refusal added (the methods of a class run one at a time, on its own database). */
    private Map<String, Object> onlyNewDenial(List<Map<String, Object>> before) {
        List<Map<String, Object>> after = denials();
        assertThat(after).hasSize(before.size() + 1);
        List<Object> seen = before.stream().map(e -> e.get("id")).toList();
        Map<String, Object> added = after.stream().filter(e -> !seen.contains(e.get("id"))).findFirst().orElseThrow();
        assertThat(added.get("client_ip")).isEqualTo("127.0.0.1");
        return added;
    }

    private String events() {
        return web.get().uri("/api/v2/a2a/events?limit=1000").headers(h -> h.setBearerAuth(ADMIN_TOKEN)).exchange()
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> details(Map<String, Object> event) {
        return (Map<String, Object>) event.get("details");
    }

    private static String sessionId(String session) throws Exception {
        try (Connection c = PG.database().connect(); Statement s = c.createStatement();
                var rs = s.executeQuery("SELECT id FROM sessions WHERE token_hash = '"
                        + SessionToken.sha256Hex(session) + "'")) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    @Test
    void leaseWhenTheHolderRevokedTheSessionThenOneDenialNamesTheSession() throws Exception {
        String session = session();
        leaseId(session);
        web.post().uri("/oauth2/revoke").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .body(BodyInserters.fromFormData("token", session)).exchange().expectStatus().isOk();
        List<Map<String, Object>> before = denials();

        lease(h -> h.setBearerAuth(session)).expectStatus().isUnauthorized().expectBody()
                .jsonPath("$.type").isEqualTo("https://segura.dev/problems/session-revoked");

        Map<String, Object> denial = onlyNewDenial(before);
        assertThat(denial.get("role")).isEqualTo("deploy");
        assertThat(denial.get("subject")).isEqualTo(subject);
        assertThat(denial.get("issuer")).isEqualTo("ci"); // the issuer's name in the trust configuration
        assertThat((String) denial.get("reason")).isEqualTo("session-revoked: session was revoked");
        assertThat(details(denial)).containsEntry("action", "lease").containsEntry("session_id", sessionId(session))
                .doesNotContainKey("token_sha256");
        String all = events();
        assertThat(all).doesNotContain(session).doesNotContain(session.substring(4)).doesNotContain(VALUE);
    }

    @Test
    void leaseWhenAnotherReplicaRevokedTheRememberedSessionThenTheCommitsRefusalIsAuditedOnce() throws Exception {
        String session = session();
        leaseId(session); // this replica now remembers the session; its next lease is refused only at commit
        try (Connection c = PG.database().connect(); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE sessions SET revoked_at = now(), revoke_reason = 'revoked by admin'"
                    + " WHERE token_hash = '" + SessionToken.sha256Hex(session) + "'");
        }
        List<Map<String, Object>> before = denials();

        web.get().uri("/api/v2/a2a/secrets/" + SECRET).headers(h -> h.setBearerAuth(session)).exchange()
                .expectStatus().isUnauthorized().expectBody()
                .jsonPath("$.detail").isEqualTo("session was revoked by an administrator");

        Map<String, Object> denial = onlyNewDenial(before);
        assertThat(denial.get("subject")).isEqualTo(subject);
        assertThat(denial.get("secrets")).isEqualTo(List.of(SECRET));
        assertThat((String) denial.get("reason"))
                .isEqualTo("session-revoked: session was revoked by an administrator");
        assertThat(details(denial)).containsEntry("action", "lease").containsEntry("session_id", sessionId(session));
        // and no lease was issued: the refused lease's own transaction rolled back
        assertThat(events()).doesNotContain(VALUE);
    }

    @Test
    void renewAndRevokeWhenTheSessionExpiredThenEachRefusalIsAuditedWithTheLease() throws Exception {
        String session = session();
        String leaseId = leaseId(session);
        try (Connection c = PG.database().connect(); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE sessions SET expires_at = now() - interval '1 second'"
                    + " WHERE token_hash = '" + SessionToken.sha256Hex(session) + "'");
        }
        List<Map<String, Object>> before = denials();
        web.post().uri("/api/v2/a2a/leases/" + leaseId + "/renew").headers(h -> h.setBearerAuth(session)).exchange()
                .expectStatus().isUnauthorized();
        Map<String, Object> renew = onlyNewDenial(before);
        assertThat(renew.get("lease_id")).isEqualTo(leaseId);
        assertThat(renew.get("subject")).isEqualTo(subject);
        assertThat((String) renew.get("reason")).startsWith("unauthenticated: session expired at ");
        assertThat(details(renew)).containsEntry("action", "renew").containsEntry("session_id", sessionId(session));

        before = denials();
        web.delete().uri("/api/v2/a2a/leases/" + leaseId).headers(h -> h.setBearerAuth(session)).exchange()
                .expectStatus().isUnauthorized();
        assertThat(details(onlyNewDenial(before))).containsEntry("action", "revoke");
    }

    @Test
    void requestsWhenTheTokenIsUnknownThenTheDenialKeepsOnlyItsHash() {
        String unknown = "sgs_" + "Q".repeat(43);
        List<Map<String, Object>> before = denials();
        lease(h -> h.setBearerAuth(unknown)).expectStatus().isUnauthorized().expectBody()
                .jsonPath("$.detail").isEqualTo("session token is unknown");
        Map<String, Object> denial = onlyNewDenial(before);
        assertThat(denial.get("role")).isNull();
        assertThat(denial.get("subject")).isNull();
        assertThat((String) denial.get("reason")).isEqualTo("unauthenticated: session token is unknown");
        assertThat(details(denial)).containsEntry("action", "lease")
                .containsEntry("token_sha256", SessionToken.sha256Hex(unknown)).doesNotContainKey("session_id");

        before = denials();
        web.post().uri("/api/v2/a2a/dynamic-secrets").headers(h -> h.setBearerAuth(unknown))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("name", "db/prod-readonly")).exchange()
                .expectStatus().isUnauthorized();
        assertThat(details(onlyNewDenial(before))).containsEntry("action", "dynamic-secret");

        before = denials();
        web.post().uri("/api/v2/policy/evaluate").headers(h -> h.setBearerAuth(unknown))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("secrets", List.of(SECRET))).exchange()
                .expectStatus().isUnauthorized();
        assertThat(details(onlyNewDenial(before))).containsEntry("action", "evaluate");
        assertThat(events()).doesNotContain(unknown).doesNotContain(unknown.substring(4));
    }

    @Test
    void leaseWhenTheBearerIsNoSessionTokenOrAbsentThenAuditedWithoutIt() {
        // a job that sends its CI identity token straight to the lease API: refused, audited, the JWT never stored
        String jwt = ciToken("74");
        List<Map<String, Object>> before = denials();
        lease(h -> h.setBearerAuth(jwt)).expectStatus().isUnauthorized().expectBody()
                .jsonPath("$.detail").isEqualTo("bearer token is not a Segura session token (sgs_…)");
        Map<String, Object> denial = onlyNewDenial(before);
        assertThat((String) denial.get("reason"))
                .isEqualTo("unauthenticated: bearer token is not a Segura session token (sgs_…)");
        assertThat(details(denial)).containsOnlyKeys("action");

        before = denials();
        lease(h -> { }).expectStatus().isUnauthorized().expectHeader().exists(HttpHeaders.WWW_AUTHENTICATE);
        assertThat((String) onlyNewDenial(before).get("reason")).startsWith("unauthenticated: a session token is "
                + "required");
        String all = events();
        assertThat(all).doesNotContain(jwt).doesNotContain(jwt.split("\\.")[1]);
    }

    /**
     * A replica started with a trust configuration that no longer has the session's role (a second broker context on
     * the same database) refuses the session's lease with 403 {@code role-removed}, and audits it.
     */
    @Test
    void leaseWhenAReplicaNoLongerHasTheSessionsRoleThenRefusedAndAudited() throws Exception {
        String session = session();
        Path retired = Files.createTempFile("segura-retired", ".yaml");
        Files.writeString(retired, config().replace("- name: deploy\n", "- name: deploy-v2\n"), StandardCharsets.UTF_8);
        try (Replica b = replica(retired)) {
            WebTestClient replicaB = b.web();
            List<Map<String, Object>> before = denials();
            replicaB.post().uri("/api/v2/a2a/leases").headers(h -> h.setBearerAuth(session))
                    .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("secrets", List.of(SECRET))).exchange()
                    .expectStatus().isForbidden().expectBody()
                    .jsonPath("$.type").isEqualTo("https://segura.dev/problems/role-removed");
            Map<String, Object> denial = onlyNewDenial(before);
            assertThat(denial.get("role")).isEqualTo("deploy");
            assertThat(denial.get("subject")).isEqualTo(subject);
            assertThat(denial.get("secrets")).isEqualTo(List.of(SECRET));
            assertThat((String) denial.get("reason")).isEqualTo("role-removed: role \"deploy\" no longer exists in the "
                    + "trust configuration");
        } finally {
            Files.deleteIfExists(retired);
        }
    }

    @Test
    void requestsOfAnActiveSessionWhenRefusedThenEachAuditedWithTheSession() throws Exception {
        String session = session();
        String id = sessionId(session);

        List<Map<String, Object>> before = denials();
        web.post().uri("/api/v2/a2a/leases").headers(h -> h.setBearerAuth(session))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("secrets", List.of(SECRET), "tll", "5m"))
                .exchange().expectStatus().isEqualTo(422);
        Map<String, Object> body = onlyNewDenial(before);
        assertThat(body.get("subject")).isEqualTo(subject);
        assertThat((String) body.get("reason")).startsWith("unknown-field: unknown field \"tll\"");
        assertThat(details(body)).containsEntry("action", "lease").containsEntry("session_id", id);

        before = denials();
        web.get().uri("/api/v2/a2a/secrets/db/prod/nothing-here").headers(h -> h.setBearerAuth(session)).exchange()
                .expectStatus().isNotFound();
        Map<String, Object> missing = onlyNewDenial(before);
        assertThat(missing.get("secrets")).isEqualTo(List.of("db/prod/nothing-here"));
        assertThat((String) missing.get("reason")).startsWith("secret-not-found: ");

        before = denials();
        web.get().uri("/api/v2/a2a/secrets/db/prod/x?ttl=forever").headers(h -> h.setBearerAuth(session)).exchange()
                .expectStatus().isEqualTo(422);
        assertThat((String) onlyNewDenial(before).get("reason")).startsWith("invalid-duration: ");
        before = denials();
        // without a session the same request is refused for that first
        web.get().uri("/api/v2/a2a/secrets/db/prod/x?ttl=forever").exchange().expectStatus().isUnauthorized();
        assertThat((String) onlyNewDenial(before).get("reason")).startsWith("unauthenticated: a session token");

        String unknownLease = UUID.randomUUID().toString();
        before = denials();
        web.post().uri("/api/v2/a2a/leases/" + unknownLease + "/renew").headers(h -> h.setBearerAuth(session))
                .exchange().expectStatus().isNotFound();
        Map<String, Object> renew = onlyNewDenial(before);
        assertThat(renew.get("lease_id")).isEqualTo(unknownLease);
        assertThat((String) renew.get("reason")).startsWith("lease-not-found: ");
        assertThat(details(renew)).containsEntry("action", "renew").containsEntry("session_id", id);

        before = denials();
        web.delete().uri("/api/v2/a2a/leases/" + unknownLease).headers(h -> h.setBearerAuth(session)).exchange()
                .expectStatus().isNotFound();
        assertThat(details(onlyNewDenial(before))).containsEntry("action", "revoke");

        before = denials();
        web.post().uri("/api/v2/policy/evaluate").headers(h -> h.setBearerAuth(session))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("role", "build")).exchange()
                .expectStatus().isForbidden();
        Map<String, Object> evaluate = onlyNewDenial(before);
        assertThat((String) evaluate.get("reason")).startsWith("not-your-role: ");
        assertThat(details(evaluate)).containsEntry("action", "evaluate");
    }

    @Test
    void leaseWhenTheSessionIsActiveThenNoDenial() {
        String session = session();
        List<Map<String, Object>> before = denials();
        leaseId(session);
        assertThat(denials()).hasSameSizeAs(before);
    }
}
