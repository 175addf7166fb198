// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.BodyInserters;

/**
 * The review's audit-evasion and echo findings (issue 12, fixes 2, 3, 5 and 6): every refusal leaves exactly one
 * audit event however the caller shapes its strings, a valid token with odd claim values is answered normally with
 * its audit record redacted or cut, and a refusal quotes the caller's value JSON-escaped and bounded.
 */
class RefusalAuditTest extends BrokerHttpTest {

    private static final String FORGED_JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhdHRhY2tlciJ9.c2lnbmF0dXJlLWZvcmdlZA";

    @Test
    void clientCredentialsWhenScopeIs200CharactersAndSecretWrongThenOneRejectionWithTheRoleCut() {
        String role = "r".repeat(200);
        List<Map<?, ?>> events = newRejections(() -> clientCredentials("bamboo-ci", "wrong-secret", role)
                .expectStatus().isUnauthorized());
        assertThat(events).hasSize(1);
        String recorded = (String) events.get(0).get("role");
        assertThat(recorded).hasSizeLessThanOrEqualTo(128).startsWith("rrrr").contains("…[cut", sha256(role));
    }

    @Test
    void clientCredentialsWhenClientIdIs2000CharactersThenOneRejectionAndTheEchoIsBounded() {
        String clientId = "c".repeat(2000);
        List<Map<?, ?>> events = newRejections(() -> clientCredentials(clientId, "whatever", null)
                .expectStatus().isUnauthorized().expectBody()
                .jsonPath("$.error").isEqualTo("invalid_client")
                .jsonPath("$.error_description").value(d -> assertThat((String) d)
                        .hasSizeLessThan(300).contains("\"" + "c".repeat(200) + "…\"")));
        assertThat(events).hasSize(1);
        assertThat((String) events.get(0).get("subject")).hasSizeLessThanOrEqualTo(1024)
                .contains("…[cut 2007 chars, sha256:" + sha256("client:" + clientId) + "]");
    }

    @Test
    void tokenExchangeWhenIssIsJwtShapedThenOneRejectionWithTheTokenRedacted() {
        String forged = ISSUER.token().claim("iss", FORGED_JWT).claim("aud", AUDIENCE).claim("sub", "x").sign();
        List<Map<?, ?>> events = newRejections(() -> exchange(forged, "deploy").expectStatus().isBadRequest()
                .expectBody().jsonPath("$.error").isEqualTo("invalid_grant"));
        assertThat(events).hasSize(1);
        assertThat(events.get(0).toString()).contains("[redacted token sha256:").doesNotContain("eyJhbGci");
    }

    @Test
    void tokenExchangeWhenScopeNamesA300CharacterRoleThenOneRejection() {
        List<Map<?, ?>> events = newRejections(() -> exchange(ciToken("74"), "x".repeat(300))
                .expectStatus().isBadRequest().expectBody().jsonPath("$.error").isEqualTo("invalid_scope"));
        assertThat(events).hasSize(1);
        assertThat((String) events.get(0).get("role")).hasSizeLessThanOrEqualTo(128);
    }

    @Test
    void tokenWhenRequestUnreadableThenItsRefusalIsAuditedToo() {
        List<Map<?, ?>> events = newRejections(() -> web.post().uri("/oauth2/token")
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .bodyValue("grant_type=" + TOKEN_EXCHANGE + "&subject_token=a&subject_token=b&subject_token_type="
                        + JWT_TYPE).exchange().expectStatus().isBadRequest());
        assertThat(events).hasSize(1);
        assertThat((String) events.get(0).get("reason")).contains("subject_token must not be repeated");
    }

    @Test
    void tokenExchangeWhenSubOver1024CharactersThen400NamingSubAndOneRejection() {
        String token = ISSUER.mint(Map.of("aud", AUDIENCE, "repository_id", "75", "sub", "s".repeat(1100)));
        List<Map<?, ?>> events = newRejections(() -> exchange(token, "build").expectStatus().isBadRequest()
                .expectBody().jsonPath("$.error").isEqualTo("invalid_grant")
                .jsonPath("$.error_description").value(d -> assertThat((String) d).contains("sub", "1100", "1024")));
        assertThat(events).hasSize(1);
    }

    @Test
    void tokenExchangeWhenABranchLooksLikeASessionTokenThenAnsweredAndTheAuditRecordRedacted() {
        // GitHub-style subjects carry the branch: a branch named like a session token used to fail the success commit
        String branch = "refs/heads/sgs_" + "A".repeat(40);
        Map<String, Object> claims = new HashMap<>();
        claims.put("aud", AUDIENCE);
        claims.put("sub", "repo:acme/app-" + UUID.randomUUID() + ":ref:" + branch);
        claims.put("repository_id", "75");
        claims.put("ref", branch);
        exchange(ISSUER.mint(claims), "build").expectStatus().isOk();
        Map<?, ?> body = admin("/api/v2/a2a/events?limit=1&type=token.exchanged");
        Map<?, ?> event = (Map<?, ?>) ((List<?>) body.get("events")).get(0);
        assertThat((String) event.get("subject")).startsWith("repo:acme/app-").contains(":ref:refs/heads/[redacted "
                + "token sha256:");
        assertThat(event.toString()).doesNotContain("sgs_AAAA");
    }

    @Test
    void tokenExchangeWhenAClaimIs9000CharactersThenTheRefusalQuotesItBoundedAndEscaped() {
        String token = ISSUER.mint(Map.of("aud", AUDIENCE, "repository_id", "74", "sub", "x-" + UUID.randomUUID(),
                "ref", "refs/heads/" + "b".repeat(9000) + "\r\nInjected: yes"));
        exchange(token, "deploy").expectStatus().isBadRequest().expectBody()
                .jsonPath("$.error_description").value(d -> assertThat((String) d).hasSizeLessThan(400)
                        .contains("claim ref is \"refs/heads/bbb", "…\"").doesNotContain("\r", "\n", "Injected"));
    }

    @Test
    void getSecretWhenLeasedThen200NotCreated() {
        putSecret("db/staging/get-200", "get-200-value-123");
        String session = session("75", "build");
        web.get().uri("/api/v2/a2a/secrets/db/staging/get-200").headers(h -> h.setBearerAuth(session))
                .exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.lease_id").isNotEmpty()
                .jsonPath("$.secrets[0].path").isEqualTo("db/staging/get-200");
    }

    /** The {@code token.rejected} events {@code request} added (newest first). */
    private List<Map<?, ?>> newRejections(Runnable request) {
        List<?> before = rejections();
        request.run();
        List<?> after = rejections();
        @SuppressWarnings("unchecked")
        List<Map<?, ?>> added = (List<Map<?, ?>>) after.subList(0, after.size() - before.size());
        return added;
    }

    private List<?> rejections() {
        return (List<?>) admin("/api/v2/a2a/events?limit=1000&type=token.rejected").get("events");
    }

    private Map<?, ?> admin(String uri) {
        return web.get().uri(uri).headers(h -> h.setBearerAuth(ADMIN_TOKEN)).exchange().expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody();
    }

    private org.springframework.test.web.reactive.server.WebTestClient.ResponseSpec clientCredentials(
            String clientId, String secret, String role) {
        var form = BodyInserters.fromFormData("grant_type", "client_credentials");
        if (role != null) {
            form = form.with("scope", "role:" + role);
        }
        String basic = Base64.getEncoder().encodeToString((clientId + ":" + secret).getBytes());
        return web.post().uri("/oauth2/token").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .header(HttpHeaders.AUTHORIZATION, "Basic " + basic).body(form).exchange();
    }
}
