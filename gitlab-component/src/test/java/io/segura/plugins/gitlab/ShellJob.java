// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.gitlab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A rendered GitLab job run the way a shell runner runs it: CI variables, then the job's {@code variables:}, then
 * its {@code id_tokens} as variables; the {@code script:} lines in one {@code sh -e} script that echoes each line as
 * {@code $ line} before running it (the job log shows commands, not their expanded values). {@code segura-cli} on
 * the PATH is the image's script ({@code cli/src/main/jib/opt/segura/bin/segura-cli}) run against the CLI jar.
 */
final class ShellJob {

    /** The job log (stdout and stderr in order) and the script's exit code. */
    record Result(int exitCode, String log) {
    }

    private ShellJob() {
    }

    @SuppressWarnings("unchecked")
    static Result run(Map<String, Object> job, Map<String, String> ciVariables, Map<String, String> idTokens,
            Path workDir, Path cliJar, Path imageBin) throws IOException, InterruptedException {
        Map<String, String> env = new LinkedHashMap<>(ciVariables);
        Object vars = job.get("variables");
        if (vars != null) {
            ((Map<String, Object>) vars).forEach((k, v) -> env.put(k, String.valueOf(v)));
        }
        env.putAll(idTokens);
        StringBuilder script = new StringBuilder("set -e\n");
        for (Object line : (List<Object>) job.get("script")) {
            String l = String.valueOf(line);
            script.append("printf '%s\\n' ").append(quote("$ " + l)).append('\n').append(l).append('\n');
        }
        Path bin = Files.createDirectories(workDir.resolve(".bin"));
        Path link = bin.resolve("segura-cli");
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, imageBin.resolve("segura-cli"));
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", script.toString()).directory(workDir.toFile())
                .redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("HOME", workDir.toString());
        pb.environment().put("SEGURA_CLI_CLASSPATH", cliJar.toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("the job did not end within 120 s");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
