// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.jenkins.library;

import groovy.lang.Binding;
import groovy.lang.Closure;
import groovy.lang.GroovyClassLoader;
import groovy.lang.GroovyObjectSupport;
import groovy.lang.Script;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.codehaus.groovy.runtime.MethodClosure;

/**
 * A <strong>simulator</strong> of a Jenkins Pipeline run on one Unix agent, just enough to execute a Pipeline shared
 * library ({@code vars/*.groovy} global variables, {@code src/} classes) and a Jenkinsfile with Groovy. It is not
 * Jenkins; it is built from Jenkins' documented step semantics:
 * <ul>
 * <li>{@code sh}: the string form {@code sh 'script'} and the named-argument form ({@code script}, {@code returnStdout},
 * {@code returnStatus}, {@code encoding}, {@code label}). The script really runs: written to a file in the workspace's
 * {@code @tmp} directory and run as {@code sh -xe script.sh} in the current directory, or executed directly when it
 * starts with {@code #!} (as durable-task does). stdout and stderr go to the build log; with {@code returnStdout} the
 * step returns stdout (untrimmed, decoded with {@code encoding}, default UTF-8 as this agent's default) and only
 * stderr is logged. A non-zero exit fails the step with {@code script returned exit code N} unless
 * {@code returnStatus}, which returns the code.</li>
 * <li>{@code withEnv(['K=V', 'PATH+X=/dir'])}: scoped to its block, restored on exceptions; {@code PATH+X} prepends.
 * The {@code env} global reads the current block's environment and {@code env.K = 'v'} sets a run-wide variable.</li>
 * <li>{@code withCredentials([usernamePassword(…), string(…)])} with an in-memory credentials store: the variables
 * exist inside the block only and their values are replaced by {@code ****} in the log written meanwhile (what
 * credentials-binding does); an unknown id fails with {@code Could not find credentials entry with ID '…'}.</li>
 * <li>{@code error} (an {@link AbortException}), {@code echo}, {@code isUnix} (true), {@code pwd} ({@code tmp: true}:
 * {@code <workspace>@tmp}), {@code dir}, {@code stage}, {@code fileExists}, {@code readFile}, {@code writeFile}
 * (creating parent directories).</li>
 * <li>Closures resolve names as plain Groovy does, which is what CPS Groovy emulates: a body whose
 * {@code resolveStrategy} is {@code DELEGATE_FIRST} sends {@code sh} to its delegate, and so do closures nested in it
 * (their owner is the body).</li>
 * </ul>
 * Not simulated: the CPS transform itself (its restrictions, serialization of the program state, resuming after a
 * controller restart), the script-security sandbox, Jenkins' Groovy 2.4 runtime (this runs Groovy 5), build
 * abort/interruption, parallel branches, {@code bat} (no Windows here: it fails), {@code sh} with both
 * {@code returnStdout} and {@code returnStatus}, and any other step.
 */
final class PipelineSimulator {

    /** What Jenkins' {@code error} step and a failing {@code sh} throw ({@code hudson.AbortException}). */
    static final class AbortException extends IOException {
        AbortException(String message) {
            super(message);
        }
    }

    /** The build: its console log, the exception that failed it (or null), and the Jenkinsfile's value. */
    record Result(String log, Throwable failure, Object value) {
        boolean success() {
            return failure == null;
        }
    }

    private final Path libraryDir;
    private final Path workspace;
    private final Map<String, String> agentEnv;
    private final Map<String, Map<String, String>> credentials = new LinkedHashMap<>();
    private final Map<String, String> runEnv = new LinkedHashMap<>();
    private final Deque<List<String>> blockEnv = new ArrayDeque<>();
    private final Deque<List<String>> masked = new ArrayDeque<>();
    private final StringBuilder log = new StringBuilder();
    private Path cwd;
    private int scripts;

    /**
     * @param libraryDir the library's root ({@code vars/}, {@code src/})
     * @param workspace  the build's workspace on the agent
     * @param agentEnv   the agent's environment for {@code sh} (PATH, JAVA_HOME, Jenkins' build variables…)
     */
    PipelineSimulator(Path libraryDir, Path workspace, Map<String, String> agentEnv) throws IOException {
        this.libraryDir = libraryDir;
        this.workspace = Files.createDirectories(workspace);
        this.cwd = workspace;
        this.agentEnv = new LinkedHashMap<>(agentEnv);
        this.agentEnv.put("WORKSPACE", workspace.toString());
    }

    /** A "Username with password" credential. */
    PipelineSimulator usernamePassword(String id, String username, String password) {
        credentials.put(id, Map.of("username", username, "password", password));
        return this;
    }

    /** A "Secret text" credential (the oidc-provider id token credential is one). */
    PipelineSimulator secretText(String id, String secret) {
        credentials.put(id, Map.of("secret", secret));
        return this;
    }

    /** Runs a Jenkinsfile (scripted Pipeline) with the library's global variables loaded. */
    Result run(String jenkinsfile) throws IOException {
        try (GroovyClassLoader loader = new GroovyClassLoader(getClass().getClassLoader())) {
            loader.addClasspath(libraryDir.resolve("src").toString());
            Map<String, Object> globals = new LinkedHashMap<>();
            try (var vars = Files.list(libraryDir.resolve("vars"))) {
                for (Path file : vars.filter(p -> p.toString().endsWith(".groovy")).sorted().toList()) {
                    Script global = (Script) loader.parseClass(file.toFile()).getDeclaredConstructor().newInstance();
                    global.setBinding(binding(globals));
                    String name = file.getFileName().toString().replaceFirst("\\.groovy$", "");
                    globals.put(name, new MethodClosure(global, "call"));
                }
            } catch (ReflectiveOperationException e) {
                throw new IOException("cannot load the library's vars/", e);
            }
            Script script = (Script) loader.parseClass(jenkinsfile, "Jenkinsfile").getDeclaredConstructor()
                    .newInstance();
            script.setBinding(binding(globals));
            Object value = null;
            Throwable failure = null;
            try {
                value = script.run();
            } catch (Throwable t) {
                failure = t;
                append("ERROR: " + t.getMessage() + "\n");
            }
            append("Finished: " + (failure == null ? "SUCCESS" : "FAILURE") + "\n");
            return new Result(log.toString(), failure, value);
        } catch (ReflectiveOperationException e) {
            throw new IOException("cannot instantiate the Jenkinsfile", e);
        }
    }

    private Binding binding(Map<String, Object> globals) {
        Binding b = new Binding();
        Steps steps = new Steps();
        for (String name : List.of("sh", "bat", "withEnv", "withCredentials", "usernamePassword", "string", "echo",
                "error", "isUnix", "pwd", "dir", "stage", "fileExists", "readFile", "writeFile")) {
            b.setVariable(name, new MethodClosure(steps, name));
        }
        b.setVariable("env", new EnvGlobal());
        globals.forEach(b::setVariable);
        return b;
    }

    /** The environment a step sees now: agent, run-wide {@code env.X = …}, then enclosing blocks inside out. */
    Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>(agentEnv);
        env.putAll(runEnv);
        List<List<String>> outerFirst = new ArrayList<>(blockEnv);
        java.util.Collections.reverse(outerFirst);
        for (List<String> block : outerFirst) {
            for (String kv : block) {
                int eq = kv.indexOf('=');
                String key = kv.substring(0, eq);
                String value = kv.substring(eq + 1);
                int plus = key.indexOf('+');
                if (plus > 0) {
                    // EnvVars.override: "PATH+XYZ=/dir" prepends to PATH
                    String base = key.substring(0, plus);
                    String old = env.get(base);
                    env.put(base, old == null || old.isEmpty() ? value : value + ":" + old);
                } else {
                    env.put(key, value);
                }
            }
        }
        return env;
    }

    private synchronized void append(String text) {
        String shown = text;
        for (List<String> values : masked) {
            for (String v : values) {
                if (!v.isEmpty()) {
                    shown = shown.replace(v, "****");
                }
            }
        }
        log.append(shown);
    }

    /** The {@code env} global variable. */
    final class EnvGlobal extends GroovyObjectSupport {
        @Override
        public Object getProperty(String name) {
            return environment().get(name);
        }

        @Override
        public void setProperty(String name, Object value) {
            runEnv.put(name, value == null ? null : value.toString());
        }
    }

    /** One binding's credentials: what {@code usernamePassword(…)} and {@code string(…)} return. */
    record CredentialBinding(String credentialsId, Map<String, String> variableByField) {
    }

    /** The steps; Groovy picks the overload as it picks a step's argument form. */
    public final class Steps {

        public Object sh(CharSequence script) throws IOException, InterruptedException {
            return sh(Map.of("script", script));
        }

        public Object sh(Map<String, Object> args) throws IOException, InterruptedException {
            Object script = args.get("script");
            if (script == null) {
                throw new IllegalArgumentException("sh: missing required parameter script");
            }
            boolean returnStdout = Boolean.TRUE.equals(args.get("returnStdout"));
            boolean returnStatus = Boolean.TRUE.equals(args.get("returnStatus"));
            if (returnStdout && returnStatus) {
                throw new UnsupportedOperationException("simulator: returnStdout with returnStatus is not simulated");
            }
            Charset encoding = args.get("encoding") == null ? StandardCharsets.UTF_8
                    : Charset.forName(args.get("encoding").toString());
            append("[Pipeline] sh" + (args.get("label") == null ? "" : " (" + args.get("label") + ")") + "\n");
            Path dir = Files.createDirectories(Path.of(workspace + "@tmp", "durable-" + (++scripts)));
            Path file = dir.resolve("script.sh");
            String text = script.toString();
            Files.writeString(file, text, StandardCharsets.UTF_8);
            List<String> command;
            if (text.startsWith("#!")) {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
                command = List.of(file.toString());
            } else {
                command = List.of("sh", "-xe", file.toString());
            }
            ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile());
            pb.environment().clear();
            environment().forEach((k, v) -> {
                if (v != null) {
                    pb.environment().put(k, v);
                }
            });
            Path stderr = dir.resolve("stderr");
            if (returnStdout) {
                pb.redirectError(stderr.toFile());
            } else {
                pb.redirectErrorStream(true);
            }
            pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            Process p = pb.start();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            p.getInputStream().transferTo(out);
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AbortException("simulator: sh did not end within 10 minutes");
            }
            int code = p.exitValue();
            if (returnStdout) {
                append(Files.readString(stderr, encoding));
            } else {
                append(out.toString(encoding));
            }
            if (returnStatus) {
                return code;
            }
            if (code != 0) {
                throw new AbortException("script returned exit code " + code);
            }
            return returnStdout ? out.toString(encoding) : null;
        }

        public Object bat(Object args) {
            throw new UnsupportedOperationException("simulator: bat is not simulated (no Windows agent here)");
        }

        public Object withEnv(List<?> overrides, Closure<?> body) {
            List<String> vars = new ArrayList<>();
            for (Object o : overrides) {
                String kv = o.toString();
                if (kv.indexOf('=') <= 0) {
                    throw new IllegalArgumentException("withEnv: " + kv + " is not KEY=VALUE");
                }
                vars.add(kv);
            }
            append("[Pipeline] withEnv\n");
            blockEnv.push(vars);
            try {
                return body.call();
            } finally {
                blockEnv.pop();
            }
        }

        public CredentialBinding usernamePassword(Map<String, Object> args) {
            return new CredentialBinding(args.get("credentialsId").toString(), Map.of(
                    "username", args.get("usernameVariable").toString(),
                    "password", args.get("passwordVariable").toString()));
        }

        public CredentialBinding string(Map<String, Object> args) {
            return new CredentialBinding(args.get("credentialsId").toString(),
                    Map.of("secret", args.get("variable").toString()));
        }

        public Object withCredentials(List<CredentialBinding> bindings, Closure<?> body) throws AbortException {
            List<String> vars = new ArrayList<>();
            List<String> values = new ArrayList<>();
            for (CredentialBinding binding : bindings) {
                Map<String, String> credential = credentials.get(binding.credentialsId());
                if (credential == null || !credential.keySet().containsAll(binding.variableByField().keySet())) {
                    throw new AbortException("Could not find credentials entry with ID '" + binding.credentialsId()
                            + "'");
                }
                binding.variableByField().forEach((field, variable) -> {
                    vars.add(variable + "=" + credential.get(field));
                    values.add(credential.get(field));
                });
            }
            append("[Pipeline] withCredentials\n");
            masked.push(values);
            blockEnv.push(vars);
            try {
                return body.call();
            } finally {
                blockEnv.pop();
                masked.pop();
            }
        }

        public void echo(Object message) {
            append("[Pipeline] echo\n" + message + "\n");
        }

        public void error(Object message) throws AbortException {
            append("[Pipeline] error\n");
            throw new AbortException(String.valueOf(message));
        }

        public boolean isUnix() {
            return true;
        }

        public String pwd() {
            return cwd.toString();
        }

        public String pwd(Map<String, Object> args) throws IOException {
            if (Boolean.TRUE.equals(args.get("tmp"))) {
                return Files.createDirectories(Path.of(cwd + "@tmp")).toString();
            }
            return pwd();
        }

        public Object dir(CharSequence path, Closure<?> body) throws IOException {
            Path before = cwd;
            cwd = Files.createDirectories(cwd.resolve(path.toString()));
            try {
                return body.call();
            } finally {
                cwd = before;
            }
        }

        public Object stage(CharSequence name, Closure<?> body) {
            append("[Pipeline] { (" + name + ")\n");
            try {
                return body.call();
            } finally {
                append("[Pipeline] }\n");
            }
        }

        public boolean fileExists(CharSequence file) {
            return Files.exists(cwd.resolve(file.toString()));
        }

        public String readFile(CharSequence file) throws IOException {
            return readFile(Map.of("file", file));
        }

        public String readFile(Map<String, Object> args) throws IOException {
            Charset cs = args.get("encoding") == null ? StandardCharsets.UTF_8
                    : Charset.forName(args.get("encoding").toString());
            return Files.readString(cwd.resolve(args.get("file").toString()), cs);
        }

        public void writeFile(Map<String, Object> args) throws IOException {
            Charset cs = args.get("encoding") == null ? StandardCharsets.UTF_8
                    : Charset.forName(args.get("encoding").toString());
            Path file = cwd.resolve(args.get("file").toString());
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, args.get("text").toString(), cs);
        }
    }
}
