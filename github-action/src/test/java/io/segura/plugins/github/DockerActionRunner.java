// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.github;

import io.segura.testkit.platform.GitHubRunner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Runs one stage of the Docker container action the way the runner does ({@code ContainerActionHandler}): the
 * step's variables plus {@code INPUT_*}, then {@code runs.env} evaluated against the inputs (never overriding a
 * variable the step already has), {@code args} evaluated the same way for every stage, and the image's entrypoint
 * for {@code main} or {@code runs.post-entrypoint} for {@code post}. Where it runs is the {@link Engine}: the CLI
 * jar and the image's scripts on this host, or the real image in podman/Docker.
 */
final class DockerActionRunner {

    /** An action stage. */
    enum Stage { MAIN, POST }

    /** What a stage printed (stdout and stderr in one stream, in order, as the runner's log) and its exit code. */
    record StepResult(int exitCode, String log) {
    }

    /** Where the stage's process runs. */
    interface Engine {
        /**
         * Runs {@code entrypoint} (null: the image's own) with {@code args} and {@code env}; {@code workDir} holds
         * the runner's {@code _runner_file_commands} and is the workspace.
         */
        StepResult run(String entrypoint, List<String> args, Map<String, String> env, Path workDir)
                throws IOException, InterruptedException;
    }

    private final ActionManifest manifest;
    private final Engine engine;

    DockerActionRunner(ActionManifest manifest, Engine engine) {
        this.manifest = Objects.requireNonNull(manifest, "manifest cannot be null");
        this.engine = Objects.requireNonNull(engine, "engine cannot be null");
    }

    /**
     * Runs {@code stage} in a step set up by {@code runner}; {@code state} is what earlier stages saved to
     * {@code GITHUB_STATE} (given to this stage as {@code STATE_<name>}).
     */
    StepResult run(Stage stage, GitHubRunner runner, Path workDir, Map<String, String> with,
            Map<String, String> state) throws IOException, InterruptedException {
        Map<String, String> inputs = manifest.resolveInputs(with);
        Map<String, String> env = new LinkedHashMap<>(runner.variables());
        state.forEach((k, v) -> env.put("STATE_" + k, v));
        env.putAll(ActionManifest.inputVariables(inputs));
        manifest.env().forEach((k, v) -> env.putIfAbsent(k, ActionManifest.evaluate(v, inputs)));
        List<String> args = new ArrayList<>();
        for (String a : manifest.args()) {
            args.add(ActionManifest.evaluate(a, inputs));
        }
        String entrypoint = stage == Stage.MAIN ? (String) manifest.runs().get("entrypoint")
                : manifest.postEntrypoint();
        if (stage == Stage.POST && entrypoint == null) {
            throw new IllegalStateException("action.yml has no runs.post-entrypoint");
        }
        return engine.run(entrypoint, args, env, workDir);
    }

    /**
     * This host instead of the image: the image's entrypoint is {@code java … io.segura.cli.SeguraCli}, i.e. the
     * CLI jar; a script entrypoint under {@code /opt/segura/bin} is the same file from {@code cli/src/main/jib}, run
     * with {@code sh} against the jar.
     */
    static Engine host(Path cliJar, Path imageBin) {
        return (entrypoint, args, env, workDir) -> {
            List<String> cmd = new ArrayList<>();
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            if (entrypoint == null) {
                cmd.addAll(List.of(java, "-jar", cliJar.toString()));
            } else if (entrypoint.startsWith("/opt/segura/bin/")) {
                cmd.addAll(List.of("sh", imageBin.resolve(entrypoint.substring("/opt/segura/bin/".length()))
                        .toString()));
            } else {
                throw new IllegalArgumentException("the image has no entrypoint " + entrypoint);
            }
            cmd.addAll(args);
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true);
            pb.environment().clear();
            pb.environment().put("PATH", System.getenv("PATH"));
            pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
            pb.environment().put("HOME", workDir.toString());
            pb.environment().put("SEGURA_CLI_CLASSPATH", cliJar.toString());
            pb.environment().putAll(env);
            return collect(pb.start());
        };
    }

    /**
     * The real image in podman or Docker, as the runner starts it: {@code --network host} (the broker and the token
     * endpoint listen on this host's loopback), the workspace at {@code /github/workspace} and the file-command
     * directory at {@code /github/file_commands} bind-mounted as they are (no {@code :U}, no permission changes: the
     * runner does neither, which is why the image must run as the default Docker user, root), host paths in
     * variables translated to those mounts, variables passed by name so no value is on a command line.
     */
    static Engine container(String engine, String image) {
        return (entrypoint, args, env, workDir) -> {
            Path commands = workDir.resolve("_runner_file_commands");
            List<String> cmd = new ArrayList<>(List.of(engine, "run", "--rm", "--network", "host",
                    "--workdir", "/github/workspace",
                    "-v", workDir + ":/github/workspace",
                    "-v", commands + ":/github/file_commands"));
            Map<String, String> translated = new LinkedHashMap<>();
            env.forEach((k, v) -> translated.put(k, v.replace(commands.toString(), "/github/file_commands")
                    .replace(workDir.toString(), "/github/workspace")));
            translated.put("HOME", "/github/home");
            translated.keySet().forEach(k -> cmd.addAll(List.of("-e", k)));
            if (entrypoint != null) {
                cmd.addAll(List.of("--entrypoint", entrypoint));
            }
            cmd.add(image);
            cmd.addAll(args);
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true);
            pb.environment().putAll(translated);
            return collect(pb.start());
        };
    }

    static StepResult collect(Process p) throws IOException, InterruptedException {
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("the step did not end within 120 s");
        }
        return new StepResult(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
