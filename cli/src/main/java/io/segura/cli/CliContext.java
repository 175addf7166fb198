// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import io.segura.client.platform.JobEnvironment;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * What a command may touch — environment, standard streams, working directory — injected so tests can run
 * commands in-process. {@code process} is true only for the real {@code main}: then {@code exec} hands its own
 * stdin to the child and installs signal handlers (process-wide state a test must not change).
 */
public record CliContext(Map<String, String> env, PrintStream out, PrintStream err, InputStream in, Path workDir,
        boolean process) {

    public CliContext {
        env = Map.copyOf(env);
        Objects.requireNonNull(out, "out cannot be null");
        Objects.requireNonNull(err, "err cannot be null");
        Objects.requireNonNull(in, "in cannot be null");
        Objects.requireNonNull(workDir, "workDir cannot be null");
    }

    static CliContext system() {
        return new CliContext(System.getenv(), System.out, System.err, System.in,
                Path.of("").toAbsolutePath(), true);
    }

    JobEnvironment jobEnvironment() {
        return jobEnvironment(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(java.time.Duration.ofSeconds(10)).build());
    }

    /** One HTTP client for the platform's token endpoint and the broker: a second one costs start-up time. */
    JobEnvironment jobEnvironment(HttpClient http) {
        return new JobEnvironment(env, out, workDir, http);
    }
}
