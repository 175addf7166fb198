// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * {@code DELETE /api/v2/admin/sessions?role=|subject=} end to end: the sessions and their leases end, the event says
 * so, and the job's next lease is refused with 401 naming the administrator — unlike {@code DELETE …/leases}, after
 * which the session may lease again.
 */
class SessionRevocationEndpointTest extends BrokerHttpTest {

    @BeforeEach
    void secrets() {
        putSecret("db/prod/revocation", "revocation-value-123");
        putSecret("db/staging/revocation", "staging-revocation-value");
    }

    static String subject() {
        return "repo:acme/revoke-" + UUID.randomUUID() + ":ref:refs/heads/main";
    }

    WebTestClient.ResponseSpec lease(String session, String secret) {
        return web.post().uri("/api/v2/a2a/leases").headers(h -> h.setBearerAuth(session))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("secrets", List.of(secret))).exchange();
    }

    WebTestClient.ResponseSpec revokeSessions(String query) {
        return web.delete().uri("/api/v2/admin/sessions" + query).headers(h -> h.setBearerAuth(ADMIN_TOKEN))
                .exchange();
    }

    @Test
    void revokeWhenBySubjectThenLeasesEndAndNextLeaseIs401ByAnAdministrator() throws Exception {
        String subject = subject();
        String session = session(subject, "74", "deploy");
        String leaseId = (String) lease(session, "db/prod/revocation").expectStatus().isCreated()
                .expectBody(Map.class).returnResult().getResponseBody().get("lease_id");
        String other = session(subject(), "74", "deploy");

        web.delete().uri(b -> b.path("/api/v2/admin/sessions").queryParam("subject", "{s}").build(subject))
                .headers(h -> h.setBearerAuth(ADMIN_TOKEN)).exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.revoked_sessions").isEqualTo(1)
                .jsonPath("$.revoked_leases").isEqualTo(1);

        lease(session, "db/prod/revocation").expectStatus().isUnauthorized()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.type").isEqualTo("https://segura.dev/problems/session-revoked")
                .jsonPath("$.detail").isEqualTo("session was revoked by an administrator")
                .jsonPath("$.secrets").doesNotExist();
        lease(other, "db/prod/revocation").expectStatus().isCreated(); // another subject's session
        try (Connection c = PG.database().connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT revoked_at, revoke_reason FROM leases WHERE id = '" + leaseId
                        + "'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getTimestamp(1)).isNotNull();
            assertThat(rs.getString(2)).isEqualTo("session revoked");
        }
        web.get().uri(b -> b.path("/api/v2/a2a/events").queryParam("type", "session.revoked")
                        .queryParam("subject", "{s}").build(subject))
                .headers(h -> h.setBearerAuth(ADMIN_TOKEN)).exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.events.length()").isEqualTo(1)
                .jsonPath("$.events[0].reason").isEqualTo("revoked by admin")
                .jsonPath("$.events[0].role").isEqualTo("deploy")
                .jsonPath("$.events[0].details.leases[0]").isEqualTo(leaseId);
    }

    @Test
    void revokeWhenByRoleThenEverySessionOfTheRoleOnly() {
        String first = session(subject(), "75", "build");
        String second = session(subject(), "75", "build");
        lease(first, "db/staging/revocation").expectStatus().isCreated();
        String deploy = session(subject(), "74", "deploy");
        revokeSessions("?role=build").expectStatus().isOk().expectBody()
                .jsonPath("$.revoked_sessions").isEqualTo(2)
                .jsonPath("$.revoked_leases").isEqualTo(1);
        lease(first, "db/staging/revocation").expectStatus().isUnauthorized();
        lease(second, "db/staging/revocation").expectStatus().isUnauthorized();
        lease(deploy, "db/prod/revocation").expectStatus().isCreated();
        revokeSessions("?role=build").expectStatus().isOk().expectBody()
                .jsonPath("$.revoked_sessions").isEqualTo(0);
    }

    @Test
    void leaseWhenAnotherReplicaRevokedTheSessionThenTheRefusalStillNamesTheAdministrator() throws Exception {
        String session = session(subject(), "74", "deploy");
        // this replica now answers the session's next lease from memory; its commit finds the session revoked
        lease(session, "db/prod/revocation").expectStatus().isCreated();
        try (Connection c = PG.database().connect(); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE sessions SET revoked_at = now(), revoke_reason = 'revoked by admin'"
                    + " WHERE token_hash = '" + io.segura.broker.session.SessionToken.sha256Hex(session) + "'");
        }
        lease(session, "db/prod/revocation").expectStatus().isUnauthorized().expectBody()
                .jsonPath("$.detail").isEqualTo("session was revoked by an administrator");
    }

    @Test
    void leasesRevokeWhenBySubjectThenTheSessionMayLeaseAgainButNotAfterSessionRevoke() {
        String subject = subject();
        String session = session(subject, "74", "deploy");
        lease(session, "db/prod/revocation").expectStatus().isCreated();
        web.delete().uri(b -> b.path("/api/v2/admin/leases").queryParam("subject", "{s}").build(subject))
                .headers(h -> h.setBearerAuth(ADMIN_TOKEN)).exchange().expectStatus().isOk();
        lease(session, "db/prod/revocation").expectStatus().isCreated(); // DELETE …/leases leaves the session
        web.delete().uri(b -> b.path("/api/v2/admin/sessions").queryParam("subject", "{s}").build(subject))
                .headers(h -> h.setBearerAuth(ADMIN_TOKEN)).exchange().expectStatus().isOk();
        lease(session, "db/prod/revocation").expectStatus().isUnauthorized();
    }

    @Test
    void revokeWhenNoFilterOrNoAdminThenRefused() {
        revokeSessions("").expectStatus().isEqualTo(422).expectBody()
                .jsonPath("$.type").isEqualTo("https://segura.dev/problems/invalid-filter");
        revokeSessions("?role=").expectStatus().isEqualTo(422);
        web.delete().uri("/api/v2/admin/sessions?role=deploy").exchange().expectStatus().isUnauthorized();
    }
}
