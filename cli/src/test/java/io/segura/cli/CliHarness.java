// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Runs {@code segura-cli} in-process with a given environment, stdin and working directory; captures output. */
final class CliHarness {

    /** The outcome of one run. */
    record Result(int exitCode, String out, String err) {
    }

    private CliHarness() {
    }

    /** The test JVM's environment without any SEGURA_* variable, plus {@code vars}. */
    static Map<String, String> env(Map<String, String> vars) {
        Map<String, String> env = new HashMap<>();
        System.getenv().forEach((k, v) -> {
            if (!k.startsWith("SEGURA_") && !k.equals("CI")) {
                env.put(k, v);
            }
        });
        env.putAll(vars);
        return env;
    }

    static Result run(Map<String, String> env, String stdin, Path workDir, String... args) {
        return run(env, stdin, workDir, false, args);
    }

    /** As {@link #run(Map, String, Path, String...)}, with stdout seen as a terminal when {@code outIsTerminal}. */
    static Result run(Map<String, String> env, String stdin, Path workDir, boolean outIsTerminal, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CliContext ctx = new CliContext(env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), workDir, false, Map.of(),
                () -> outIsTerminal);
        int code = SeguraCli.run(ctx, args);
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
