// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.postgres.TestDatabase;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker image Jib built ({@code -Pcontainers}: {@code target/jib-image.tar}, run by failsafe after
 * {@code package}) starts as uid 65532 in podman or Docker against the PostgreSQL server on this host
 * ({@code --network host}), becomes healthy and serves the admin API, started from the JDK 25 AOT cache the image
 * build's training run wrote: {@code -XX:AOTMode=on} turns a cache the JVM cannot use (another JVM, another class
 * path) into a refused start, and {@code -Xlog:class+load} shows the broker's classes coming from it.
 */
@Tag("containers")
class BrokerImageIT {

    @TempDir
    Path dir;

    @Test
    void imageWhenRunThenNonRootHealthyFromItsAotCacheAndServesAdminApi() throws Exception {
        String engine = engine();
        String image = System.getProperty("segura.broker.image");
        run(List.of(engine, "load", "-i", Path.of(System.getProperty("segura.broker.image.tar")).toString()), 300);
        assertThat(run(List.of(engine, "image", "inspect", image, "--format",
                "{{.Config.User}} {{index .Config.Labels \"org.opencontainers.image.source\"}}"), 60))
                .contains("65532:65532", "https://github.com/segura-ci/segura");

        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        String admin = "sga_" + Base64.getUrlEncoder().withoutPadding().encodeToString(key.clone());
        new SecureRandom().nextBytes(key);
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (IssuerSimulator issuer = IssuerSimulator.start(); TestDatabase db = TestDatabase.create("BrokerImageIT")) {
            Path config = dir.resolve("trust.yaml");
            Files.writeString(config, String.join("\n", "issuers:", "  - name: ci", "    issuer: " + issuer.issuer(),
                    "    audiences: [\"https://segura.test\"]", "roles:", "  - name: ci", "    issuers: [ci]",
                    "    bound-claims:", "      sub: \"repo:acme/*\"", "    secrets: [\"ci/*\"]", ""));
            Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
            String name = "segura-broker-it-" + port;
            ProcessBuilder pb = new ProcessBuilder(engine, "run", "-d", "--rm", "--name", name, "--network", "host",
                    "-v", dir + ":/config:ro", "-e", "SEGURA_CONFIG=/config/trust.yaml",
                    "-e", "SEGURA_DATABASE_URL", "-e", "SEGURA_MASTER_KEY", "-e", "SEGURA_ADMIN_TOKEN",
                    "-e", "SERVER_PORT=" + port, "-e", "SERVER_ADDRESS=127.0.0.1",
                    "-e", "JAVA_TOOL_OPTIONS=-XX:AOTMode=on -Xlog:class+load=info", image)
                    .redirectErrorStream(true);
            pb.environment().put("SEGURA_DATABASE_URL", db.r2dbcUrl());
            pb.environment().put("SEGURA_MASTER_KEY", Base64.getEncoder().encodeToString(key));
            pb.environment().put("SEGURA_ADMIN_TOKEN", admin);
            Process start = pb.start();
            String started = new String(start.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(start.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(start.exitValue()).as(started).isZero();
            try {
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
                URI base = URI.create("http://127.0.0.1:" + port);
                assertThat(awaitHealthy(http, base, engine, name)).contains("UP");
                HttpResponse<String> leases = http.send(HttpRequest.newBuilder(base.resolve("/api/v2/admin/leases"))
                        .header("Authorization", "Bearer " + admin).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(leases.statusCode()).as(leases.body()).isEqualTo(200);
                String log = run(List.of(engine, "logs", name), 60);
                assertThat(log).containsPattern(
                        "io\\.segura\\.broker\\.SeguraBrokerApplication source: shared objects file");
                assertThat(log).containsPattern("org\\.springframework\\.\\S+ source: shared objects file");
            } finally {
                run(List.of(engine, "rm", "-f", name), 60);
            }
        }
    }

    private static String awaitHealthy(HttpClient http, URI base, String engine, String name) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/actuator/health"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return r.body();
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new AssertionError("the broker container did not become healthy; its log:\n"
                + run(List.of(engine, "logs", name), 60));
    }

    private static String run(List<String> cmd, int seconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(cmd + " did not end within " + seconds + " s");
        }
        if (p.exitValue() != 0) {
            throw new IOException(cmd + " exited " + p.exitValue() + ": " + out);
        }
        return out;
    }

    static String engine() {
        String explicit = System.getenv("SEGURA_CONTAINER_ENGINE");
        if (explicit != null && !explicit.isBlank()) {
            return explicit;
        }
        for (String name : List.of("podman", "docker")) {
            for (String d : System.getenv("PATH").split(":")) {
                if (Files.isExecutable(Path.of(d, name))) {
                    return Path.of(d, name).toString();
                }
            }
        }
        throw new IllegalStateException("-Pcontainers needs podman or docker on the PATH (or SEGURA_CONTAINER_ENGINE)");
    }
}
