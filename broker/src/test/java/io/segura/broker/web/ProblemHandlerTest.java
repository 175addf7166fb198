// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.broker.Refusal;
import io.segura.broker.database.DatabaseTimeoutException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import tools.jackson.databind.json.JsonMapper;

/** How the errors no HTTP test can provoke on demand are answered. */
class ProblemHandlerTest {

    private final ProblemHandler handler = new ProblemHandler(JsonMapper.builder().build());

    @Test
    void oauthWhenARevocationLostEveryRoundThen503TemporarilyUnavailableWithRetryAfter() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.post("/oauth2/revoke"));
        handler.handle(exchange, Refusal.unavailable("revocation-raced",
                "the session kept gaining leases while it was being revoked; it is not revoked yet: retry",
                Duration.ofSeconds(1))).block(Duration.ofSeconds(5));
        assertThat(exchange.getResponse().getStatusCode().value()).isEqualTo(503);
        assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("1");
        assertThat(exchange.getResponse().getBodyAsString().block(Duration.ofSeconds(5)))
                .contains("\"error\":\"temporarily_unavailable\"", "it is not revoked yet");
    }

    @Test
    void problemWhenTheDatabaseTimedOutThen503DatabaseTimeout() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/v2/admin/leases"));
        handler.handle(exchange, new RuntimeException("wrapped", new DatabaseTimeoutException(Duration.ofSeconds(11))))
                .block(Duration.ofSeconds(5));
        assertThat(exchange.getResponse().getStatusCode().value()).isEqualTo(503);
        assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("5");
        assertThat(exchange.getResponse().getBodyAsString().block(Duration.ofSeconds(5)))
                .contains("https://segura.dev/problems/database-timeout");
    }
}
