// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

/**
 * Coverage-guided fuzzing of {@code POST /oauth2/token} over real HTTP (README "Fuzzing"): any form body, HTTP Basic
 * header and content type — built from the endpoint's own parameter names and values so the fuzzer gets past the
 * first check — is answered with an RFC 6749 error or a session, never a 500. The broker, its PostgreSQL database and
 * the issuer are {@link BrokerHttpTest}'s, started once per fuzzing JVM. Regression inputs:
 * {@code src/test/resources/io/segura/broker/web/TokenEndpointFuzzTestInputs/}.
 */
class TokenEndpointFuzzTest extends BrokerHttpTest {

    private static final String[] NAMES = {"grant_type", "subject_token", "subject_token_type", "scope", "client_id",
        "client_secret", "actor_token", "actor_token_type", "resource", "audience", "requested_token_type", "token"};
    private static final String[] VALUES = {TOKEN_EXCHANGE, JWT_TYPE, "client_credentials", "role:deploy", "role:",
        "role:build role:deploy", "bamboo-ci", CLIENT_SECRET, "urn:ietf:params:oauth:token-type:id_token", "%", "%zz",
        "%00", "+", "&", "=", ""};
    private static final String[] TYPES = {"application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=UTF-8", "application/x-www-form-urlencoded; charset=ISO-8859-1",
        "application/json", "text/plain", "multipart/form-data; boundary=x"};

    @FuzzTest
    void anyTokenRequestIsAnsweredWithoutA500(FuzzedDataProvider data) {
        // Jazzer's SSRF detector refuses every connection once fuzzing starts; this test's are the broker's and its
        // database's, on loopback.
        BugDetectors.allowNetworkConnections((host, port) -> "127.0.0.1".equals(host) || "localhost".equals(host));
        String authorization = switch (data.consumeInt(0, 3)) {
            case 0 -> null;
            case 1 -> "Basic " + Base64.getEncoder().encodeToString(
                    data.consumeString(80).getBytes(StandardCharsets.UTF_8));
            case 2 -> headerSafe("Basic " + data.consumeAsciiString(80));
            default -> headerSafe(data.consumeAsciiString(40));
        };
        String type = data.pickValue(TYPES);
        StringBuilder body = new StringBuilder();
        for (int i = data.consumeInt(0, 6); i > 0; i--) {
            body.append(body.isEmpty() ? "" : "&").append(data.consumeBoolean() ? data.pickValue(NAMES)
                    : data.consumeAsciiString(20)).append('=');
            body.append(switch (data.consumeInt(0, 3)) {
                case 0 -> data.pickValue(VALUES);
                case 1 -> ciToken(data.pickValue(new String[] {"74", "75", "77", "80"}));
                default -> data.consumeAsciiString(60);
            });
        }
        body.append(data.consumeRemainingAsAsciiString());
        String request = "Content-Type: " + type + ", Authorization: " + authorization + ", body: " + body;
        EntityExchangeResult<Map> result;
        try {
            result = web.post().uri("/oauth2/token")
                    .headers(h -> {
                        h.set(HttpHeaders.CONTENT_TYPE, type);
                        if (authorization != null) {
                            h.set(HttpHeaders.AUTHORIZATION, authorization);
                        }
                    })
                    .bodyValue(body.toString().getBytes(StandardCharsets.UTF_8))
                    .exchange().expectBody(Map.class).returnResult();
        } catch (RuntimeException e) {
            throw new AssertionError("no answer to " + request, e);
        }
        int status = result.getStatus().value();
        assertThat(status).as("status for %s", request).isIn(200, 400, 401, 413, 429);
        if (status != 200) {
            assertThat(result.getResponseBody()).as("RFC 6749 error for %s", request).containsKey("error");
        }
    }

    /**
     * What an HTTP client can put in a header at all (RFC 9110 field-value; the client refuses anything else): no
     * control characters, no whitespace at either end.
     */
    private static String headerSafe(String s) {
        return s.replaceAll("[\\x00-\\x1f\\x7f]", "").strip();
    }
}
