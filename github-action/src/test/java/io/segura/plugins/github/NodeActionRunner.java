// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.github;

import io.segura.plugins.github.DockerActionRunner.StepResult;
import io.segura.testkit.platform.GitHubRunner;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Runs one stage of the JavaScript action the way the runner does ({@code NodeScriptActionHandler}): {@code node
 * <action>/<runs.main|runs.post>} with the step's variables, {@code INPUT_*} for every declared input (defaults
 * applied), the main step's saved state as {@code STATE_*}, and the runner's {@code RUNNER_TOOL_CACHE}. Java is found
 * the way a hosted image offers it: {@code JAVA_HOME_17_X64} (this JVM's home).
 */
final class NodeActionRunner {

    private final ActionManifest manifest;
    private final Path actionDir;
    private final Path toolCache;

    NodeActionRunner(ActionManifest manifest, Path actionDir, Path toolCache) {
        this.manifest = Objects.requireNonNull(manifest, "manifest cannot be null");
        this.actionDir = Objects.requireNonNull(actionDir, "actionDir cannot be null");
        this.toolCache = Objects.requireNonNull(toolCache, "toolCache cannot be null");
    }

    StepResult run(DockerActionRunner.Stage stage, GitHubRunner step, Path workDir, Map<String, String> with,
            Map<String, String> state) throws IOException, InterruptedException {
        Map<String, String> inputs = manifest.resolveInputs(with);
        String script = (String) manifest.runs().get(stage == DockerActionRunner.Stage.MAIN ? "main" : "post");
        Map<String, String> env = new LinkedHashMap<>(step.variables());
        state.forEach((k, v) -> env.put("STATE_" + k, v));
        env.putAll(ActionManifest.inputVariables(inputs));
        env.put("RUNNER_TOOL_CACHE", toolCache.toString());
        env.put("RUNNER_OS", "Linux");
        env.put("JAVA_HOME_17_X64", System.getProperty("java.home"));
        env.put("PATH", System.getenv("PATH"));
        env.put("HOME", workDir.toString());
        ProcessBuilder pb = new ProcessBuilder(List.of("node", actionDir.resolve(script).toString()))
                .directory(workDir.toFile()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(env);
        return DockerActionRunner.collect(pb.start());
    }
}
