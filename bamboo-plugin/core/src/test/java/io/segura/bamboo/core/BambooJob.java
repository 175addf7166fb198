// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.core;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A simulator of one Bamboo job on an agent — a faithful fake, because Bamboo cannot run here. It follows Bamboo's
 * documented behaviour, and only that:
 * <ul>
 * <li>A job runs its tasks in order; once a task fails, the remaining regular tasks are skipped and the job fails;
 *     <em>final tasks</em> run in any case ("Final tasks are always executed, even if previous tasks failed" —
 *     Bamboo's "Configuring tasks" page).</li>
 * <li>Runtime variables a task adds with {@code VariableContext.addLocalVariable} are seen by the job's later tasks;
 *     a Script task's process gets every variable as an environment variable {@code bamboo_<name>} with dots
 *     replaced by underscores (Bamboo "Bamboo variables" page).</li>
 * <li>The build log masks, in each log entry, the values of variables whose names contain {@code password},
 *     {@code secret}, {@code passphrase} or {@code sshkey}, in any case, with {@code ********}
 *     ({@code PasswordMaskingUtils}, PLATFORMS.md §7.2).</li>
 * <li>A task's configuration reaches the agent with the server's runtime task data ({@link RuntimeTaskData}).</li>
 * </ul>
 * Besides the masked log as Bamboo stores it, the simulator keeps what the Segura tasks wrote before masking, so a
 * test can prove the tasks themselves never write a value (Bamboo's masking is a second line, not the first).
 */
final class BambooJob {

    static final String MASK = "********";

    /** One task of the job. */
    interface Task {
        TaskOutcome run(BambooJob job) throws Exception;
    }

    final Path workingDirectory;
    final Map<String, String> variables = new LinkedHashMap<>();
    /** The build log as Bamboo stores it: every entry masked. */
    final List<String> log = new ArrayList<>();
    /** What the Segura tasks wrote, before Bamboo's masking. */
    final List<String> seguraRaw = new ArrayList<>();
    private final List<Task> tasks = new ArrayList<>();
    private final List<Task> finalTasks = new ArrayList<>();
    final List<String> ran = new ArrayList<>();

    BambooJob(Path workingDirectory) {
        this.workingDirectory = workingDirectory;
    }

    BambooJob task(Task t) {
        tasks.add(t);
        return this;
    }

    BambooJob finalTask(Task t) {
        finalTasks.add(t);
        return this;
    }

    /** Runs the job; true when every task succeeded. */
    boolean run() throws Exception {
        boolean ok = true;
        for (Task t : tasks) {
            if (!ok) {
                break;
            }
            ok = t.run(this) == TaskOutcome.SUCCESS;
        }
        for (Task t : finalTasks) {
            ok &= t.run(this) == TaskOutcome.SUCCESS;
        }
        return ok;
    }

    /** Appends one entry to the build log, masked as Bamboo masks it. */
    void entry(String line) {
        String masked = line;
        List<String> values = variables.entrySet().stream()
                .filter(e -> masksName(e.getKey()) && !e.getValue().isEmpty())
                .map(Map.Entry::getValue)
                .sorted(Comparator.comparingInt(String::length).reversed())
                .toList();
        for (String v : values) {
            masked = masked.replace(v, MASK);
        }
        log.add(masked);
    }

    static boolean masksName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.contains("password") || n.contains("secret") || n.contains("passphrase") || n.contains("sshkey");
    }

    /** A Segura task's view of the job, as the adapter builds it: settings via runtime task data. */
    TaskRun run(Map<String, String> configuration, GlobalSettings serverSettings) {
        GlobalSettings onAgent = RuntimeTaskData.onAgent(RuntimeTaskData.forAgent(serverSettings, configuration));
        BambooJob job = this;
        return new TaskRun() {
            @Override
            public Map<String, String> configuration() {
                return configuration;
            }

            @Override
            public GlobalSettings settings() {
                return onAgent;
            }

            @Override
            public BuildLog log() {
                return new BuildLog() {
                    @Override
                    public void info(String line) {
                        seguraRaw.add(line);
                        job.entry(line);
                    }

                    @Override
                    public void error(String line) {
                        seguraRaw.add(line);
                        job.entry(line);
                    }
                };
            }

            @Override
            public RuntimeVariables variables() {
                return new RuntimeVariables() {
                    @Override
                    public void addLocal(String name, String value) {
                        variables.put(name, value);
                    }

                    @Override
                    public void removeLocal(String name) {
                        variables.remove(name);
                    }
                };
            }

            @Override
            public Path workingDirectory() {
                return workingDirectory;
            }
        };
    }

    /** A Script task: {@code sh -c script} in the working directory with the job's variables; its output is logged. */
    Task script(String name, String script) {
        return job -> {
            ran.add(name);
            ProcessBuilder pb = new ProcessBuilder("sh", "-c", script).directory(workingDirectory.toFile())
                    .redirectErrorStream(true);
            Map<String, String> env = pb.environment();
            env.keySet().removeIf(k -> k.startsWith("bamboo_") || k.startsWith("SEGURA_"));
            variables.forEach((k, v) -> env.put("bamboo_" + k.replace('.', '_'), v));
            Process p = pb.start();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            p.getInputStream().transferTo(out);
            int code = p.waitFor();
            for (String line : out.toString(StandardCharsets.UTF_8).split("\n", -1)) {
                if (!line.isEmpty()) {
                    entry(line);
                }
            }
            entry("Script task " + name + " exited with " + code);
            return code == 0 ? TaskOutcome.SUCCESS : TaskOutcome.FAILED;
        };
    }

    String logText() {
        return String.join("\n", log);
    }

    String seguraText() {
        return String.join("\n", seguraRaw);
    }
}
