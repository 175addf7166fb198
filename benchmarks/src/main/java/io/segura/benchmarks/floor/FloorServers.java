// SPDX-License-Identifier: Apache-2.0
package io.segura.benchmarks.floor;

import java.nio.charset.StandardCharsets;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServer;

/**
 * The two servers {@link HttpFloor} measures, run on the broker's own jars: {@code POST /oauth2/token} reads the
 * whole form and answers a token response of the broker's size, doing nothing else. {@code netty} is Reactor Netty
 * alone (the HTTP server under WebFlux); {@code webflux} is Spring Boot WebFlux with the broker's actuator and
 * Micrometer settings and a functional route reading the form as the broker's does. What a server costs here is a
 * floor under what any request of the broker can cost on that stack.
 */
public final class FloorServers {

    static final byte[] TOKEN_RESPONSE = ("{\"access_token\":\"sgs_" + "x".repeat(43) + "\",\"issued_token_type\":"
            + "\"urn:ietf:params:oauth:token-type:access_token\",\"token_type\":\"Bearer\",\"expires_in\":900,"
            + "\"scope\":\"role:bench\"}").getBytes(StandardCharsets.UTF_8);

    private FloorServers() {
    }

    /** {@code netty PORT} or {@code webflux PORT}; prints {@code ready} once serving. */
    public static void main(String[] args) {
        int port = Integer.parseInt(args[1]);
        switch (args[0]) {
            case "netty" -> {
                var server = HttpServer.create().host("127.0.0.1").port(port)
                        .route(routes -> routes.post("/oauth2/token", (request, response) -> request.receive()
                                .aggregate().asByteArray()
                                .flatMap(form -> response.header("Content-Type", "application/json")
                                        .header("Cache-Control", "no-store")
                                        .sendByteArray(Mono.just(TOKEN_RESPONSE)).then())))
                        .bindNow();
                System.out.println("ready");
                server.onDispose().block();
            }
            case "webflux" -> {
                SpringApplication.run(WebFluxFloor.class, "--server.port=" + port, "--server.address=127.0.0.1",
                        "--spring.main.banner-mode=off", "--logging.level.root=WARN",
                        "--spring.flyway.enabled=false", "--spring.netty.leak-detection=disabled",
                        "--management.endpoints.web.exposure.include=health,prometheus",
                        "--management.metrics.observations.ignored-meters=long-task-timer",
                        "--management.metrics.distribution.percentiles-histogram.http.server.requests=true");
                System.out.println("ready");
            }
            default -> throw new IllegalArgumentException("server must be netty or webflux, got " + args[0]);
        }
    }

    /** A WebFlux application with one route; the broker's actuator and metrics come with its jars. */
    @SpringBootApplication(proxyBeanMethods = false)
    public static class WebFluxFloor {

        @Bean
        RouterFunction<ServerResponse> tokenRoute() {
            return RouterFunctions.route().POST("/oauth2/token", request -> request.exchange().getFormData()
                    .flatMap(form -> form.getFirst("subject_token") == null
                            ? ServerResponse.badRequest().build()
                            : ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                                    .header("Cache-Control", "no-store").bodyValue(TOKEN_RESPONSE)))
                    .build();
        }
    }
}
