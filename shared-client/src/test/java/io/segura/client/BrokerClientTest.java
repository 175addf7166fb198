// SPDX-License-Identifier: Apache-2.0
package io.segura.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.segura.client.platform.Identity;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client against a real loopback HTTP server that answers as scripted, request by request. */
class BrokerClientTest {

    private static final String SESSION_JSON = "{\"access_token\":\"sgs_abc\",\"issued_token_type\":"
            + "\"urn:ietf:params:oauth:token-type:access_token\",\"token_type\":\"Bearer\",\"expires_in\":600,"
            + "\"scope\":\"role:ci\"}";

    /** One scripted answer. */
    record Answer(int status, Map<String, String> headers, String body) {
        static Answer of(int status, String body, String... headers) {
            Map<String, String> h = new java.util.LinkedHashMap<>();
            for (int i = 0; i < headers.length; i += 2) {
                h.put(headers[i], headers[i + 1]);
            }
            return new Answer(status, h, body);
        }
    }

    private HttpServer server;
    private final List<Long> requestTimes = Collections.synchronizedList(new ArrayList<>());
    private final ConcurrentLinkedQueue<String> requestBodies = new ConcurrentLinkedQueue<>();

    private URI serve(List<Answer> script) throws IOException {
        List<Answer> queue = Collections.synchronizedList(new ArrayList<>(script));
        return serve(ex -> queue.size() > 1 ? queue.remove(0) : queue.get(0));
    }

    private URI serve(Function<HttpExchange, Answer> answers) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            requestTimes.add(System.nanoTime());
            requestBodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            Answer a = answers.apply(ex);
            a.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
            byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(a.status(), body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                ex.getResponseBody().write(body);
            }
            ex.close();
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private static BrokerClient client(URI base, RetryPolicy retry) {
        return new BrokerClient(base, HttpClient.newHttpClient(), retry, null);
    }

    private static final RetryPolicy FAST =
            new RetryPolicy(5, Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofSeconds(10));

    @Test
    void exchangeWhen503WithRetryAfterSecondsThenWaitsAndSucceeds() throws Exception {
        URI base = serve(List.of(Answer.of(503, "{\"title\":\"Service Unavailable\",\"status\":503}",
                "Retry-After", "1", "Content-Type", "application/problem+json"), Answer.of(200, SESSION_JSON)));
        Session s = client(base, FAST).exchange(new Identity.OidcToken("eyJ.a.b"), "ci");
        assertThat(s.token()).isEqualTo("sgs_abc");
        assertThat(s.role()).isEqualTo("ci");
        assertThat(requestTimes).hasSize(2);
        assertThat(Duration.ofNanos(requestTimes.get(1) - requestTimes.get(0))).isGreaterThanOrEqualTo(
                Duration.ofMillis(950));
        assertThat(requestBodies.peek()).contains("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange")
                .contains("subject_token=eyJ.a.b").contains("scope=role%3Aci");
    }

    @Test
    void exchangeWhen429WithRetryAfterHttpDateThenWaitsAndSucceeds() throws Exception {
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(2));
        URI base = serve(List.of(Answer.of(429, "{}", "Retry-After", date), Answer.of(429, "{}", "Retry-After", "0"),
                Answer.of(200, SESSION_JSON)));
        client(base, FAST).exchange(new Identity.OidcToken("eyJ.a.b"), null);
        assertThat(requestTimes).hasSize(3);
        // the HTTP date is whole seconds: at least ~1 s of it remains when the answer is read
        assertThat(Duration.ofNanos(requestTimes.get(1) - requestTimes.get(0))).isGreaterThan(Duration.ofMillis(900));
        assertThat(requestBodies.peek()).doesNotContain("scope=");
    }

    @Test
    void leaseWhen403ThenNoRetryAndProblemDetails() throws Exception {
        URI base = serve(List.of(Answer.of(403, "{\"type\":\"https://segura.dev/problems/path-not-allowed\","
                + "\"title\":\"Forbidden\",\"status\":403,\"detail\":\"role \\\"ci\\\" may not lease db/prod/x\","
                + "\"instance\":\"req-1\"}", "Content-Type", "application/problem+json")));
        BrokerClient client = client(base, FAST);
        Session session = new Session("sgs_secret-session-token", java.time.Instant.now().plusSeconds(60), null);
        assertThatThrownBy(() -> client.lease(session, List.of(SecretSpec.parse("db/prod/x")), null))
                .isInstanceOfSatisfying(BrokerException.class, e -> {
                    assertThat(e.kind()).isEqualTo(BrokerException.Kind.FORBIDDEN);
                    assertThat(e.status()).isEqualTo(403);
                    assertThat(e.type()).isEqualTo("https://segura.dev/problems/path-not-allowed");
                    assertThat(e.detail()).isEqualTo("role \"ci\" may not lease db/prod/x");
                    assertThat(e.getMessage()).contains("Forbidden").doesNotContain("sgs_secret");
                });
        assertThat(requestTimes).hasSize(1);
    }

    @Test
    void leaseWhenDeploymentBlockedThenViolationsAndKind() throws Exception {
        URI base = serve(List.of(Answer.of(403, "{\"type\":\"https://segura.dev/problems/deployment-blocked\","
                + "\"title\":\"Forbidden\",\"status\":403,\"detail\":\"blocked\",\"violations\":[{\"policy\":"
                + "\"production-gate\",\"rule\":\"freeze-window\",\"message\":\"year-end freeze\"}]}")));
        Session session = new Session("sgs_x", java.time.Instant.now().plusSeconds(60), null);
        assertThatThrownBy(() -> client(base, FAST).lease(session, List.of(SecretSpec.parse("a/b")), null))
                .isInstanceOfSatisfying(BrokerException.class, e -> {
                    assertThat(e.kind()).isEqualTo(BrokerException.Kind.BLOCKED_BY_POLICY);
                    assertThat(e.violations()).containsExactly(Map.of("policy", "production-gate", "rule",
                            "freeze-window", "message", "year-end freeze"));
                });
    }

    @Test
    void exchangeWhenOAuthErrorThenUnauthenticatedAndNoTokenInMessage() throws Exception {
        String token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
        URI base = serve(List.of(Answer.of(400, "{\"error\":\"invalid_grant\",\"error_description\":"
                + "\"claim sub is \\\"x\\\" — not accepted\"}")));
        assertThatThrownBy(() -> client(base, FAST).exchange(new Identity.OidcToken(token), "ci"))
                .isInstanceOfSatisfying(BrokerException.class, e -> {
                    assertThat(e.kind()).isEqualTo(BrokerException.Kind.UNAUTHENTICATED);
                    assertThat(e.error()).isEqualTo("invalid_grant");
                    assertThat(e.getMessage()).startsWith("invalid_grant: claim sub").doesNotContain(token);
                    assertThat(e.toString()).doesNotContain(token);
                });
        assertThat(requestTimes).hasSize(1);
    }

    @Test
    void exchangeWhenClientSecretThenHttpBasic() throws Exception {
        List<String> auth = Collections.synchronizedList(new ArrayList<>());
        URI base = serve(ex -> {
            auth.add(ex.getRequestHeaders().getFirst("Authorization"));
            return Answer.of(200, SESSION_JSON);
        });
        client(base, FAST).exchange(new Identity.ClientSecret("bamboo ci", "p@ss:word"), "ci");
        String expected = java.util.Base64.getEncoder().encodeToString("bamboo+ci:p%40ss%3Aword"
                .getBytes(StandardCharsets.UTF_8));
        assertThat(auth).containsExactly("Basic " + expected);
        assertThat(requestBodies.peek()).contains("grant_type=client_credentials").doesNotContain("p%40ss");
    }

    @Test
    void sendWhen503PersistsThenUnavailableAfterMaxAttempts() throws Exception {
        URI base = serve(List.of(Answer.of(503, "{\"title\":\"Service Unavailable\",\"status\":503,"
                + "\"detail\":\"database unavailable\"}", "Retry-After", "0")));
        RetryPolicy three = new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(10));
        assertThatThrownBy(() -> client(base, three).revoke("sgs_x"))
                .isInstanceOfSatisfying(BrokerException.class, e -> {
                    assertThat(e.kind()).isEqualTo(BrokerException.Kind.UNAVAILABLE);
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.detail()).isEqualTo("database unavailable");
                });
        assertThat(requestTimes).hasSize(3);
    }

    @Test
    void sendWhenRetryAfterExceedsBudgetThenGivesUpWithoutWaiting() throws Exception {
        URI base = serve(List.of(Answer.of(503, "{}", "Retry-After", "120"), Answer.of(200, "")));
        RetryPolicy budget = new RetryPolicy(5, Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(2));
        long start = System.nanoTime();
        assertThatThrownBy(() -> client(base, budget).revoke("sgs_x")).isInstanceOf(BrokerException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        assertThat(requestTimes).hasSize(1);
    }

    @Test
    void sendWhenConnectionRefusedThenRetriesWithBackoffThenUnavailable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        RetryPolicy three = new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(10));
        long start = System.nanoTime();
        assertThatThrownBy(() -> client(URI.create("http://127.0.0.1:" + port), three).revoke("sgs_x"))
                .isInstanceOfSatisfying(BrokerException.class, e -> {
                    assertThat(e.kind()).isEqualTo(BrokerException.Kind.UNAVAILABLE);
                    assertThat(e.getMessage()).contains("after 3 attempts");
                });
        // backoffs of at least 50 ms and 100 ms (equal jitter: half of 100 ms and of 200 ms)
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(150));
    }

    @Test
    void leaseWhen201ThenSecretsAndRedactedToString() throws Exception {
        URI base = serve(List.of(Answer.of(201, "{\"lease_id\":\"l-1\",\"issued_at\":\"2026-11-29T05:00:00Z\","
                + "\"expires_at\":\"2026-11-29T05:15:00Z\",\"renewable\":true,\"secrets\":[{\"path\":\"db/pw\","
                + "\"version\":2,\"value\":\"hunter2-value\",\"created_at\":\"2026-11-01T00:00:00Z\"}],"
                + "\"warnings\":[\"ttl capped\"]}")));
        Session session = new Session("sgs_x", java.time.Instant.now().plusSeconds(60), null);
        Lease lease = client(base, FAST).lease(session, List.of(SecretSpec.parse("db/pw@2")), Duration.ofMinutes(15));
        assertThat(lease.secrets()).singleElement().satisfies(s -> {
            assertThat(s.value()).isEqualTo("hunter2-value");
            assertThat(s.version()).isEqualTo(2);
        });
        assertThat(lease.warnings()).containsExactly("ttl capped");
        assertThat(lease.toString()).doesNotContain("hunter2");
        assertThat(requestBodies.peek()).isEqualTo("{\"secrets\":[\"db/pw@2\"],\"ttl\":\"900s\"}");
    }

    @Test
    void evaluateWhenAnsweredThenDecisionChecksAndViolations() throws Exception {
        URI base = serve(List.of(Answer.of(200, "{\"decision\":\"deny\",\"role_checks\":[{\"claim\":\"ref\","
                + "\"expected\":\"refs/heads/main\",\"actual\":\"refs/heads/dev\",\"ok\":false}],\"violations\":[],"
                + "\"warnings\":[]}")));
        Evaluation e = client(base, FAST).evaluate("eyJ.a.b", null, "deploy", List.of("db/pw"), "sga_admin");
        assertThat(e.allowed()).isFalse();
        assertThat(e.roleChecks()).singleElement().satisfies(rc -> assertThat(rc.get("ok")).isEqualTo(false));
        assertThat(requestBodies.peek()).isEqualTo("{\"subject_token\":\"eyJ.a.b\",\"role\":\"deploy\","
                + "\"secrets\":[\"db/pw\"]}");
    }

    @Test
    void retryAfterWhenMalformedThenIgnored() throws Exception {
        URI base = serve(List.of(Answer.of(503, "{}", "Retry-After", "soon"), Answer.of(200, "")));
        client(base, FAST).revoke("sgs_x");
        assertThat(requestTimes).hasSize(2);
    }
}
