// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.segura.testkit.postgres.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's fast start (the build's {@code target/cds/}: extracted jar + class-data-sharing archive) starts a
 * healthy broker on PostgreSQL, and the broker's own and Spring's classes really come from the archive, those of the
 * request path too (the build's training run serves requests: {@code TrainingRun}). Run by
 * failsafe after {@code package}, which writes the archive. No timing is asserted: only that the archive is used.
 */
class FastStartIT {

    private static final Pattern NETTY_PORT = Pattern.compile("Netty started on port (\\d+)");

    @TempDir
    Path dir;

    @Test
    void fastStartWhenLaunchedAsDocumentedThenHealthyWithClassesFromTheArchive() throws Exception {
        assumeThat(Boolean.getBoolean("segura.cds.skip")).as("built with -Dsegura.cds.skip=true").isFalse();
        Path cds = Path.of(System.getProperty("segura.broker.cds.dir", "target/cds")).toAbsolutePath();
        Path archive = cds.resolve("segura-broker.jsa");
        assertThat(archive).as("the package phase writes the archive").isRegularFile();
        Path classLoads = dir.resolve("class-load.log");
        Path out = dir.resolve("broker.log");

        try (TestDatabase db = TestDatabase.create("FastStartIT")) {
            Path config = dir.resolve("trust.yaml");
            Files.writeString(config, String.join("\n", "issuers:", "  - name: ci", "    issuer: http://127.0.0.1:9",
                    "    audiences: [\"https://segura.test\"]", "roles:", "  - name: ci", "    issuers: [ci]",
                    "    bound-claims:", "      repository_id: \"74\"", "    secrets: [\"ci/*\"]", ""));
            List<String> cmd = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    // the README's command; -Xshare:on turns "archive not usable" into a failed start
                    "-XX:SharedArchiveFile=" + archive, "-Xshare:on",
                    "-Xlog:class+load=info:file=" + classLoads,
                    "-jar", cds.resolve("segura-broker.jar").toString()));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
            pb.environment().put("SEGURA_CONFIG", config.toString());
            pb.environment().put("SEGURA_DATABASE_URL", db.r2dbcUrl());
            pb.environment().put("SEGURA_MASTER_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
            pb.environment().put("SERVER_ADDRESS", "127.0.0.1");
            pb.environment().put("SERVER_PORT", "0");
            Process broker = pb.start();
            try {
                int port = awaitPort(broker, out);
                HttpResponse<String> health = HttpClient.newHttpClient().send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health"))
                                .timeout(Duration.ofSeconds(60)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(health.statusCode()).isEqualTo(200);
                assertThat(health.body()).contains("\"UP\"");
                // a refused token request: its form parser is loaded on first use, so it comes from the archive
                // only if the training run served requests
                HttpResponse<String> refused = HttpClient.newHttpClient().send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/oauth2/token"))
                                .header("Content-Type", "application/x-www-form-urlencoded")
                                .POST(HttpRequest.BodyPublishers.ofString("grant_type=urn%3Aietf%3Aparams%3Aoauth%3A"
                                        + "grant-type%3Atoken-exchange"))
                                .timeout(Duration.ofSeconds(60)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(refused.statusCode()).isEqualTo(400);
            } finally {
                broker.destroy();
                if (!broker.waitFor(30, TimeUnit.SECONDS)) {
                    broker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
        // "shared objects file (top)" is the dynamic archive layered on the JDK's own: the training run's classes
        String log = Files.readString(classLoads, StandardCharsets.UTF_8);
        assertThat(log).contains(
                "io.segura.broker.SeguraBrokerApplication source: shared objects file (top)",
                "io.segura.broker.BrokerConfiguration source: shared objects file (top)",
                "org.springframework.context.support.AbstractApplicationContext source: shared objects file (top)",
                "org.flywaydb.core.Flyway source: shared objects file (top)",
                "io.segura.broker.web.Bodies source: shared objects file (top)");
    }

    private static int awaitPort(Process broker, Path out) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            String text = Files.readString(out, StandardCharsets.UTF_8);
            Matcher m = NETTY_PORT.matcher(text);
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            if (!broker.isAlive()) {
                throw new AssertionError("the fast start exited with " + broker.exitValue() + ":\n" + text);
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no 'Netty started' line within 120 s:\n" + Files.readString(out));
    }
}
