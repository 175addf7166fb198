// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.launch;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.testkit.postgres.TestDatabase;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fast start's training run ({@code -Dsegura.training-run=true}, README "Fast start-up") as an operator runs it
 * on a production host: the packaged jar, the production environment, PostgreSQL, and the broker's own port taken
 * by the serving broker. It must start completely, exercise itself, exit 0 and leave nothing in the database but the
 * migrated schema.
 */
class TrainingRunIT {

    @TempDir
    Path dir;

    @Test
    void trainingRunWhenTheServingPortIsTakenThenStartsOnItsOwnPortExercisesAndExitsWritingNothing()
            throws Exception {
        Path jar = Path.of(System.getProperty("segura.broker.jar", "target/segura-broker.jar")).toAbsolutePath();
        assertThat(jar).as("the package phase writes the jar").isRegularFile();
        Path out = dir.resolve("training.log");
        try (TestDatabase db = TestDatabase.create("TrainingRunIT");
                ServerSocket serving = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Path config = dir.resolve("trust.yaml");
            Files.writeString(config, String.join("\n", "issuers:", "  - name: ci", "    issuer: http://127.0.0.1:9",
                    "    audiences: [\"https://segura.test\"]", "roles:", "  - name: ci", "    issuers: [ci]",
                    "    bound-claims:", "      repository_id: \"74\"", "    secrets: [\"ci/*\"]", ""));
            ProcessBuilder pb = new ProcessBuilder(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Dsegura.training-run=true", "-jar", jar.toString()))
                    .redirectErrorStream(true).redirectOutput(out.toFile());
            pb.environment().put("SEGURA_CONFIG", config.toString());
            pb.environment().put("SEGURA_DATABASE_URL", db.r2dbcUrl());
            pb.environment().put("SEGURA_MASTER_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
            pb.environment().put("SERVER_ADDRESS", "127.0.0.1");
            pb.environment().put("SERVER_PORT", Integer.toString(serving.getLocalPort()));
            Process training = pb.start();
            if (!training.waitFor(120, TimeUnit.SECONDS)) {
                training.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("the training run did not exit within 120 s:\n" + log(out));
            }
            assertThat(training.exitValue()).as(log(out)).isZero();
            assertThat(log(out)).contains("Netty started on port").doesNotContain(
                    "Netty started on port " + serving.getLocalPort() + " ");

            try (Connection c = db.connect(); Statement s = c.createStatement()) {
                assertThat(count(s, "SELECT max(version) FROM flyway_schema_history")).isPositive();
                for (String table : List.of("audit_events", "audit_links", "sessions", "leases", "jti_replay",
                        "secrets", "secret_versions", "exposures")) {
                    assertThat(count(s, "SELECT count(*) FROM " + table)).as(table).isZero();
                }
            }
        }
    }

    private static long count(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String log(Path out) throws Exception {
        return Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : "(no output)";
    }
}
