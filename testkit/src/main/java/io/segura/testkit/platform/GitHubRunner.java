// SPDX-License-Identifier: Apache-2.0
package io.segura.testkit.platform;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A GitHub Actions job step as the runner sets it up: the default variables, the file-command files
 * ({@code GITHUB_ENV}, {@code GITHUB_OUTPUT}, {@code GITHUB_STATE}, created empty per step) and — when the job has
 * {@code permissions: id-token: write} — the token request variables of a {@link GitHubTokenEndpoint}. It also reads
 * back what a step wrote the way the runner does: file commands ({@link #readFileCommands}) and
 * {@code ::add-mask::} workflow commands ({@link #masks}).
 */
public final class GitHubRunner {

    private final Path dir;
    private final Map<String, String> variables = new LinkedHashMap<>();

    private GitHubRunner(Path dir, GitHubTokenEndpoint endpoint) {
        this.dir = Objects.requireNonNull(dir, "dir cannot be null");
        try {
            Path commands = Files.createDirectories(dir.resolve("_runner_file_commands"));
            for (String file : List.of("GITHUB_ENV", "GITHUB_OUTPUT", "GITHUB_STATE", "GITHUB_STEP_SUMMARY")) {
                Path p = commands.resolve(file.toLowerCase(java.util.Locale.ROOT) + "_" + java.util.UUID.randomUUID());
                Files.createFile(p);
                variables.put(file, p.toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        variables.put("CI", "true");
        variables.put("GITHUB_ACTIONS", "true");
        variables.put("GITHUB_REPOSITORY", "octo-org/octo-repo");
        variables.put("GITHUB_REPOSITORY_ID", "74");
        variables.put("GITHUB_REPOSITORY_OWNER", "octo-org");
        variables.put("GITHUB_REPOSITORY_OWNER_ID", "65");
        variables.put("GITHUB_REF", "refs/heads/main");
        variables.put("GITHUB_REF_NAME", "main");
        variables.put("GITHUB_SHA", "ffac537e6cbbf934b08745a378932722df287a53");
        variables.put("GITHUB_WORKFLOW", "deploy");
        variables.put("GITHUB_WORKFLOW_REF", "octo-org/octo-repo/.github/workflows/deploy.yml@refs/heads/main");
        variables.put("GITHUB_RUN_ID", "1658821493");
        variables.put("GITHUB_RUN_ATTEMPT", "1");
        variables.put("GITHUB_EVENT_NAME", "push");
        variables.put("GITHUB_ACTOR", "octocat");
        variables.put("GITHUB_ACTOR_ID", "12");
        variables.put("GITHUB_SERVER_URL", "https://github.com");
        variables.put("GITHUB_WORKSPACE", dir.toString());
        variables.put("RUNNER_TEMP", dir.toString());
        if (endpoint != null) {
            variables.put("ACTIONS_ID_TOKEN_REQUEST_URL", endpoint.requestUrl());
            variables.put("ACTIONS_ID_TOKEN_REQUEST_TOKEN", endpoint.requestToken());
        }
    }

    /** A step of a job with {@code permissions: id-token: write}, whose token requests go to {@code endpoint}. */
    public static GitHubRunner withIdToken(Path dir, GitHubTokenEndpoint endpoint) {
        return new GitHubRunner(dir, Objects.requireNonNull(endpoint, "endpoint cannot be null"));
    }

    /** A step of a job without {@code id-token: write} (or a fork pull request): no token request variables. */
    public static GitHubRunner withoutIdToken(Path dir) {
        return new GitHubRunner(dir, null);
    }

    /** The step's environment (a fresh mutable copy). */
    public Map<String, String> variables() {
        return new LinkedHashMap<>(variables);
    }

    public Path envFile() {
        return Path.of(variables.get("GITHUB_ENV"));
    }

    public Path outputFile() {
        return Path.of(variables.get("GITHUB_OUTPUT"));
    }

    public Path stateFile() {
        return Path.of(variables.get("GITHUB_STATE"));
    }

    /**
     * Parses a file-command file as the runner does after a step ({@code SetEnvFileCommand}): lines are read with
     * .NET {@code ReadLine} semantics (CR, LF and CR LF end a line); empty lines are skipped; {@code NAME=VALUE} when
     * {@code =} comes before any {@code <<}, else {@code NAME<<DELIMITER} followed by value lines up to a line equal
     * to the delimiter, joined with LF. A missing delimiter or empty name fails like the runner fails the step.
     */
    public static Map<String, String> readFileCommands(Path file) {
        try {
            return parseFileCommands(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, String> parseFileCommands(String content) {
        Map<String, String> result = new LinkedHashMap<>();
        List<String> lines = dotNetLines(content);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isEmpty()) {
                continue;
            }
            int equals = line.indexOf('=');
            int heredoc = line.indexOf("<<");
            if (equals >= 0 && (heredoc < 0 || equals < heredoc)) {
                String name = line.substring(0, equals);
                requireName(name, line);
                result.put(name, line.substring(equals + 1));
            } else if (heredoc > 0 && heredoc + 2 < line.length()) {
                String name = line.substring(0, heredoc);
                String delimiter = line.substring(heredoc + 2);
                List<String> value = new ArrayList<>();
                int j = i + 1;
                while (j < lines.size() && !lines.get(j).equals(delimiter)) {
                    value.add(lines.get(j));
                    j++;
                }
                if (j >= lines.size()) {
                    throw new IllegalStateException("Matching delimiter not found '" + delimiter + "'");
                }
                result.put(name, String.join("\n", value));
                i = j;
            } else {
                throw new IllegalStateException("Invalid format '" + line + "'");
            }
        }
        return result;
    }

    private static void requireName(String name, String line) {
        if (name.isEmpty()) {
            throw new IllegalStateException("Invalid format '" + line + "'. Name must not be empty");
        }
    }

    private static List<String> dotNetLines(String content) {
        List<String> lines = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new StringReader(content))) {
            // BufferedReader.readLine has the same terminators as .NET ReadLine: LF, CR, CR LF.
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lines.add(line);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return lines;
    }

    /**
     * The values a step registered with {@code ::add-mask::} on its stdout, unescaped as the runner does
     * ({@code %0D}, {@code %0A}, then {@code %25}), in order.
     */
    public static List<String> masks(String stdout) {
        List<String> masks = new ArrayList<>();
        for (String line : dotNetLines(stdout)) {
            String trimmed = line.strip();
            if (trimmed.startsWith("::add-mask::")) {
                masks.add(unescapeData(trimmed.substring("::add-mask::".length())));
            }
        }
        return masks;
    }

    /** The lines of stdout that are not workflow commands, i.e. what the log would show. */
    public static List<String> logLines(String stdout) {
        return dotNetLines(stdout).stream().filter(l -> !l.strip().startsWith("::")).toList();
    }

    static String unescapeData(String s) {
        return s.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%");
    }
}
