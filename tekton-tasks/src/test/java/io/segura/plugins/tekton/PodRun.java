// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.tekton;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.tekton.pipeline.v1.ParamSpec;
import io.fabric8.tekton.pipeline.v1.Step;
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
 * Steps of one TaskRun pod run the way Tekton's entrypoint runs them, on this host: variables substituted
 * ({@code $(params.x)} from the run's params over the defaults, {@code $(workspaces.x.path)},
 * {@code $(steps.step-x.exitCode.path)}), each step's {@code script} written to a file and run with its shebang's
 * shell and the step's {@code env}, one after the other; a failing step ends the run unless it has
 * {@code onError: continue}, whose exit code then goes to its {@code exitCode} file. {@code segura-cli} on the PATH
 * is the image's script run against the CLI jar.
 */
final class PodRun {

    private static final Pattern VARIABLE = Pattern.compile("\\$\\(([^)]+)\\)");

    /** The pod's log (all steps, in order) and the exit code the TaskRun ends with. */
    record Result(int exitCode, String log) {
    }

    private final Path dir;
    private final Map<String, String> variables = new LinkedHashMap<>();
    private final Map<String, String> baseEnv;

    PodRun(Path dir, List<ParamSpec> specs, Map<String, String> params, Map<String, Path> workspaces,
            Map<String, String> baseEnv) throws IOException {
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
        workspaces.forEach((name, path) -> variables.put("workspaces." + name + ".path", path.toString()));
        Files.createDirectories(dir.resolve("tekton/steps"));
    }

    String substitute(String s) {
        Matcher m = VARIABLE.matcher(s);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String key = m.group(1);
            String value = variables.get(key);
            if (value == null && key.matches("steps\\.step-[a-z0-9-]+\\.exitCode\\.path")) {
                String step = key.substring("steps.".length(), key.length() - ".exitCode.path".length());
                value = dir.resolve("tekton/steps").resolve(step).resolve("exitCode").toString();
            }
            if (value == null) {
                throw new IllegalArgumentException("unknown variable $(" + key + ")");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    Result run(List<Step> steps, Path cliJar, Path imageBin) throws IOException, InterruptedException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path link = bin.resolve("segura-cli");
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, imageBin.resolve("segura-cli"));
        StringBuilder log = new StringBuilder();
        for (Step step : steps) {
            Path stepDir = Files.createDirectories(dir.resolve("tekton/steps/step-" + step.getName()));
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
            if (step.getEnv() != null) {
                for (EnvVar e : step.getEnv()) {
                    pb.environment().put(e.getName(), substitute(e.getValue()));
                }
            }
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
                return new Result(code, log.toString());
            }
        }
        return new Result(0, log.toString());
    }
}
