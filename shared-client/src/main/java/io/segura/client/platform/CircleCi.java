// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * CircleCI (PLATFORMS.md §5): every job gets {@code CIRCLE_OIDC_TOKEN_V2} (audience = the organization id); a token
 * for another audience only comes from {@code circleci run oidc get --claims '{"aud":"…"}'}, used when the CircleCI
 * CLI is on the PATH. CircleCI cannot mask values obtained at run time, and {@code $BASH_ENV} would print exported
 * values under {@code set -x}, so values go to a 0600 env file instead.
 */
public final class CircleCi implements Platform {

    public static final String NAME = "circleci";

    private static final long CLI_TIMEOUT_SECONDS = 60;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean detect(JobEnvironment env) {
        return env.get("CIRCLECI").filter("true"::equals).isPresent();
    }

    @Override
    public Identity identity(JobEnvironment env, String audience) throws IOException, PlatformException {
        Optional<Path> cli = audience == null ? Optional.empty() : findOnPath(env, "circleci");
        if (cli.isPresent()) {
            return new Identity.OidcToken(mintWithCli(env, cli.get(), audience));
        }
        var token = env.get("CIRCLE_OIDC_TOKEN_V2").or(() -> env.get("CIRCLE_OIDC_TOKEN"));
        if (token.isEmpty()) {
            throw new PlatformException("CIRCLE_OIDC_TOKEN_V2 is not set: CircleCI injects it into jobs of"
                    + " CircleCI cloud and server 4.4+; fork pull requests get it only when \"Pass secrets to builds"
                    + " from forked pull requests\" is on");
        }
        if (audience != null) {
            env.stdout().println("segura: the circleci CLI is not on the PATH, so the job's default token is used;"
                    + " its audience is the CircleCI organization id"
                    + env.get("CIRCLE_ORGANIZATION_ID").map(id -> " (" + id + ")").orElse("")
                    + ", which the broker's circleci issuer must accept");
        }
        return new Identity.OidcToken(token.get());
    }

    /** CircleCI has no command to mask a value at run time: run the consumer under {@code segura-cli exec}. */
    @Override
    public boolean maskNatively(JobEnvironment env, String value) {
        return false;
    }

    /**
     * Appends {@code export NAME='value'} to the 0600 file {@code .segura/segura.env} below the working directory;
     * a later {@code run} step sources it. Not {@code $BASH_ENV}: CircleCI sources that file before every step of
     * every shell, where {@code set -x} or a debugging SSH session shows the values.
     */
    @Override
    public String export(JobEnvironment env, String name, String value) throws IOException {
        Path file = EnvFile.append(env.workDir().resolve(EnvFile.DEFAULT_RELATIVE_PATH), name, value);
        return file + " (0600, source it in a later step; not $BASH_ENV, which would expose values)";
    }

    @Override
    public Map<String, String> describe(JobEnvironment env) {
        return new RunFacts(env, NAME)
                .value("repository", env.get("CIRCLE_PROJECT_USERNAME")
                        .flatMap(u -> env.get("CIRCLE_PROJECT_REPONAME").map(r -> u + "/" + r)).orElse(null))
                .from("repository_url", "CIRCLE_REPOSITORY_URL")
                .from("project_id", "CIRCLE_PROJECT_ID")
                .from("owner_id", "CIRCLE_ORGANIZATION_ID")
                .value("ref", env.get("CIRCLE_TAG").map(t -> "refs/tags/" + t)
                        .or(() -> env.get("CIRCLE_BRANCH").map(b -> "refs/heads/" + b)).orElse(null))
                .from("pipeline", "CIRCLE_WORKFLOW_ID")
                .from("job", "CIRCLE_JOB")
                .from("run_id", "CIRCLE_BUILD_NUM")
                .from("actor", "CIRCLE_USERNAME")
                .toMap();
    }

    /** Runs the CLI with the job's environment; the token is read from its stdout and never echoed. */
    private static String mintWithCli(JobEnvironment env, Path cli, String audience)
            throws IOException, PlatformException {
        String claims = "{\"aud\":" + jsonString(audience) + "}";
        ProcessBuilder builder = new ProcessBuilder(cli.toString(), "run", "oidc", "get", "--claims", claims)
                .directory(env.workDir().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File(nullDevice())));
        builder.environment().clear();
        builder.environment().putAll(env.variables());
        Process process = builder.start();
        CompletableFuture<byte[]> stderr = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
        String stdout = new String(readAll(process.getInputStream()), StandardCharsets.UTF_8).trim();
        try {
            if (!process.waitFor(CLI_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new PlatformException("`circleci run oidc get` did not finish within "
                        + CLI_TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running `circleci run oidc get`", e);
        }
        if (process.exitValue() != 0 || stdout.isEmpty()) {
            String error = new String(stderr.join(), StandardCharsets.UTF_8).strip();
            throw new PlatformException("`circleci run oidc get --claims '" + claims + "'` failed with exit code "
                    + process.exitValue() + (error.isEmpty() ? "" : ": " + firstLine(error)));
        }
        return stdout;
    }

    static Optional<Path> findOnPath(JobEnvironment env, String executable) {
        String path = env.get("PATH").orElse("");
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            for (String name : List.of(executable, executable + ".exe")) {
                Path candidate = Path.of(dir).resolve(name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    private static byte[] readAll(InputStream in) {
        try (in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        } catch (IOException e) {
            return new byte[0];
        }
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }

    private static String nullDevice() {
        return File.separatorChar == '\\' ? "NUL" : "/dev/null";
    }

    /** A JSON string literal (RFC 8259 §7): quotes, backslashes and control characters escaped. */
    static String jsonString(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
