// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JVM killed inside the block ({@code kill -9}: a crashed agent-less controller, an OOM kill) runs no code, so it
 * cannot revoke — the test states that honestly — and the persisted session token is what ends the lease: the
 * Jenkins step keeps it in the build's program state and revokes when the resumed build finishes the block; a
 * clean-up step can do the same. Without either, the broker ends the session at the role's {@code session-ttl}.
 */
@ExtendWith(LiveBroker.Resolver.class)
class KilledBlockTest {

    @TempDir
    Path dir;

    @Test
    void jobKilledMidBlockThenPersistedTokenRevokesAndNoLeaseStaysActive(LiveBroker b) throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.pem"), b.server.certificatePem());
        Path state = dir.resolve("program-state");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                BlockInChildJvm.class.getName(), b.broker.url().toString(), ca.toString(), state.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().keySet().removeIf(k -> k.startsWith("SEGURA_"));
        pb.environment().put("TEST_CLIENT_SECRET", LiveBroker.CLIENT_SECRET);
        Process child = pb.start();
        List<String> out = new ArrayList<>();
        String leaseId = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while (leaseId == null && (line = r.readLine()) != null) {
                out.add(line);
                if (line.startsWith("IN-BLOCK ")) {
                    leaseId = line.substring("IN-BLOCK ".length());
                }
            }
            assertThat(leaseId).as("the child reached the block body; its output: %s", out).isNotNull();
            assertThat(b.active(leaseId)).isTrue();

            child.destroyForcibly();
            child.waitFor();
        } finally {
            child.destroyForcibly();
        }
        assertThat(out).contains("body: DB_PASSWORD=***");
        assertThat(String.join("\n", out).contains(LiveBroker.PASSWORD)).as("the value in the body's output")
                .isFalse();
        assertThat(b.active(leaseId)).as("a killed JVM revokes nothing by itself").isTrue();

        // the resumed build (or a clean-up step) revokes with the persisted token
        String token = Files.readAllLines(state).get(0);
        BuildLog log = new BuildLog();
        assertThat(BindingSession.revoke(b.settings(), token, log.stream)).isTrue();
        assertThat(b.active(leaseId)).as("active after the revoke").isFalse();
        assertThat(b.lease(leaseId)).containsEntry("revoke_reason", "session revoked");
        assertThat(log.text().contains(token)).as("the session token in the log").isFalse();
    }
}
