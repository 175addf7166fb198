// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/** The lease API under {@code /api/v2/a2a} end to end: grant, caps, renew, revoke, expiry, refusals. */
class LeaseEndpointTest extends BrokerHttpTest {

    @BeforeEach
    void secrets() {
        putSecret("db/prod/password", "prod-password-value-1");
        putSecret("api/key", "api-key-value-0123456789");
        putSecret("db/staging/password", "staging-password-value");
    }

    private WebTestClient.ResponseSpec lease(String session, Object body) {
        return web.post().uri("/api/v2/a2a/leases").headers(h -> h.setBearerAuth(session))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    @Test
    void leaseWhenPathsAllowedThen201WithValuesVersionsAndNoStore() {
        String session = session("74", "deploy");
        Map<?, ?> body = lease(session, Map.of("secrets", List.of("db/prod/password", "api/key"), "ttl", "15m"))
                .expectStatus().isCreated()
                .expectHeader().valueEquals(HttpHeaders.CACHE_CONTROL, "no-store")
                .expectBody(Map.class).returnResult().getResponseBody();
        assertThat(body.get("lease_id")).isNotNull();
        // capped at the session's end, so it cannot be renewed beyond it
        assertThat(body.get("renewable")).isEqualTo(false);
        Instant issued = Instant.parse((String) body.get("issued_at"));
        Instant expires = Instant.parse((String) body.get("expires_at"));
        // capped by the session's remaining lifetime (10m minus the moments since the exchange)
        assertThat(Duration.between(issued, expires)).isBetween(Duration.ofMinutes(9), Duration.ofMinutes(10));
        List<Map<String, Object>> secrets = (List<Map<String, Object>>) body.get("secrets");
        assertThat(secrets).extracting(s -> s.get("path")).containsExactly("db/prod/password", "api/key");
        assertThat(secrets).extracting(s -> s.get("value"))
                .containsExactly("prod-password-value-1", "api-key-value-0123456789");
        assertThat(secrets.get(0).get("version")).isNotNull();
        assertThat((List<?>) body.get("warnings")).singleElement().asString().contains("capped");
    }

    @Test
    void leaseWhenPinnedVersionThenThatVersion() {
        putSecret("db/prod/password", "prod-password-value-2");
        String session = session("74", "deploy");
        lease(session, Map.of("secrets", List.of("db/prod/password@1"))).expectStatus().isCreated()
                .expectBody().jsonPath("$.secrets[0].version").isEqualTo(1)
                .jsonPath("$.secrets[0].value").isEqualTo("prod-password-value-1");
    }

    @Test
    void leaseWhenPathOutsideRoleThen403NamingPath() {
        String session = session("74", "deploy");
        lease(session, Map.of("secrets", List.of("db/staging/password"))).expectStatus().isForbidden()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.type").isEqualTo("https://segura.dev/problems/path-not-allowed")
                .jsonPath("$.detail").value(d -> assertThat((String) d).contains("db/staging/password"));
    }

    @Test
    void leaseWhenRoleHasPoliciesAndNoneIsBrokenThenGranted() {
        // The gate of this role limits the age to 90 days; a fresh secret passes (every rule: DeploymentGateEndpointTest).
        String session = session("76", "gated");
        lease(session, Map.of("secrets", List.of("db/prod/password"))).expectStatus().isCreated()
                .expectBody().jsonPath("$.policy_warnings.length()").isEqualTo(0);
    }

    @Test
    void leaseWhenSecretUnknownThen404() {
        String session = session("74", "deploy");
        lease(session, Map.of("secrets", List.of("db/prod/nothing-here"))).expectStatus().isNotFound()
                .expectBody().jsonPath("$.type").isEqualTo("https://segura.dev/problems/secret-not-found");
    }

    @Test
    void leaseWhenBodyInvalidThen422() {
        String session = session("74", "deploy");
        lease(session, Map.of("secrets", List.of())).expectStatus().isEqualTo(422);
        lease(session, Map.of("secrets", List.of("db/prod/password"), "tll", "5m")).expectStatus().isEqualTo(422)
                .expectBody().jsonPath("$.detail").value(d -> assertThat((String) d).contains("tll"));
        lease(session, Map.of("secrets", List.of("db/prod/password"), "ttl", "five")).expectStatus().isEqualTo(422);
        lease(session, Map.of("secrets", List.of("../etc/passwd"))).expectStatus().isEqualTo(422);
    }

    @Test
    void leaseWhenNoOrBadSessionThen401() {
        web.post().uri("/api/v2/a2a/leases").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("secrets", List.of("api/key"))).exchange().expectStatus().isUnauthorized()
                .expectHeader().exists(HttpHeaders.WWW_AUTHENTICATE);
        lease("sgs_" + "B".repeat(43), Map.of("secrets", List.of("api/key"))).expectStatus().isUnauthorized()
                .expectBody().jsonPath("$.detail").isEqualTo("session token is unknown");
    }

    @Test
    void getSecretWhenAllowedThenOneSecretUnderNewLease() {
        String session = session("74", "deploy");
        web.get().uri("/api/v2/a2a/secrets/db/prod/password").headers(h -> h.setBearerAuth(session)).exchange()
                .expectStatus().isOk().expectBody()
                .jsonPath("$.secrets.length()").isEqualTo(1)
                .jsonPath("$.secrets[0].value").isEqualTo("prod-password-value-1");
    }

    @Test
    void renewWhenActiveThenExtendedWithinCaps() {
        String session = session("74", "deploy");
        Map<?, ?> lease = lease(session, Map.of("secrets", List.of("api/key"), "ttl", "1m")).expectStatus()
                .isCreated().expectBody(Map.class).returnResult().getResponseBody();
        Instant before = Instant.parse((String) lease.get("expires_at"));
        Map<?, ?> renewed = web.post().uri("/api/v2/a2a/leases/{id}/renew", lease.get("lease_id"))
                .headers(h -> h.setBearerAuth(session)).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("increment", "5m")).exchange().expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody();
        assertThat(Instant.parse((String) renewed.get("expires_at"))).isAfter(before);
        // asking for more than the session has left is capped, not refused
        web.post().uri("/api/v2/a2a/leases/{id}/renew", lease.get("lease_id"))
                .headers(h -> h.setBearerAuth(session)).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("increment", "2h")).exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.renewable").isEqualTo(false);
    }

    @Test
    void revokeLeaseWhenHolderThen204AndRenewConflicts() {
        String session = session("74", "deploy");
        String id = (String) lease(session, Map.of("secrets", List.of("api/key"))).expectStatus().isCreated()
                .expectBody(Map.class).returnResult().getResponseBody().get("lease_id");
        web.delete().uri("/api/v2/a2a/leases/{id}", id).headers(h -> h.setBearerAuth(session)).exchange()
                .expectStatus().isNoContent();
        web.post().uri("/api/v2/a2a/leases/{id}/renew", id).headers(h -> h.setBearerAuth(session)).exchange()
                .expectStatus().isEqualTo(409);
    }

    @Test
    void revokeLeaseWhenOtherSessionThen404() {
        String owner = session("74", "deploy");
        String other = session("74", "deploy");
        String id = (String) lease(owner, Map.of("secrets", List.of("api/key"))).expectStatus().isCreated()
                .expectBody(Map.class).returnResult().getResponseBody().get("lease_id");
        web.delete().uri("/api/v2/a2a/leases/{id}", id).headers(h -> h.setBearerAuth(other)).exchange()
                .expectStatus().isNotFound();
    }

    @Test
    void oauthRevokeWhenSessionHasLeasesThenAllEndAndSessionIsDead() throws Exception {
        String session = session("74", "deploy");
        String id = (String) lease(session, Map.of("secrets", List.of("api/key"))).expectStatus().isCreated()
                .expectBody(Map.class).returnResult().getResponseBody().get("lease_id");
        web.post().uri("/oauth2/revoke").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .bodyValue("token=" + session).exchange().expectStatus().isOk();
        lease(session, Map.of("secrets", List.of("api/key"))).expectStatus().isUnauthorized()
                .expectBody().jsonPath("$.detail").isEqualTo("session was revoked");
        try (Connection c = PG.database().connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT revoked_at, revoke_reason FROM leases WHERE id = '" + id + "'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getTimestamp(1)).isNotNull();
            assertThat(rs.getString(2)).isEqualTo("session revoked");
        }
    }

    @Test
    void oauthRevokeWhenLeasesRaceItThenEveryGrantedLeaseIsEndedAndListedInTheEvent() throws Exception {
        String session = session("74", "deploy");
        for (int i = 0; i < 2; i++) {
            lease(session, Map.of("secrets", List.of("api/key"))).expectStatus().isCreated();
        }
        List<String> granted = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        List<java.util.concurrent.Callable<?>> tasks = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) {
            tasks.add(() -> {
                var r = lease(session, Map.of("secrets", List.of("api/key"))).expectBody(Map.class)
                        .returnResult();
                if (r.getStatus().value() == 201) {
                    granted.add((String) r.getResponseBody().get("lease_id"));
                } else {
                    assertThat(r.getStatus().value()).isEqualTo(401);
                }
                return null;
            });
        }
        tasks.add(() -> {
            web.post().uri("/oauth2/revoke").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                    .bodyValue("token=" + session).exchange().expectStatus().isOk();
            return null;
        });
        atOnce(tasks);
        String sessionId;
        String listed;
        try (Connection c = PG.database().connect(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT id FROM sessions WHERE token_hash = '"
                    + io.segura.broker.session.SessionToken.sha256Hex(session) + "'")) {
                rs.next();
                sessionId = rs.getString(1);
            }
            assertThat(count("SELECT count(*) FROM leases WHERE session_id = '" + sessionId
                    + "' AND revoked_at IS NULL")).as("open leases after the revocation").isZero();
            try (ResultSet rs = s.executeQuery("SELECT details FROM audit_events WHERE type = 'session.revoked'"
                    + " AND details LIKE '%" + sessionId + "%'")) {
                assertThat(rs.next()).isTrue();
                listed = rs.getString(1);
                assertThat(rs.next()).as("one session.revoked event").isFalse();
            }
            assertThat(count("SELECT count(*) FROM leases WHERE session_id = '" + sessionId + "'"))
                    .isEqualTo(2 + granted.size());
        }
        assertThat(granted).allSatisfy(id -> assertThat(listed).contains(id));
        // the revocation is idempotent (RFC 7009) and audits nothing more
        web.post().uri("/oauth2/revoke").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .bodyValue("token=" + session).exchange().expectStatus().isOk();
        assertThat(count("SELECT count(*) FROM audit_events WHERE type = 'session.revoked'"
                + " AND details LIKE '%" + sessionId + "%'")).isEqualTo(1);
    }

    @Test
    void oauthRevokeWhenManySessionsAtOnceThenEachEndsExactlyItsOwnLeases() throws Exception {
        // revocations in flight share one read (GroupRead): each must get its own session's leases back
        List<String> sessions = new java.util.ArrayList<>();
        Map<String, List<String>> leasesOf = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 6; i++) {
            String session = session("74", "deploy");
            sessions.add(session);
            List<String> ids = new java.util.ArrayList<>();
            for (int l = 0; l <= i % 3; l++) {
                ids.add((String) lease(session, Map.of("secrets", List.of("api/key"))).expectStatus().isCreated()
                        .expectBody(Map.class).returnResult().getResponseBody().get("lease_id"));
            }
            leasesOf.put(session, ids);
        }
        atOnce(sessions.stream().<java.util.concurrent.Callable<?>>map(session -> () -> {
            web.post().uri("/oauth2/revoke").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                    .bodyValue("token=" + session).exchange().expectStatus().isOk();
            return null;
        }).toList());
        try (Connection c = PG.database().connect(); Statement s = c.createStatement()) {
            for (String session : sessions) {
                String sessionId;
                try (ResultSet rs = s.executeQuery("SELECT id, revoked_at FROM sessions WHERE token_hash = '"
                        + io.segura.broker.session.SessionToken.sha256Hex(session) + "'")) {
                    assertThat(rs.next()).isTrue();
                    sessionId = rs.getString(1);
                    assertThat(rs.getTimestamp(2)).as("session revoked").isNotNull();
                }
                assertThat(count("SELECT count(*) FROM leases WHERE session_id = '" + sessionId
                        + "' AND revoked_at IS NULL")).isZero();
                try (ResultSet rs = s.executeQuery("SELECT details FROM audit_events WHERE type = 'session.revoked'"
                        + " AND details LIKE '%" + sessionId + "%'")) {
                    assertThat(rs.next()).isTrue();
                    String listed = rs.getString(1);
                    leasesOf.forEach((other, ids) -> ids.forEach(id -> {
                        if (other.equals(session)) {
                            assertThat(listed).contains(id);
                        } else {
                            assertThat(listed).doesNotContain(id);
                        }
                    }));
                }
            }
        }
    }

    @Test
    void oauthRevokeWhenALeaseOfAnotherReplicaCommitsDuringItThenMarksTheSessionFirstAndEndsThatLeaseToo()
            throws Exception {
        String session = session("74", "deploy");
        String mine = (String) lease(session, Map.of("secrets", List.of("api/key"))).expectStatus().isCreated()
                .expectBody(Map.class).returnResult().getResponseBody().get("lease_id");
        String hash = io.segura.broker.session.SessionToken.sha256Hex(session);
        String theirs = "lease-of-another-replica-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        try (Connection other = PG.database().connect()) {
            // another replica's lease commit, caught half-way: its lease row is written and it holds the session row
            other.setAutoCommit(false);
            try (Statement s = other.createStatement()) {
                s.executeUpdate("INSERT INTO leases (id, session_id, role, issuer, client_id, subject, ctx, secrets,"
                        + " renewable, issued_at, expires_at) SELECT '" + theirs + "', id, role, issuer, client_id,"
                        + " subject, ctx, '[\"api/key@1\"]', false, now(), now() + interval '10 minutes'"
                        + " FROM sessions WHERE token_hash = '" + hash + "'");
                assertThat(s.executeUpdate("UPDATE sessions SET lease_count = lease_count + 1 WHERE token_hash = '"
                        + hash + "' AND revoked_at IS NULL")).isEqualTo(1);
            }
            var revoked = java.util.concurrent.CompletableFuture.supplyAsync(() -> web.post().uri("/oauth2/revoke")
                    .contentType(MediaType.APPLICATION_FORM_URLENCODED).bodyValue("token=" + session).exchange()
                    .returnResult(Void.class).getStatus().value());
            // the revocation read the session (one lease) and now waits for the row the other replica holds
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (count("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    + " AND wait_event_type = 'Lock'") == 0) {
                assertThat(System.nanoTime()).as("the revocation waits for the session row").isLessThan(deadline);
                assertThat(revoked).as("the revocation must wait for the session row").isNotDone();
                Thread.sleep(20);
            }
            other.commit();
            assertThat(revoked.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(200);
        }
        try (Connection c = PG.database().connect(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT id, revoke_reason FROM leases WHERE id IN ('" + mine + "', '"
                    + theirs + "')")) {
                int n = 0;
                while (rs.next()) {
                    n++;
                    assertThat(rs.getString(2)).as(rs.getString(1)).isEqualTo("session revoked");
                }
                assertThat(n).isEqualTo(2);
            }
            try (ResultSet rs = s.executeQuery("SELECT details FROM audit_events WHERE type = 'session.revoked'"
                    + " AND details LIKE '%" + theirs + "%'")) {
                assertThat(rs.next()).as("the event lists the lease committed during the revocation").isTrue();
                assertThat(rs.getString(1)).contains(mine);
            }
        }
        web.get().uri("/actuator/prometheus").exchange().expectStatus().isOk().expectBody(String.class)
                .value(metrics -> assertThat(metrics).containsPattern(
                        "segura_session_revocations_total\\{how=\"marked-first\"[^}]*} [1-9]"));
        lease(session, Map.of("secrets", List.of("api/key"))).expectStatus().isUnauthorized();
    }

    @Test
    void leaseWhenSessionWasRevokedByAnotherReplicaThenRefusedAtCommitAndNothingIsReleased() throws Exception {
        String session = session("74", "deploy");
        // this replica has read the session now, and answers its next lease from memory
        lease(session, Map.of("secrets", List.of("api/key"))).expectStatus().isCreated();
        String hash = io.segura.broker.session.SessionToken.sha256Hex(session);
        try (Connection c = PG.database().connect(); Statement s = c.createStatement()) {
            // what a revocation through another replica leaves behind
            s.executeUpdate("UPDATE sessions SET revoked_at = now(), revoke_reason = 'revoked' WHERE token_hash = '"
                    + hash + "'");
        }
        lease(session, Map.of("secrets", List.of("api/key"))).expectStatus().isUnauthorized()
                .expectBody().jsonPath("$.detail").isEqualTo("session was revoked")
                .jsonPath("$.leases").doesNotExist();
        assertThat(count("SELECT count(*) FROM leases l JOIN sessions s ON s.id = l.session_id"
                        + " WHERE s.token_hash = '" + hash + "'")).as("only the lease from before the revocation").isEqualTo(1);
    }

    @Test
    void sweeperWhenLeaseDueThenExpiredAndAudited() throws Exception {
        String session = session("74", "deploy");
        String id = (String) lease(session, Map.of("secrets", List.of("api/key"), "ttl", "1s")).expectStatus()
                .isCreated().expectBody(Map.class).returnResult().getResponseBody().get("lease_id");
        String reason = null;
        for (int i = 0; i < 50 && reason == null; i++) {
            Thread.sleep(200);
            try (Connection c = PG.database().connect(); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT revoke_reason FROM leases WHERE id = '" + id + "'")) {
                rs.next();
                reason = rs.getString(1);
            }
        }
        assertThat(reason).isEqualTo("expired");
        assertThat(count("SELECT count(*) FROM audit_events WHERE type = 'lease.expired'"
                + " AND lease_id = '" + id + "'")).isEqualTo(1);
    }

    @Test
    void leaseWhenAuditInsertFailsThenNoLeaseAndNoValueReleased() throws Exception {
        String session = session("74", "deploy");
        try (Connection c = PG.database().connect(); Statement s = c.createStatement()) {
            s.execute("CREATE FUNCTION refuse_lease_audit() RETURNS trigger AS $$ BEGIN"
                    + " IF NEW.type = 'lease.issued' THEN RAISE EXCEPTION 'audit store refuses'; END IF;"
                    + " RETURN NEW; END $$ LANGUAGE plpgsql");
            s.execute("CREATE TRIGGER refuse_lease_audit BEFORE INSERT ON audit_events FOR EACH ROW"
                    + " EXECUTE FUNCTION refuse_lease_audit()");
        }
        try {
            byte[] body = lease(session, Map.of("secrets", List.of("api/key"))).expectStatus().is5xxServerError()
                    .expectBody().returnResult().getResponseBody();
            assertThat(new String(body)).doesNotContain("api-key-value-0123456789");
            assertThat(count("SELECT count(*) FROM leases l JOIN sessions s"
                    + " ON l.session_id = s.id WHERE s.token_hash = '" + sha256(session) + "'")).isZero();
        } finally {
            try (Connection c = PG.database().connect(); Statement s = c.createStatement()) {
                s.execute("DROP TRIGGER refuse_lease_audit ON audit_events");
                s.execute("DROP FUNCTION refuse_lease_audit()");
            }
        }
    }

    @Test
    void clientCredentialsSessionWhenLeasingThenWorksWithinItsRole() {
        String basic = java.util.Base64.getEncoder().encodeToString(("bamboo-ci:" + CLIENT_SECRET).getBytes());
        String session = (String) web.post().uri("/oauth2/token").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .header(HttpHeaders.AUTHORIZATION, "Basic " + basic).bodyValue("grant_type=client_credentials")
                .exchange().expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody()
                .get("access_token");
        lease(session, Map.of("secrets", List.of("db/staging/password"))).expectStatus().isCreated();
        lease(session, Map.of("secrets", List.of("db/prod/password"))).expectStatus().isForbidden();
    }

    private static int count(String sql) throws Exception {
        try (Connection c = PG.database().connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Starts every task at the same moment, on threads of its own, and waits for all (each at most 60 s). */
    private static void atOnce(List<java.util.concurrent.Callable<?>> tasks) throws Exception {
        var pool = java.util.concurrent.Executors.newFixedThreadPool(tasks.size());
        try {
            var start = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Future<?>> all = new java.util.ArrayList<>();
            for (var task : tasks) {
                all.add(pool.submit(() -> {
                    start.await();
                    return task.call();
                }));
            }
            start.countDown();
            for (var f : all) {
                f.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
