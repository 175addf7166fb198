// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import io.segura.client.ClientConfig;
import io.segura.client.ConfigException;
import io.segura.client.platform.JobEnvironment;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * What a command may touch — environment, standard streams, working directory — injected so tests can run
 * commands in-process. {@code process} is true only for the real {@code main}: then {@code exec} hands its own
 * stdin to the child and installs signal handlers (process-wide state a test must not change).
 *
 * @param flags        the variables a connection flag set (variable → flag, e.g. {@code SEGURA_URL → --url}), so a
 *                     configuration error names what the user typed
 * @param outIsTerminal whether {@code out} is an interactive terminal ({@code get} and {@code export} refuse to print
 *                     a secret there); the real check in {@link #system()}, a fixed answer in tests
 */
public record CliContext(Map<String, String> env, PrintStream out, PrintStream err, InputStream in, Path workDir,
        boolean process, Map<String, String> flags, BooleanSupplier outIsTerminal) {

    public CliContext {
        env = Map.copyOf(env);
        flags = Map.copyOf(flags);
        Objects.requireNonNull(out, "out cannot be null");
        Objects.requireNonNull(err, "err cannot be null");
        Objects.requireNonNull(in, "in cannot be null");
        Objects.requireNonNull(workDir, "workDir cannot be null");
        Objects.requireNonNull(outIsTerminal, "outIsTerminal cannot be null");
    }

    /** A context whose {@code out} is not a terminal and no flag is given (tests, embedding). */
    public CliContext(Map<String, String> env, PrintStream out, PrintStream err, InputStream in, Path workDir,
            boolean process) {
        this(env, out, err, in, workDir, process, Map.of(), () -> false);
    }

    static CliContext system() {
        return new CliContext(System.getenv(), System.out, System.err, System.in,
                Path.of("").toAbsolutePath(), true, Map.of(), Terminal::stdoutIsTerminal);
    }

    /** One connection setting given on the command line: {@code value} replaces the variable's. */
    record Setting(String flag, String variable, String value) {
    }

    /** This context with {@code settings} laid over the environment: a flag wins over its variable. */
    CliContext with(List<Setting> settings) {
        if (settings.isEmpty()) {
            return this;
        }
        Map<String, String> e = new HashMap<>(env);
        Map<String, String> f = new HashMap<>(flags);
        for (Setting s : settings) {
            e.put(s.variable(), s.value());
            f.put(s.variable(), s.flag());
        }
        return new CliContext(e, out, err, in, workDir, process, f, outIsTerminal);
    }

    /** This context with {@code variable} set, unless the environment or a flag already sets it. */
    CliContext withDefault(String variable, String value) {
        String current = env.get(variable);
        if (value == null || current != null && !current.isBlank()) {
            return this;
        }
        Map<String, String> e = new HashMap<>(env);
        e.put(variable, value);
        return new CliContext(e, out, err, in, workDir, process, flags, outIsTerminal);
    }

    /**
     * The client configuration of this environment and flags. {@link ClientConfig}'s errors start with the variable
     * at fault; when a flag set that variable, the error names the flag instead ({@code --url must use https …}).
     */
    ClientConfig config() throws ConfigException {
        try {
            return ClientConfig.fromEnvironment(env);
        } catch (ConfigException e) {
            String message = e.getMessage() == null ? "" : e.getMessage();
            for (Map.Entry<String, String> f : flags.entrySet()) {
                if (message.startsWith(f.getKey())) {
                    throw new ConfigException(f.getValue() + message.substring(f.getKey().length()));
                }
            }
            if (message.startsWith("SEGURA_URL is not set")) {
                throw new ConfigException(message + ", or give --url URL");
            }
            throw e;
        }
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
