// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.azure;

import com.nimbusds.jose.util.JSONObjectUtils;
import io.segura.testkit.platform.AzureAgent;
import io.segura.testkit.platform.AzureAgent.LoggingCommand;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs one stage of a Node task the way the Azure Pipelines agent's Node handler does (azure-pipelines-agent
 * {@code Handlers/NodeHandler.cs}, {@code Handler.cs}, {@code TaskRunner.cs}): the handler's {@code target} from
 * {@code task.json} under {@code node}, the working directory {@code System.DefaultWorkingDirectory}, an
 * environment of the job's variables, one {@code INPUT_<NAME>} per input of {@code task.json} (its
 * {@code defaultValue} when the step gives none; a {@code filePath} input rooted in {@code Build.SourcesDirectory},
 * so an empty one arrives as that directory), the {@code SystemVssConnection} endpoint as
 * {@code ENDPOINT_AUTH_*}, and the task variables set by earlier stages of the same task as
 * {@code VSTS_TASKVARIABLE_<NAME>}. The post-job stage always runs ({@code condition: always()} in
 * {@code JobExtension.cs}); a test runs it after the main stage whatever that stage's result.
 *
 * <p>The machine's Node (20) stands for the agent's: it is the runtime of the {@code Node20_1} handler.
 */
final class AgentTaskRunner {

    enum Stage {
        MAIN("execution"), POST("postjobexecution");

        final String section;

        Stage(String section) {
            this.section = section;
        }
    }

    /** What the agent saw of one stage: exit code, output, the logging commands and the task result. */
    record StepResult(int exitCode, String stdout, String stderr, List<LoggingCommand> commands) {

        /** {@code Succeeded} / {@code Failed}: the last {@code task.complete} (the agent's rule), else by exit code. */
        String result() {
            return lastComplete().map(c -> c.properties().get("result"))
                    .orElse(exitCode == 0 ? "Succeeded" : "Failed");
        }

        /** The message of the last {@code task.complete}, as the agent shows it on the step. */
        String message() {
            return lastComplete().map(LoggingCommand::data).orElse("");
        }

        private Optional<LoggingCommand> lastComplete() {
            LoggingCommand last = null;
            for (LoggingCommand c : commands) {
                if (c.name().equals("task.complete")) {
                    last = c;
                }
            }
            return Optional.ofNullable(last);
        }

        List<LoggingCommand> named(String name) {
            return commands.stream().filter(c -> c.name().equals(name)).toList();
        }

        /** Task variables this stage set ({@code task.settaskvariable}), for the later stages of the same task. */
        Map<String, String> taskVariables() {
            Map<String, String> vars = new LinkedHashMap<>();
            named("task.settaskvariable").forEach(c -> vars.put(c.properties().get("variable"), c.data()));
            return vars;
        }

        /** Everything the step printed: what a log scan must look at. */
        String output() {
            return stdout + stderr;
        }
    }

    private final Path taskDir;
    private final Map<String, Object> taskJson;

    AgentTaskRunner(Path taskDir) throws IOException {
        this.taskDir = taskDir;
        try {
            this.taskJson = JSONObjectUtils.parse(Files.readString(taskDir.resolve("task.json"),
                    StandardCharsets.UTF_8));
        } catch (ParseException e) {
            throw new IOException("task.json is not JSON", e);
        }
    }

    /**
     * Runs {@code stage} with the step's {@code inputs}, the job's {@code variables} (environment form, e.g.
     * {@code SYSTEM_OIDCREQUESTURI}), the SystemVssConnection access token (null: no endpoint) and the task
     * variables earlier stages set.
     */
    StepResult run(Stage stage, Map<String, String> inputs, Map<String, String> variables, String systemVssToken,
            Map<String, String> taskVariables) throws IOException, InterruptedException {
        String target = handlerTarget(stage);
        Path sources = Path.of(variables.get("BUILD_SOURCESDIRECTORY"));
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", System.getenv("PATH"));
        env.put("HOME", System.getenv().getOrDefault("HOME", sources.toString()));
        env.putAll(variables);
        for (Map<String, Object> input : inputs()) {
            String name = (String) input.get("name");
            Object defaultValue = input.get("defaultValue");
            String value = inputs.getOrDefault(name, defaultValue == null ? "" : String.valueOf(defaultValue)).trim();
            if ("filePath".equals(input.get("type"))) {
                value = sources.resolve(value).normalize().toString();
            }
            env.put("INPUT_" + name.toUpperCase(Locale.ROOT), value);
        }
        if (systemVssToken != null) {
            env.put("ENDPOINT_URL_SYSTEMVSSCONNECTION", variables.get("SYSTEM_COLLECTIONURI"));
            env.put("ENDPOINT_AUTH_SYSTEMVSSCONNECTION",
                    "{\"parameters\":{\"AccessToken\":\"" + systemVssToken + "\"},\"scheme\":\"OAuth\"}");
            env.put("ENDPOINT_AUTH_SCHEME_SYSTEMVSSCONNECTION", "OAuth");
            env.put("ENDPOINT_AUTH_PARAMETER_SYSTEMVSSCONNECTION_ACCESSTOKEN", systemVssToken);
        }
        taskVariables.forEach((k, v) -> env.put("VSTS_TASKVARIABLE_" + k.toUpperCase(Locale.ROOT), v));

        ProcessBuilder pb = new ProcessBuilder(System.getProperty("segura.node", "node"),
                taskDir.resolve(target).toString());
        pb.directory(sources.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IOException("the task's " + stage + " stage did not end within 3 minutes");
        }
        String stdout = out.join();
        return new StepResult(p.exitValue(), stdout, err.join(), AzureAgent.commands(stdout));
    }

    /** The agent's job variables for a step, on top of {@link AzureAgent#variables}. */
    static Map<String, String> jobVariables(Map<String, String> azureVariables, Path agentTemp, Path sources,
            String javaHome17) throws IOException {
        Files.createDirectories(agentTemp);
        Files.createDirectories(sources);
        Map<String, String> v = new LinkedHashMap<>(azureVariables);
        v.put("AGENT_VERSION", "4.266.2");
        v.put("AGENT_TEMPDIRECTORY", agentTemp.toString());
        v.put("AGENT_JOBSTATUS", "Succeeded");
        v.put("BUILD_SOURCESDIRECTORY", sources.toString());
        v.put("SYSTEM_DEFAULTWORKINGDIRECTORY", sources.toString());
        v.put("SYSTEM_TASKINSTANCEID", UUID.randomUUID().toString());
        if (javaHome17 != null) {
            v.put("JAVA_HOME_17_X64", javaHome17);
        }
        return v;
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> inputs() {
        return new ArrayList<>((List<Map<String, Object>>) (List<?>) taskJson.get("inputs"));
    }

    /** The Node20_1 handler of the stage's section: what an agent with Node 20 runs. */
    @SuppressWarnings("unchecked")
    private String handlerTarget(Stage stage) {
        Map<String, Object> section = (Map<String, Object>) taskJson.get(stage.section);
        if (section == null || !(section.get("Node20_1") instanceof Map)) {
            throw new IllegalStateException("task.json has no " + stage.section + ".Node20_1 handler");
        }
        return (String) ((Map<String, Object>) section.get("Node20_1")).get("target");
    }

    /** Reads a stream to its end on a thread of its own (not the common pool: it may have a single thread). */
    private static CompletableFuture<String> drain(InputStream in) {
        CompletableFuture<String> text = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (in) {
                ByteArrayOutputStream buf = new ByteArrayOutputStream();
                in.transferTo(buf);
                text.complete(buf.toString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                text.completeExceptionally(new UncheckedIOException(e));
            }
        }, "task-output-reader");
        reader.setDaemon(true);
        reader.start();
        return text;
    }
}
