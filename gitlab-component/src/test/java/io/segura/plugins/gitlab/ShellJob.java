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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A rendered GitLab job run the way a shell runner runs it. The variables: the CI variables, File-type CI/CD
 * variables (their content written to a file, the variable holding its path), then the job's {@code variables:},
 * each expanded once when the job starts against all of them, unexpanded ({@code $NAME}, {@code ${NAME}}; an unknown
 * name becomes empty, {@code $$} a literal {@code $}; a reference to a File-type variable becomes its path, GitLab
 * 15.7+) unless it is {@code {value: …, expand: false}}; then its {@code id_tokens} as variables. The {@code script:}
 * lines run in one {@code sh -e} script that echoes each line as {@code $ line} before running it (the job log shows
 * commands, not their expanded values). {@code segura-cli} on the PATH is the image's script
 * ({@code cli/src/main/jib/opt/segura/bin/segura-cli}) run against the CLI jar.
 */
final class ShellJob {

    private static final Pattern REFERENCE = Pattern.compile("\\$\\$|\\$\\{([A-Za-z_][A-Za-z0-9_]*)}|\\$([A-Za-z_][A-Za-z0-9_]*)");

    /** The job log (stdout and stderr in order) and the script's exit code. */
    record Result(int exitCode, String log) {
    }

    private ShellJob() {
    }

    /** The job's environment as the runner builds it (the id tokens are added by {@link #run}). */
    @SuppressWarnings("unchecked")
    static Map<String, String> variables(Map<String, Object> job, Map<String, String> ciVariables,
            Map<String, String> fileVariables, Path workDir) throws IOException {
        Map<String, String> env = new LinkedHashMap<>(ciVariables);
        Path tmp = Files.createDirectories(workDir.resolve(".tmp"));
        for (Map.Entry<String, String> file : fileVariables.entrySet()) {
            Path p = tmp.resolve(file.getKey());
            Files.writeString(p, file.getValue(), StandardCharsets.UTF_8);
            env.put(file.getKey(), p.toString());
        }
        Object vars = job.get("variables");
        if (vars == null) {
            return env;
        }
        Map<String, String> raw = new LinkedHashMap<>(env);
        Map<String, Boolean> expandable = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : ((Map<String, Object>) vars).entrySet()) {
            Object v = e.getValue();
            Object value = v instanceof Map<?, ?> spec ? spec.get("value") : v;
            raw.put(e.getKey(), value == null ? "" : String.valueOf(value));
            expandable.put(e.getKey(), !(v instanceof Map<?, ?> spec && Boolean.FALSE.equals(spec.get("expand"))));
        }
        expandable.forEach((name, expand) -> env.put(name, expand ? expand(raw.get(name), raw) : raw.get(name)));
        return env;
    }

    /** The runner's one-level expansion of a variable's value. */
    static String expand(String value, Map<String, String> known) {
        Matcher m = REFERENCE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            String replacement = name == null ? "$" : known.getOrDefault(name, "");
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    static Result run(Map<String, Object> job, Map<String, String> ciVariables, Map<String, String> idTokens,
            Path workDir, Path cliJar, Path imageBin) throws IOException, InterruptedException {
        return run(job, ciVariables, Map.of(), idTokens, workDir, cliJar, imageBin);
    }

    @SuppressWarnings("unchecked")
    static Result run(Map<String, Object> job, Map<String, String> ciVariables, Map<String, String> fileVariables,
            Map<String, String> idTokens, Path workDir, Path cliJar, Path imageBin)
            throws IOException, InterruptedException {
        Map<String, String> env = variables(job, ciVariables, fileVariables, workDir);
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
