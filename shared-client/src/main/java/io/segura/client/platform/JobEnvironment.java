// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

import java.io.PrintStream;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a {@link Platform} may touch: environment variables, the job's stdout (where workflow commands such
 * as {@code ::add-mask::} go), a working directory for files, and an HTTP client for token endpoints. Injected so
 * tests can run a platform against a simulator without touching the real process.
 */
public record JobEnvironment(Map<String, String> variables, PrintStream stdout, Path workDir, HttpClient http) {

    public JobEnvironment {
        variables = Map.copyOf(variables);
        Objects.requireNonNull(stdout, "stdout cannot be null");
        Objects.requireNonNull(workDir, "workDir cannot be null");
        Objects.requireNonNull(http, "http cannot be null");
    }

    public static JobEnvironment current() {
        return new JobEnvironment(System.getenv(), System.out, Path.of("").toAbsolutePath(),
                HttpClient.newHttpClient());
    }

    public Optional<String> get(String name) {
        String v = variables.get(name);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v);
    }

    public JobEnvironment withVariables(Map<String, String> more) {
        var all = new java.util.HashMap<>(variables);
        all.putAll(more);
        return new JobEnvironment(all, stdout, workDir, http);
    }
}
