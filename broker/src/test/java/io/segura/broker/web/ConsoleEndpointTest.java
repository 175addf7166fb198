// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.broker.console.ConsoleSignOuts;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseCookie;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The console's server side over HTTP (issue 20): sign-in for a cookie, where that cookie is and is not a
 * credential, CSRF, sign-out, the security headers, and the admin endpoints the console added. The browser test
 * ({@code ConsoleBrowserIT}) drives the same through Chromium.
 */
class ConsoleEndpointTest extends BrokerHttpTest {

    static final String CSRF = "X-Segura-CSRF";

    @BeforeEach
    void secrets() {
        putSecret("db/prod/console", "console-secret-value-123");
    }

    record Signed(String cookie, String csrf) {
    }

    Signed signIn() {
        EntityExchangeResult<Map> r = web.post().uri("/console/api/session").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("token", ADMIN_TOKEN)).exchange().expectStatus().isOk()
                .expectHeader().cacheControl(org.springframework.http.CacheControl.noStore())
                .expectBody(Map.class).returnResult();
        ResponseCookie cookie = r.getResponseCookies().getFirst("segura_console");
        assertThat(cookie).isNotNull();
        assertThat(cookie.isHttpOnly()).isTrue();
        assertThat(cookie.getSameSite()).isEqualTo("Strict");
        assertThat(cookie.getPath()).isEqualTo("/");
        assertThat(cookie.getMaxAge().toMinutes()).isEqualTo(15);
        assertThat(cookie.isSecure()).isFalse(); // plain HTTP here; Secure over TLS
        return new Signed(cookie.getValue(), (String) r.getResponseBody().get("csrf_token"));
    }

    WebTestClient.ResponseSpec lease(String session) {
        return web.post().uri("/api/v2/a2a/leases").headers(h -> h.setBearerAuth(session))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("secrets", List.of("db/prod/console")))
                .exchange();
    }

    @Test
    void signInWhenWrongTokenThen401AndNoCookie() {
        web.post().uri("/console/api/session").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("token", ADMIN_TOKEN + "x")).exchange().expectStatus().isUnauthorized()
                .expectHeader().doesNotExist("Set-Cookie")
                .expectBody().jsonPath("$.type").isEqualTo("https://segura.dev/problems/admin-token-invalid");
        web.post().uri("/console/api/session").contentType(MediaType.APPLICATION_JSON).bodyValue("{}").exchange()
                .expectStatus().isEqualTo(422);
    }

    @Test
    void cookieWhenOperatorApiThenReadsAndCsrfGuardsChanges() {
        Signed s = signIn();
        web.get().uri("/api/v2/admin/leases").cookie("segura_console", s.cookie()).exchange().expectStatus().isOk();
        web.get().uri("/api/v2/a2a/events?limit=1").cookie("segura_console", s.cookie()).exchange()
                .expectStatus().isOk();
        web.get().uri("/console/api/session").cookie("segura_console", s.cookie()).exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.csrf_token").isEqualTo(s.csrf());
        // a state change without the CSRF token, or with a wrong one, is refused
        web.delete().uri("/api/v2/admin/sessions?role=deploy").cookie("segura_console", s.cookie()).exchange()
                .expectStatus().isForbidden().expectBody().jsonPath("$.type")
                .isEqualTo("https://segura.dev/problems/csrf-token-invalid");
        web.delete().uri("/api/v2/admin/sessions?role=deploy").cookie("segura_console", s.cookie())
                .header(CSRF, s.csrf() + "x").exchange().expectStatus().isForbidden();
        web.post().uri("/api/v2/policy/evaluate").cookie("segura_console", s.cookie())
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("claims", Map.of("sub", "x"))).exchange()
                .expectStatus().isForbidden();
        // with it: the admin view of the dry run (expected values shown)
        web.post().uri("/api/v2/policy/evaluate").cookie("segura_console", s.cookie()).header(CSRF, s.csrf())
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("role", "deploy", "claims", Map.of("sub", "x", "repository_id", "99")))
                .exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.decision").isEqualTo("deny")
                .jsonPath("$.role_checks[?(@.claim == 'repository_id')].expected").exists();
    }

    @Test
    void cookieWhenCiApiOrBearerPresentThenNoCredential() {
        Signed s = signIn();
        web.post().uri("/api/v2/a2a/leases").cookie("segura_console", s.cookie()).header(CSRF, s.csrf())
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("secrets", List.of("db/prod/console")))
                .exchange().expectStatus().isUnauthorized();
        // a bearer token always wins: a wrong one is refused even beside a valid cookie
        web.get().uri("/api/v2/admin/leases").cookie("segura_console", s.cookie())
                .headers(h -> h.setBearerAuth("wrong-admin-token-wrong-admin-token-wrong")).exchange()
                .expectStatus().isUnauthorized();
        // a session token is no console credential either
        String session = session("repo:acme/console-" + UUID.randomUUID(), "74", "deploy");
        web.get().uri("/api/v2/admin/leases").cookie("segura_console", session).exchange().expectStatus()
                .isUnauthorized().expectBody().jsonPath("$.type")
                .isEqualTo("https://segura.dev/problems/console-session-invalid");
    }

    @Test
    void signOutWhenCsrfThenCookieRefusedAfterwards() {
        Signed s = signIn();
        web.delete().uri("/console/api/session").cookie("segura_console", s.cookie()).exchange()
                .expectStatus().isForbidden();
        web.delete().uri("/console/api/session").cookie("segura_console", s.cookie()).header(CSRF, s.csrf())
                .exchange().expectStatus().isNoContent()
                .expectCookie().maxAge("segura_console", java.time.Duration.ZERO);
        web.get().uri("/api/v2/admin/leases").cookie("segura_console", s.cookie()).exchange()
                .expectStatus().isUnauthorized().expectBody().jsonPath("$.type")
                .isEqualTo("https://segura.dev/problems/console-signed-out");
        Signed again = signIn();
        web.get().uri("/api/v2/admin/leases").cookie("segura_console", again.cookie()).exchange()
                .expectStatus().isOk();
    }

    @Test
    void consolePagesWhenServedThenStrictCsp() {
        web.get().uri("/console").exchange().expectStatus().isPermanentRedirect()
                .expectHeader().location("/console/");
        web.get().uri("/console/").exchange().expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_HTML)
                .expectHeader().valueMatches("Content-Security-Policy", ".*script-src 'self';.*")
                .expectHeader().valueEquals("X-Content-Type-Options", "nosniff")
                .expectHeader().valueEquals("X-Frame-Options", "DENY")
                .expectBody(String.class).value(html -> {
                    assertThat(html).contains("<script type=\"module\" crossorigin src=\"/console/assets/");
                    assertThat(html).doesNotContainPattern("<script(?![^>]*\\bsrc=)[^>]*>");
                    assertThat(html).doesNotContain("style=");
                });
    }

    @Test
    void revokeLeaseWhenByIdThenItsSessionEndsAndTheNextLeaseIs401() {
        String session = session("repo:acme/console-" + UUID.randomUUID(), "74", "deploy");
        String other = session("repo:acme/console-" + UUID.randomUUID(), "74", "deploy");
        String leaseId = (String) lease(session).expectStatus().isCreated().expectBody(Map.class).returnResult()
                .getResponseBody().get("lease_id");
        lease(session).expectStatus().isCreated();
        web.delete().uri("/api/v2/admin/leases/" + leaseId).exchange().expectStatus().isUnauthorized();
        web.delete().uri("/api/v2/admin/leases/" + leaseId).headers(h -> h.setBearerAuth(ADMIN_TOKEN)).exchange()
                .expectStatus().isOk().expectBody()
                .jsonPath("$.revoked_sessions").isEqualTo(1)
                .jsonPath("$.revoked_leases").isEqualTo(2);
        lease(session).expectStatus().isUnauthorized().expectBody().jsonPath("$.type")
                .isEqualTo("https://segura.dev/problems/session-revoked");
        lease(other).expectStatus().isCreated();
        web.delete().uri("/api/v2/admin/leases/" + leaseId).headers(h -> h.setBearerAuth(ADMIN_TOKEN)).exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.revoked_sessions").isEqualTo(0);
        web.delete().uri("/api/v2/admin/leases/no-such-lease").headers(h -> h.setBearerAuth(ADMIN_TOKEN)).exchange()
                .expectStatus().isNotFound();
    }

    @Test
    void overviewAndConfigWhenAdminThenCountsAndNoClientSecrets() {
        lease(session("repo:acme/console-" + UUID.randomUUID(), "74", "deploy")).expectStatus().isCreated();
        web.get().uri("/api/v2/admin/overview?minutes=60").headers(h -> h.setBearerAuth(ADMIN_TOKEN)).exchange()
                .expectStatus().isOk().expectBody()
                .jsonPath("$.minutes.length()").isEqualTo(60)
                .jsonPath("$.totals.exchanges").value(n -> assertThat(((Number) n).intValue()).isPositive())
                .jsonPath("$.totals.leases").value(n -> assertThat(((Number) n).intValue()).isPositive())
                .jsonPath("$.active_leases").value(n -> assertThat(((Number) n).intValue()).isPositive());
        web.get().uri("/api/v2/admin/overview?minutes=0").headers(h -> h.setBearerAuth(ADMIN_TOKEN)).exchange()
                .expectStatus().isEqualTo(422);
        web.get().uri("/api/v2/admin/overview").exchange().expectStatus().isUnauthorized();
        web.get().uri("/api/v2/admin/config").headers(h -> h.setBearerAuth(ADMIN_TOKEN)).exchange()
                .expectStatus().isOk().expectBody(String.class).value(body -> {
                    assertThat(body).contains("\"roles\"", "\"deploy\"", "\"lint_warnings\"");
                    assertThat(body).doesNotContain(sha256(CLIENT_SECRET)).doesNotContain(CLIENT_SECRET)
                            .contains("\"authentication\":\"client_secret\"");
                });
    }

    /** The SHA-256 of the cookie's nonce: how audit events and {@code console_sign_outs} name a console session. */
    static String sessionHash(String cookie) {
        return sha256(cookie.split("\\.", -1)[2]);
    }

    /** Every console audit row, each as the text of all its columns. */
    static List<String> consoleAuditRows() throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = PG.database().connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT type || '|' || coalesce(subject, '') || '|' "
                        + "|| coalesce(client_ip, '') || '|' || coalesce(reason, '') || '|' || coalesce(ctx, '') "
                        + "|| '|' || coalesce(details, '') FROM audit_events WHERE type LIKE 'console.%' "
                        + "ORDER BY seq")) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        }
        return rows;
    }

    @Test
    void signInFailedSignInAndSignOutWhenDoneThenAuditedWithAddressAndSessionHashOnly() throws SQLException {
        String wrong = ADMIN_TOKEN + "-wrong";
        web.post().uri("/console/api/session").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("token", wrong)).exchange().expectStatus().isUnauthorized();
        Signed s = signIn();
        String hash = sessionHash(s.cookie());
        web.delete().uri("/console/api/session").cookie("segura_console", s.cookie()).header(CSRF, s.csrf())
                .exchange().expectStatus().isNoContent();

        List<String> rows = consoleAuditRows();
        assertThat(rows).anySatisfy(r -> assertThat(r)
                .startsWith("console.sign_in_failed|admin|127.0.0.1|admin-token-invalid|"));
        assertThat(rows).anySatisfy(r -> assertThat(r).startsWith("console.signed_in|admin|127.0.0.1||")
                .contains("\"session_sha256\":\"" + hash + "\"").contains("\"expires_at\":\""));
        assertThat(rows).anySatisfy(r -> assertThat(r).startsWith("console.signed_out|admin|127.0.0.1||")
                .contains("\"session_sha256\":\"" + hash + "\""));
        String nonce = s.cookie().split("\\.", -1)[2];
        assertThat(rows).allSatisfy(r -> assertThat(r).doesNotContain(ADMIN_TOKEN).doesNotContain(wrong)
                .doesNotContain(s.cookie()).doesNotContain(nonce).doesNotContain(s.csrf()));

        // the events API (what the console's audit page shows) carries the same, and no credential either
        String events = web.get().uri("/api/v2/a2a/events?limit=1000&type=console.signed_out")
                .headers(h -> h.setBearerAuth(ADMIN_TOKEN)).exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(events).contains(hash).contains("\"client_ip\":\"127.0.0.1\"")
                .doesNotContain(s.cookie()).doesNotContain(nonce).doesNotContain(s.csrf());
    }

    /**
     * Two replicas on one database (a second broker context beside the test's): a cookie from A works on B, and
     * once signed out on A it is refused on B within the negative-cache bound ({@link ConsoleSignOuts#NEGATIVE_TTL}),
     * polled with a generous deadline rather than slept for. Sign-out also purges rows past expiry plus the margin.
     */
    @Test
    void signOutWhenOnOneReplicaThenAnotherReplicaRefusesTheCookie() throws Exception {
        try (Replica b = replica(configFile)) {
            WebTestClient replicaB = b.web();
            try (Connection c = PG.database().connect(); PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO console_sign_outs (session_sha256, expires_at) VALUES (?, now() - ?::interval)")) {
                ps.setString(1, "a".repeat(64));
                ps.setString(2, "1 hour"); // past expiry and the clock margin: purged by the next sign-out
                ps.executeUpdate();
                ps.setString(1, "b".repeat(64));
                ps.setString(2, "1 minute"); // within the clock margin: kept
                ps.executeUpdate();
            }

            Signed s = signIn();
            Signed other = signIn();
            // B accepts A's cookie (and now caches "not signed out" for it)
            replicaB.get().uri("/api/v2/admin/leases").cookie("segura_console", s.cookie()).exchange()
                    .expectStatus().isOk();
            web.delete().uri("/console/api/session").cookie("segura_console", s.cookie()).header(CSRF, s.csrf())
                    .exchange().expectStatus().isNoContent();

            Instant deadline = Instant.now().plusSeconds(90);
            int status;
            do {
                status = replicaB.get().uri("/api/v2/admin/leases").cookie("segura_console", s.cookie()).exchange()
                        .returnResult(String.class).getStatus().value();
            } while (status == 200 && Instant.now().isBefore(deadline));
            assertThat(status).as("B's answer to the cookie signed out on A").isEqualTo(401);
            replicaB.get().uri("/api/v2/admin/leases").cookie("segura_console", s.cookie()).exchange()
                    .expectStatus().isUnauthorized().expectBody().jsonPath("$.type")
                    .isEqualTo("https://segura.dev/problems/console-signed-out");
            replicaB.get().uri("/console/api/session").cookie("segura_console", s.cookie()).exchange()
                    .expectStatus().isUnauthorized();
            // a session not signed out stands on both
            replicaB.get().uri("/api/v2/admin/leases").cookie("segura_console", other.cookie()).exchange()
                    .expectStatus().isOk();
            web.get().uri("/api/v2/admin/leases").cookie("segura_console", other.cookie()).exchange()
                    .expectStatus().isOk();

            List<String> kept = new ArrayList<>();
            try (Connection c = PG.database().connect(); Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT session_sha256 FROM console_sign_outs")) {
                while (rs.next()) {
                    kept.add(rs.getString(1));
                }
            }
            assertThat(kept).contains(sessionHash(s.cookie()), "b".repeat(64)).doesNotContain("a".repeat(64))
                    .doesNotContain(s.cookie());
        }
    }
}
