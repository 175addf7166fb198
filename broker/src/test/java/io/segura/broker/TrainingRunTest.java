// SPDX-License-Identifier: Apache-2.0
package io.segura.broker;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The training run's own checks, against a loopback server that answers as told (the whole run, against the real
 * broker, is {@code TrainingRunIT}).
 */
class TrainingRunTest {

    /** Runs the exercises against a loopback server answering each path with its status (500 for others). */
    private static void exerciseAgainst(Map<String, Integer> statusByPath) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(statusByPath.getOrDefault(exchange.getRequestURI().getPath(), 500), -1);
            exchange.close();
        });
        server.start();
        try {
            TrainingRun.exercise(server.getAddress().getPort());
        } finally {
            server.stop(0);
        }
    }

    private static final Map<String, Integer> BROKER = Map.of("/actuator/health", 200, "/actuator/prometheus", 200,
            "/.well-known/segura", 200, "/oauth2/revoke", 200, "/oauth2/token", 404,
            "/api/v2/a2a/leases", 405);

    @Test
    void exerciseWhenEveryAnswerIsTheBrokersThenPasses() throws Exception {
        assertThatCode(() -> exerciseAgainst(BROKER)).doesNotThrowAnyException();
    }

    @Test
    void exerciseWhenTheActuatorIsElsewhereThenStillPasses() throws Exception {
        Map<String, Integer> noActuator = new java.util.HashMap<>(BROKER);
        noActuator.put("/actuator/health", 404);
        noActuator.put("/actuator/prometheus", 404);
        assertThatCode(() -> exerciseAgainst(noActuator)).doesNotThrowAnyException();
    }

    @Test
    void exerciseWhenAnAnswerIsUnexpectedThenFailsNamingTheRequest() throws Exception {
        Map<String, Integer> broken = new java.util.HashMap<>(BROKER);
        broken.put("/oauth2/token", 503);
        assertThatThrownBy(() -> exerciseAgainst(broken))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("training run: GET /oauth2/token answered 503, expected 404 or 405");
    }
}
