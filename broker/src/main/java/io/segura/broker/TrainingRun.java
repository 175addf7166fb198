// SPDX-License-Identifier: Apache-2.0
package io.segura.broker;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The training run of the fast start (README "Fast start-up"): {@code -Dsegura.training-run=true} starts the broker
 * completely (database, migrations, HTTP server), sends it a few requests that read and write nothing, and exits.
 * A class-data-sharing archive ({@code -XX:ArchiveClassesAtExit}) or a Java 25 AOT cache ({@code -XX:AOTCacheOutput})
 * written by that JVM then holds the classes of a whole start and of the request path, not only those loaded before
 * the context refreshed ({@code spring.context.exit=onRefresh}, Spring Boot's recipe), and a Java 25 cache the
 * request path's method profiles (docs/PERFORMANCE.md, "Broker start-up, session 4", has what each gains).
 *
 * <p>Every request reads only or is refused before anything that writes: every refusal of the token and session
 * endpoints is audited, so they are trained with a revocation of an unknown token (a read) and with unrouted methods.
 * Run against a production database, the training run migrates it (as any start does) and leaves nothing else
 * behind.
 */
final class TrainingRun {

    static final String PROPERTY = "segura.training-run";

    /**
     * The training run serves nobody: an ephemeral loopback port without TLS, whatever {@code SERVER_*} say, so it
     * can run on a host where the broker is serving on its port (system properties win over the environment).
     */
    static final Map<String, String> SERVER = Map.of("server.port", "0", "server.address", "127.0.0.1",
            "server.ssl.enabled", "false");

    /** A request and the statuses it may be answered with. */
    private record Exercise(String method, String path, String form, Set<Integer> expected) {
    }

    // The actuator may be on a management port of its own or not expose an endpoint: 404 is fine there.
    private static final List<Exercise> EXERCISES = List.of(
            new Exercise("GET", "/actuator/health", null, Set.of(200, 404)),
            new Exercise("GET", "/actuator/prometheus", null, Set.of(200, 404)),
            new Exercise("GET", "/.well-known/segura", null, Set.of(200)),
            // Every refusal of /oauth2/token is audited, so the token endpoint is trained with what writes nothing:
            // the revocation of an unknown session token (a read, then RFC 7009's 200) and an unrouted method.
            new Exercise("POST", "/oauth2/revoke", "token=sgs_" + "t".repeat(43), Set.of(200)),
            new Exercise("GET", "/oauth2/token", null, Set.of(404, 405)),
            // A session endpoint's refusal is audited too (even without a session token), so the lease API is trained
            // only up to its router: an unrouted method.
            new Exercise("GET", "/api/v2/a2a/leases", null, Set.of(404, 405)));

    private TrainingRun() {
    }

    /** Whether this start is a training run: the system property or {@code SEGURA_TRAINING_RUN}. */
    static boolean requested() {
        String value = System.getProperty(PROPERTY, System.getenv("SEGURA_TRAINING_RUN"));
        return Boolean.parseBoolean(value);
    }

    /**
     * Sends the exercises to the started broker.
     *
     * @throws IllegalStateException naming the first request whose status was not the expected one
     */
    static void exercise(ConfigurableApplicationContext context) throws IOException, InterruptedException {
        exercise(((WebServerApplicationContext) context).getWebServer().getPort());
    }

    /** {@link #exercise(ConfigurableApplicationContext)} of the broker on {@code 127.0.0.1:port}. */
    static void exercise(int port) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        for (Exercise e : EXERCISES) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + e.path()))
                    .timeout(Duration.ofSeconds(30));
            if (e.form() == null) {
                request.GET();
            } else {
                request.header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(e.form()));
            }
            int status = http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            if (!e.expected().contains(status)) {
                throw new IllegalStateException("training run: " + e.method() + " " + e.path() + " answered "
                        + status + ", expected " + e.expected().stream().sorted().map(String::valueOf)
                        .collect(Collectors.joining(" or ")));
            }
        }
    }
}
