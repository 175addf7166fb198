// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.bitbucket;

import io.segura.testkit.platform.CiJobs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Runs the pipe the way Bitbucket Pipelines runs a {@code - pipe:} line of a step (PLATFORMS.md §6.4, the
 * "advanced techniques for writing pipes" page): the image's entrypoint with no arguments; as environment the step's
 * {@code BITBUCKET_*} defaults, {@code BITBUCKET_STEP_OIDC_TOKEN} when the step has {@code oidc: true}, and the pipe's
 * {@code variables:} — a YAML list becomes {@code NAME_COUNT} and {@code NAME_0…}; the build directory
 * ({@code BITBUCKET_CLONE_DIR}, the working directory) mounted at the same path, with the pipe storage below it
 * ({@code .bitbucket/pipelines/generated/pipeline/pipes}, the shared one, and {@code <owner>/<pipe>} in it, the
 * pipe's own). Bitbucket has no local runner, so this is the contract, simulated; where the process runs is the
 * {@link Engine}.
 */
final class PipeRunner {

    /** What the pipe printed (stdout and stderr in one stream, in order, as the step's log) and its exit code. */
    record PipeResult(int exitCode, String log) {
    }

    /** Where the pipe's process runs: {@code env} is its whole environment, {@code cloneDir} the build directory. */
    interface Engine {
        PipeResult run(Map<String, String> env, Path cloneDir) throws IOException, InterruptedException;
    }

    /** One step: its build directory, the pipe storage directories in it, and its variables. */
    record Step(Path cloneDir, Path sharedStorage, Path pipeStorage, Map<String, String> env) {

        Step {
            env = Map.copyOf(env);
        }

        /** The env file and loader the pipe writes without {@code COMMAND}. */
        Path envFile() {
            return sharedStorage.resolve("segura.env");
        }

        Path loader() {
            return sharedStorage.resolve("segura-load.sh");
        }

        /** The step without a variable, e.g. {@code BITBUCKET_PIPE_SHARED_STORAGE_DIR}. */
        Step without(String name) {
            Map<String, String> copy = new LinkedHashMap<>(env);
            copy.remove(name);
            return new Step(cloneDir, sharedStorage, pipeStorage, copy);
        }
    }

    private final Engine engine;

    PipeRunner(Engine engine) {
        this.engine = Objects.requireNonNull(engine, "engine cannot be null");
    }

    /** A step of a pipeline in {@code work}; {@code stepOidcToken} null: a step without {@code oidc: true}. */
    static Step step(Path work, String stepOidcToken) throws IOException {
        Path clone = Files.createDirectories(work.resolve("build"));
        Path shared = Files.createDirectories(clone.resolve(".bitbucket/pipelines/generated/pipeline/pipes"));
        Path own = Files.createDirectories(shared.resolve("segura-ci/segura-bitbucket-pipe"));
        Map<String, String> env = new LinkedHashMap<>(CiJobs.bitbucket(stepOidcToken, shared));
        env.put("BITBUCKET_CLONE_DIR", clone.toString());
        env.put("BITBUCKET_PIPE_STORAGE_DIR", own.toString());
        return new Step(clone, shared, own, env);
    }

    /**
     * The pipe's {@code variables:} as Bitbucket passes them: a string as is, a list as {@code NAME_COUNT} and
     * {@code NAME_i}, another YAML scalar (true, 3) as its text.
     */
    static Map<String, String> pipeVariables(Map<String, ?> variables) {
        Map<String, String> env = new LinkedHashMap<>();
        variables.forEach((name, value) -> {
            if (value instanceof List<?> list) {
                env.put(name + "_COUNT", String.valueOf(list.size()));
                for (int i = 0; i < list.size(); i++) {
                    env.put(name + "_" + i, String.valueOf(list.get(i)));
                }
            } else {
                env.put(name, String.valueOf(value));
            }
        });
        return env;
    }

    /** Runs the pipe in {@code step} with {@code variables} (and {@code rawEnv} on top, for malformed contracts). */
    PipeResult run(Step step, Map<String, ?> variables, Map<String, String> rawEnv)
            throws IOException, InterruptedException {
        Map<String, String> env = new LinkedHashMap<>(step.env());
        env.putAll(pipeVariables(variables));
        env.putAll(rawEnv);
        PipeResult result = engine.run(env, step.cloneDir());
        // The step's log, for the test report (each test scans it for values and tokens).
        System.out.println("--- pipe exited " + result.exitCode() + ":\n" + result.log());
        return result;
    }

    PipeResult run(Step step, Map<String, ?> variables) throws IOException, InterruptedException {
        return run(step, variables, Map.of());
    }

    /**
     * This host instead of the image: the image's entrypoint is the script {@code /opt/segura/bin/bitbucket-pipe}
     * from {@code cli/src/main/jib}, run with {@code sh}; its {@code segura-cli} beside it runs the CLI jar on this
     * JVM's Java.
     */
    static Engine host(Path cliJar, Path imageBin) {
        return (env, cloneDir) -> {
            ProcessBuilder pb = new ProcessBuilder("sh", imageBin.resolve("bitbucket-pipe").toString())
                    .directory(cloneDir.toFile()).redirectErrorStream(true);
            pb.environment().clear();
            pb.environment().put("PATH", System.getenv("PATH"));
            pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
            pb.environment().put("HOME", cloneDir.getParent().toString());
            pb.environment().put("SEGURA_CLI_CLASSPATH", cliJar.toString());
            pb.environment().putAll(env);
            return collect(pb.start());
        };
    }

    /**
     * The real pipe image in podman or Docker, started as Bitbucket starts a pipe: its own entrypoint, no
     * arguments, {@code --network host} (the broker listens on this host's loopback), the build directory — pipe
     * storage included — bind-mounted at the same path and the working directory, variables passed by name so no
     * value is on a command line.
     */
    static Engine container(String engine, String image) {
        return (env, cloneDir) -> {
            List<String> cmd = new ArrayList<>(List.of(engine, "run", "--rm", "--network", "host",
                    "--workdir", cloneDir.toString(), "-v", cloneDir + ":" + cloneDir));
            env.keySet().forEach(k -> cmd.addAll(List.of("-e", k)));
            cmd.add(image);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().putAll(env);
            return collect(pb.start());
        };
    }

    static PipeResult collect(Process p) throws IOException, InterruptedException {
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("the pipe did not end within 180 s");
        }
        return new PipeResult(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
