// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;

/** {@code POST /oauth2/token} and {@code /oauth2/revoke} end to end, over real HTTP with real tokens. */
class TokenEndpointTest extends BrokerHttpTest {

    @Test
    void tokenExchangeWhenRoleMatchesThenOpaqueSessionToken() {
        Map<?, ?> body = exchange(ciToken("74"), "deploy").expectStatus().isOk()
                .expectHeader().valueEquals(HttpHeaders.CACHE_CONTROL, "no-store")
                .expectBody(Map.class).returnResult().getResponseBody();
        assertThat((String) body.get("access_token")).matches("sgs_[A-Za-z0-9_-]{43}");
        assertThat(body.get("issued_token_type")).isEqualTo("urn:ietf:params:oauth:token-type:access_token");
        assertThat(body.get("token_type")).isEqualTo("Bearer");
        assertThat(body.get("expires_in")).isEqualTo(600);
        assertThat(body.get("scope")).isEqualTo("role:deploy");
    }

    @Test
    void tokenExchangeWhenNoScopeAndOneRoleMatchesThenThatRole() {
        exchange(ciToken("75"), null).expectStatus().isOk().expectBody().jsonPath("$.scope").isEqualTo("role:build");
    }

    @Test
    void tokenExchangeWhenSeveralRolesMatchThenInvalidScopeNamingThem() {
        exchange(ciToken("80"), null).expectStatus().isBadRequest().expectBody()
                .jsonPath("$.error").isEqualTo("invalid_scope")
                .jsonPath("$.error_description").value(d -> assertThat((String) d).contains("twin-a", "twin-b"));
    }

    @Test
    void tokenExchangeWhenClaimMismatchThenNamesClaimAndActualValueButNeverExpected() {
        String description = exchange(ciToken("999"), "deploy").expectStatus().isBadRequest()
                .expectBody(Map.class).returnResult().getResponseBody().get("error_description").toString();
        assertThat(description).contains("repository_id", "\"999\"").doesNotContain("\"74\"");
    }

    @Test
    void tokenExchangeWhenNoRoleMatchesThenInvalidGrant() {
        exchange(ciToken("12345"), null).expectStatus().isBadRequest().expectBody()
                .jsonPath("$.error").isEqualTo("invalid_grant");
    }

    @Test
    void tokenExchangeWhenRoleConditionHoldsThenSessionElseInvalidGrant() {
        exchange(ciToken("77"), "conditional").expectStatus().isOk();
        String dev = ISSUER.mint(Map.of("aud", AUDIENCE, "repository_id", "77", "ref", "refs/heads/dev", "sub",
                "repo:acme/app:ref:refs/heads/dev"));
        exchange(dev, "conditional").expectStatus().isBadRequest().expectBody()
                .jsonPath("$.error").isEqualTo("invalid_grant")
                .jsonPath("$.error_description").value(d -> assertThat((String) d)
                        .contains("role \"conditional\"", "condition was not met").doesNotContain("claims.ref"));
    }

    @Test
    void tokenExchangeWhenAudienceWrongThenInvalidGrantWithActualAudience() {
        String token = ISSUER.mint(Map.of("aud", "https://other.example", "repository_id", "74",
                "ref", "refs/heads/main", "sub", "x"));
        exchange(token, "deploy").expectStatus().isBadRequest().expectBody()
                .jsonPath("$.error").isEqualTo("invalid_grant")
                .jsonPath("$.error_description").value(d -> assertThat((String) d)
                        .contains("https://other.example").doesNotContain(AUDIENCE));
    }

    @Test
    void tokenExchangeWhenTokenOversizedThenInvalidRequest() {
        exchange("x".repeat(17 * 1024), "deploy").expectStatus().isBadRequest().expectBody()
                .jsonPath("$.error").isEqualTo("invalid_request")
                .jsonPath("$.error_description").value(d -> assertThat((String) d).contains("16 KiB"));
    }

    static Stream<Arguments> unrepresentableTimeClaims() {
        long tenYears = java.time.Instant.now().plus(java.time.Duration.ofDays(3650)).getEpochSecond();
        return Stream.of(
                Arguments.of("iat", Long.MIN_VALUE, Map.of("exp", tenYears)),
                Arguments.of("iat", -1e300, Map.of("exp", tenYears)),
                Arguments.of("exp", 1e300, Map.of()),
                Arguments.of("exp", Long.MAX_VALUE, Map.of()),
                Arguments.of("nbf", -1e300, Map.of()),
                Arguments.of("nbf", 1e300, Map.of()));
    }

    /** Each of these was a 500 with a stack trace (or, for iat = -2^63, a session past the lifetime cap). */
    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("unrepresentableTimeClaims")
    void tokenExchangeWhenTimeClaimUnrepresentableThenInvalidGrantNamingTheClaim(String claim, Object value,
            Map<String, Object> more) {
        Map<String, Object> claims = new java.util.HashMap<>(Map.of("aud", AUDIENCE, "repository_id", "75",
                "ref", "refs/heads/main", "sub", "repo:acme/time-" + java.util.UUID.randomUUID()));
        claims.putAll(more);
        String token = ISSUER.token().claims(claims).claim(claim, value).sign();
        exchange(token, "build").expectStatus().isBadRequest().expectBody()
                .jsonPath("$.error").isEqualTo("invalid_grant")
                .jsonPath("$.error_description").value(d -> assertThat((String) d).startsWith("token " + claim + " "));
    }

    @Test
    void tokenExchangeWhenIssuerKeysUnreachableThen503WithRetryAfter() {
        // This issuer's JWKS was never fetched; with it down the broker cannot decide: an outage, not a 401.
        OUTAGE_ISSUER.setAvailable(false);
        try {
            String token = OUTAGE_ISSUER.mint(Map.of("aud", AUDIENCE, "repository_id", "90", "sub", "outage"));
            exchange(token, "outage").expectStatus().isEqualTo(503)
                    .expectHeader().exists(HttpHeaders.RETRY_AFTER)
                    .expectBody().jsonPath("$.error").isEqualTo("temporarily_unavailable");
        } finally {
            OUTAGE_ISSUER.setAvailable(true);
        }
    }

    static Stream<Arguments> badRequests() {
        return Stream.of(
                Arguments.of("grant_type missing", "subject_token=x", "invalid_request", "grant_type is required"),
                Arguments.of("unknown grant", "grant_type=password", "unsupported_grant_type", "password"),
                Arguments.of("subject_token missing", "grant_type=" + TOKEN_EXCHANGE + "&subject_token_type="
                        + JWT_TYPE, "invalid_request", "subject_token is required"),
                Arguments.of("subject_token_type missing", "grant_type=" + TOKEN_EXCHANGE + "&subject_token=x",
                        "invalid_request", "subject_token_type is required"),
                Arguments.of("unsupported subject_token_type", "grant_type=" + TOKEN_EXCHANGE
                        + "&subject_token=x&subject_token_type=urn:ietf:params:oauth:token-type:saml2",
                        "invalid_request", "saml2"),
                Arguments.of("repeated parameter", "grant_type=" + TOKEN_EXCHANGE + "&subject_token=a&subject_token=b"
                        + "&subject_token_type=" + JWT_TYPE, "invalid_request", "must not be repeated"),
                Arguments.of("actor token", "grant_type=" + TOKEN_EXCHANGE + "&subject_token=a&subject_token_type="
                        + JWT_TYPE + "&actor_token=b&actor_token_type=" + JWT_TYPE, "invalid_request", "actor_token"),
                Arguments.of("bad scope", "grant_type=" + TOKEN_EXCHANGE + "&subject_token=a&subject_token_type="
                        + JWT_TYPE + "&scope=admin", "invalid_scope", "role:NAME"),
                Arguments.of("not a JWT", "grant_type=" + TOKEN_EXCHANGE + "&subject_token=not-a-jwt"
                        + "&subject_token_type=" + JWT_TYPE, "invalid_grant", ""),
                // base64url("null").e30.sig: nimbus's NullPointerException was a 500 (found by TokenFormatFuzzTest)
                Arguments.of("JWT header is JSON null", "grant_type=" + TOKEN_EXCHANGE + "&subject_token=bnVsbA.e30.c2ln"
                        + "&subject_token_type=" + JWT_TYPE, "invalid_grant", "not a signed JWT"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void tokenWhenRequestMalformedThenRfc6749Error(String name, String form, String error, String fragment) {
        web.post().uri("/oauth2/token").contentType(MediaType.APPLICATION_FORM_URLENCODED).bodyValue(form)
                .exchange().expectStatus().isBadRequest()
                .expectHeader().contentType(MediaType.APPLICATION_JSON)
                .expectBody()
                .jsonPath("$.error").isEqualTo(error)
                .jsonPath("$.error_description").value(d -> assertThat((String) d).contains(fragment));
    }

    @Test
    void tokenWhenNotFormEncodedThenInvalidRequest() {
        web.post().uri("/oauth2/token").contentType(MediaType.APPLICATION_JSON).bodyValue("{}")
                .exchange().expectStatus().isBadRequest().expectBody().jsonPath("$.error").isEqualTo("invalid_request");
    }

    @Test
    void clientCredentialsWhenBasicAuthValidThenSession() {
        String basic = Base64.getEncoder().encodeToString(("bamboo-ci:" + CLIENT_SECRET).getBytes());
        web.post().uri("/oauth2/token").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .header(HttpHeaders.AUTHORIZATION, "Basic " + basic)
                .bodyValue("grant_type=client_credentials&scope=role:bamboo")
                .exchange().expectStatus().isOk().expectBody().jsonPath("$.scope").isEqualTo("role:bamboo");
    }

    @Test
    void clientCredentialsWhenSecretWrongThen401InvalidClientWithChallenge() {
        String basic = Base64.getEncoder().encodeToString("bamboo-ci:wrong-secret".getBytes());
        web.post().uri("/oauth2/token").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .header(HttpHeaders.AUTHORIZATION, "Basic " + basic)
                .bodyValue("grant_type=client_credentials")
                .exchange().expectStatus().isUnauthorized()
                .expectHeader().exists(HttpHeaders.WWW_AUTHENTICATE)
                .expectBody().jsonPath("$.error").isEqualTo("invalid_client");
    }

    /** A stray % in HTTP Basic credentials was a 500 and an ERROR log (URLDecoder's IllegalArgumentException). */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"%zz:secret", "bamboo-ci:%", "bamboo-ci:%4", "%:%"})
    void clientCredentialsWhenBasicCredentialsNotFormUrlencodedThen401InvalidClient(String credentials) {
        String basic = Base64.getEncoder().encodeToString(credentials.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        web.post().uri("/oauth2/token").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .header(HttpHeaders.AUTHORIZATION, "Basic " + basic)
                .bodyValue("grant_type=client_credentials")
                .exchange().expectStatus().isUnauthorized()
                .expectBody().jsonPath("$.error").isEqualTo("invalid_client")
                .jsonPath("$.error_description").value(d -> assertThat((String) d).contains("form-urlencoded"));
    }

    @Test
    void clientCredentialsWhenUnknownClientThen401() {
        web.post().uri("/oauth2/token").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .bodyValue("grant_type=client_credentials&client_id=nobody&client_secret=x")
                .exchange().expectStatus().isUnauthorized().expectBody().jsonPath("$.error").isEqualTo("invalid_client");
    }

    @Test
    void tokenExchangeWhenSubjectExceedsRateThen429WithRetryAfter() {
        Map<String, Object> claims = Map.of("aud", AUDIENCE, "sub", "repo:acme/flood", "repository_id", "75",
                "ref", "refs/heads/main");
        int limited = 0;
        for (int i = 0; i < 25; i++) {
            var result = exchange(ISSUER.mint(claims), "build").returnResult(String.class);
            if (result.getStatus().value() == 429) {
                limited++;
                assertThat(result.getResponseHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isNotNull();
            }
        }
        assertThat(limited).isPositive();
    }

    @Test
    void revokeWhenTokenUnknownThen200AsRfc7009Requires() {
        web.post().uri("/oauth2/revoke").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .bodyValue("token=sgs_" + "A".repeat(43)).exchange().expectStatus().isOk();
    }

    @Test
    void revokeWhenTokenMissingThenInvalidRequestAndAudited() {
        web.post().uri("/oauth2/revoke").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .bodyValue("tokn=x").exchange().expectStatus().isBadRequest()
                .expectBody().jsonPath("$.error").isEqualTo("invalid_request");
        web.get().uri("/api/v2/a2a/events?type=token.rejected&limit=1000").headers(h -> h.setBearerAuth(ADMIN_TOKEN))
                .exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.events[?(@.details.parameter == 'token')]").isNotEmpty();
    }
}
