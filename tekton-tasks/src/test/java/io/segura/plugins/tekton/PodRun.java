// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.tekton;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.tekton.pipeline.v1.ParamSpec;
import io.fabric8.tekton.pipeline.v1.Step;
import io.fabric8.tekton.pipeline.v1.StepTemplate;
import io.fabric8.tekton.pipeline.v1.WorkspaceDeclaration;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Steps of one TaskRun pod run the way Tekton's entrypoint runs them, on this host: variables substituted
 * ({@code $(params.x)} from the run's params over the defaults, {@code $(workspaces.x.path)} and
 * {@code $(workspaces.x.bound)} — an optional workspace left unbound has an empty path and {@code bound} false,
 * {@code $(results.x.path)} under {@code tekton/results}, {@code $(step.results.x.path)} under the step's own
 * {@code tekton/steps/step-NAME/results}, {@code $(steps.step-x.exitCode.path)}), the {@code stepTemplate}'s env
 * merged under each step's (a step's variable of the same name wins), each step's {@code script} written to a file
 * and run with its shebang's shell, one after the other; a failing step ends the run unless it has
 * {@code onError: continue}, whose exit code then goes to its {@code exitCode} file. {@code segura-cli} on the PATH
 * is the image's script run against the CLI jar. Not simulated: the uid a {@code securityContext} sets (every step
 * runs as this test's user, which is what the Task's one uid for all steps amounts to).
 */
final class PodRun {

    private static final Pattern VARIABLE = Pattern.compile("\\$\\(([^)]+)\\)");

    /**
     * The pod's log (all steps, in order), the exit code the TaskRun ends with, the Task's results by name and the
     * steps' results as {@code step/name}.
     */
    record Result(int exitCode, String log, Map<String, String> results, Map<String, String> stepResults) {
    }

    private final Path dir;
    private final Map<String, String> variables = new LinkedHashMap<>();
    private final Map<String, String> baseEnv;

    PodRun(Path dir, List<ParamSpec> specs, Map<String, String> params, List<WorkspaceDeclaration> declared,
            Map<String, Path> workspaces, Map<String, String> baseEnv) throws IOException {
        this.dir = dir;
        this.baseEnv = Map.copyOf(baseEnv);
        for (ParamSpec spec : specs) {
            String value = params.containsKey(spec.getName()) ? params.get(spec.getName())
                    : spec.getDefault() == null ? null : spec.getDefault().getStringVal();
            if (value == null) {
                throw new IllegalArgumentException("missing parameter " + spec.getName() + " (no default)");
            }
            variables.put("params." + spec.getName(), value);
        }
        for (String name : params.keySet()) {
            if (!variables.containsKey("params." + name)) {
                throw new IllegalArgumentException("unknown parameter " + name);
            }
        }
        for (WorkspaceDeclaration w : declared == null ? List.<WorkspaceDeclaration>of() : declared) {
            Path path = workspaces.get(w.getName());
            if (path == null && !Boolean.TRUE.equals(w.getOptional())) {
                throw new IllegalArgumentException("workspace " + w.getName() + " is required but not bound");
            }
            variables.put("workspaces." + w.getName() + ".path", path == null ? "" : path.toString());
            variables.put("workspaces." + w.getName() + ".bound", Boolean.toString(path != null));
        }
        for (String name : workspaces.keySet()) {
            if (!variables.containsKey("workspaces." + name + ".bound")) {
                throw new IllegalArgumentException("workspace " + name + " is not declared");
            }
        }
        Files.createDirectories(dir.resolve("tekton/steps"));
        Files.createDirectories(dir.resolve("tekton/results"));
    }

    String substitute(String s) {
        return substitute(s, null);
    }

    String substitute(String s, String currentStep) {
        Matcher m = VARIABLE.matcher(s);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String key = m.group(1);
            String value = variables.get(key);
            if (value == null && key.matches("steps\\.step-[a-z0-9-]+\\.exitCode\\.path")) {
                String step = key.substring("steps.".length(), key.length() - ".exitCode.path".length());
                value = dir.resolve("tekton/steps").resolve(step).resolve("exitCode").toString();
            }
            if (value == null && key.matches("results\\.[a-z0-9-]+\\.path")) {
                value = dir.resolve("tekton/results").resolve(key.split("\\.")[1]).toString();
            }
            if (value == null && currentStep != null && key.matches("step\\.results\\.[a-z0-9-]+\\.path")) {
                value = dir.resolve("tekton/steps/step-" + currentStep + "/results").resolve(key.split("\\.")[2])
                        .toString();
            }
            if (value == null) {
                throw new IllegalArgumentException("unknown variable $(" + key + ")");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    Result run(List<Step> steps, StepTemplate template, Path cliJar, Path imageBin)
            throws IOException, InterruptedException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path link = bin.resolve("segura-cli");
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, imageBin.resolve("segura-cli"));
        StringBuilder log = new StringBuilder();
        for (Step step : steps) {
            Path stepDir = Files.createDirectories(dir.resolve("tekton/steps/step-" + step.getName()));
            Files.createDirectories(stepDir.resolve("results"));
            Path script = stepDir.resolve("script");
            String text = step.getScript();
            Files.writeString(script, text, StandardCharsets.UTF_8);
            String shebang = text.lines().findFirst().orElse("");
            if (!shebang.startsWith("#!")) {
                throw new IllegalArgumentException("step " + step.getName() + ": script without a shebang");
            }
            ProcessBuilder pb = new ProcessBuilder(shebang.substring(2).trim(), script.toString())
                    .directory(dir.toFile()).redirectErrorStream(true);
            pb.environment().clear();
            pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
            pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
            pb.environment().put("HOME", dir.toString());
            pb.environment().put("SEGURA_CLI_CLASSPATH", cliJar.toString());
            pb.environment().putAll(baseEnv);
            Map<String, String> env = new LinkedHashMap<>();
            for (List<EnvVar> vars : java.util.Arrays.asList(template == null ? null : template.getEnv(),
                    step.getEnv())) {
                for (EnvVar e : vars == null ? List.<EnvVar>of() : vars) {
                    env.put(e.getName(), substitute(e.getValue(), step.getName()));
                }
            }
            pb.environment().putAll(env);
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("step " + step.getName() + " did not end within 120 s");
            }
            log.append(new String(out, StandardCharsets.UTF_8));
            int code = p.exitValue();
            Files.writeString(stepDir.resolve("exitCode"), Integer.toString(code), StandardCharsets.UTF_8);
            if (code != 0 && !"continue".equals(step.getOnError())) {
                return result(code, log);
            }
        }
        return result(0, log);
    }

    private Result result(int code, StringBuilder log) throws IOException {
        Map<String, String> results = new TreeMap<>();
        try (var files = Files.list(dir.resolve("tekton/results"))) {
            for (Path f : files.toList()) {
                results.put(f.getFileName().toString(), Files.readString(f, StandardCharsets.UTF_8));
            }
        }
        Map<String, String> stepResults = new TreeMap<>();
        try (var steps = Files.list(dir.resolve("tekton/steps"))) {
            for (Path stepDir : steps.toList()) {
                Path resultsDir = stepDir.resolve("results");
                if (!Files.isDirectory(resultsDir)) {
                    continue;
                }
                try (var files = Files.list(resultsDir)) {
                    for (Path f : files.toList()) {
                        stepResults.put(stepDir.getFileName().toString().substring("step-".length()) + "/"
                                + f.getFileName(), Files.readString(f, StandardCharsets.UTF_8));
                    }
                }
            }
        }
        return new Result(code, log.toString(), results, stepResults);
    }
}
