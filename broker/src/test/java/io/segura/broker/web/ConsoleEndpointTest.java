// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
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

    String session(String subject) {
        Map<String, Object> claims = new HashMap<>();
        claims.put("aud", AUDIENCE);
        claims.put("sub", subject);
        claims.put("repository_id", "74");
        claims.put("ref", "refs/heads/main");
        return (String) exchange(ISSUER.mint(claims), "deploy").expectStatus().isOk().expectBody(Map.class)
                .returnResult().getResponseBody().get("access_token");
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
        web.get().uri("/api/v2/admin/leases").cookie("segura_console", session("repo:acme/console-"
                + UUID.randomUUID())).exchange().expectStatus().isUnauthorized().expectBody().jsonPath("$.type")
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
        String session = session("repo:acme/console-" + UUID.randomUUID());
        String other = session("repo:acme/console-" + UUID.randomUUID());
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
        lease(session("repo:acme/console-" + UUID.randomUUID())).expectStatus().isCreated();
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
}
