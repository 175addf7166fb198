// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.circleci;

import io.segura.testkit.cli.CliBuild;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A CircleCI job's steps run the way the Docker executor runs them (docs: "Configuration reference", {@code run};
 * "Environment variables"): each {@code run} step is its own {@code /bin/bash -eo pipefail} process in the working
 * directory, with the job's environment ({@code CIRCLECI}, {@code CIRCLE_*}, the OIDC tokens, {@code BASH_ENV} naming
 * a file that bash sources before the step, so a line a step appends there reaches every later step) plus the step's
 * {@code environment:}. A failing step fails the job; later steps run only when their {@code when} is
 * {@code always} (or {@code on_fail}). The job log is every step's stdout and stderr, in order.
 * {@code segura-cli} on the PATH is the CLI image's script ({@code opt/segura/bin/segura-cli}) run against the
 * CLI jar.
 */
final class CircleCiJob {

    /** One step's outcome: null exit code when it was skipped. */
    record StepResult(String name, Integer exitCode, String log) {
    }

    /** The job's exit code (its first failed step's, else 0) and every step's result. */
    record Result(int exitCode, List<StepResult> steps, String bashEnv) {

        /** The whole job log. */
        String log() {
            StringBuilder sb = new StringBuilder();
            for (StepResult s : steps) {
                sb.append("==> ").append(s.name()).append(s.exitCode() == null ? " (skipped)" : "").append('\n')
                        .append(s.log());
            }
            return sb.toString();
        }
    }

    private final Path workDir;
    private final Map<String, String> env;
    private final Path bashEnv;

    /**
     * @param workDir  the job's working directory (the checkout)
     * @param variables the job's variables (CircleCI's built-ins, the OIDC tokens, contexts); {@code PATH} extended
     * @param extraPath directories to put before the system's PATH (e.g. the circleci CLI simulator), may be null
     */
    CircleCiJob(Path workDir, Map<String, String> variables, Path extraPath) {
        this.workDir = workDir;
        try {
            Path tmp = Files.createDirectories(workDir.resolveSibling(workDir.getFileName() + "-tmp"));
            this.bashEnv = Files.createTempFile(tmp, ".bash_env-", "");
            Path bin = Files.createDirectories(tmp.resolve("bin"));
            Path link = bin.resolve("segura-cli");
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, CliBuild.imageBin().resolve("segura-cli"));
            this.env = new LinkedHashMap<>(variables);
            String path = (extraPath == null ? "" : extraPath + ":") + bin + ":" + System.getenv("PATH");
            env.put("PATH", path);
            env.put("HOME", workDir.toString());
            env.put("TMPDIR", tmp.toString());
            env.put("BASH_ENV", bashEnv.toString());
            env.put("CIRCLE_WORKING_DIRECTORY", workDir.toString());
            env.put("CIRCLE_SHA1", "9f2c1e0d8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e");
            env.put("CIRCLE_NODE_INDEX", "0");
            env.put("CIRCLE_NODE_TOTAL", "1");
            env.put("JAVA_HOME", System.getProperty("java.home"));
            env.put("SEGURA_CLI_CLASSPATH", CliBuild.jar().toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Without the segura-cli link: a job whose image lacks the CLI. */
    CircleCiJob withoutCli() {
        env.put("PATH", System.getenv("PATH"));
        return this;
    }

    Result run(List<CircleCiOrb.RunStep> steps) throws IOException, InterruptedException {
        List<StepResult> results = new ArrayList<>();
        int jobExit = 0;
        int n = 0;
        for (CircleCiOrb.RunStep step : steps) {
            n++;
            String name = step.name() == null ? firstLine(step.command()) : step.name();
            boolean failed = jobExit != 0;
            boolean runs = switch (step.when()) {
                case "always" -> true;
                case "on_fail" -> failed;
                default -> !failed;
            };
            if (!runs) {
                results.add(new StepResult(name, null, ""));
                continue;
            }
            Path script = bashEnv.resolveSibling("step-" + n + ".sh");
            Files.writeString(script, step.command(), StandardCharsets.UTF_8);
            ProcessBuilder pb = new ProcessBuilder("/bin/bash", "-eo", "pipefail", script.toString())
                    .directory(workDir.toFile()).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            pb.environment().clear();
            pb.environment().putAll(env);
            pb.environment().putAll(step.environment());
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("step " + name + " did not end within 120 s");
            }
            results.add(new StepResult(name, p.exitValue(), new String(out, StandardCharsets.UTF_8)));
            if (p.exitValue() != 0 && jobExit == 0) {
                jobExit = p.exitValue();
            }
        }
        return new Result(jobExit, results, Files.readString(bashEnv, StandardCharsets.UTF_8));
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
