// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * GitHub Actions (PLATFORMS.md §1): the job token comes from the runner's token endpoint, values are masked with
 * {@code ::add-mask::} workflow commands and handed on through the runner's file commands ({@code GITHUB_ENV},
 * {@code GITHUB_OUTPUT}, {@code GITHUB_STATE}) with a random heredoc delimiter.
 *
 * @see <a href="https://docs.github.com/actions/reference/security/oidc">GitHub OIDC reference</a>
 */
public final class GitHubActions implements Platform {

    public static final String NAME = "github-actions";

    private static final Map<Integer, String> HINTS = Map.of(
            401, "ACTIONS_ID_TOKEN_REQUEST_TOKEN was not accepted (it is valid only inside the job that got it)",
            403, "the job may not request an id token: grant `permissions: id-token: write`");

    private final Supplier<String> delimiters;

    public GitHubActions() {
        this(() -> "ghadelimiter_" + UUID.randomUUID());
    }

    /** With a chosen delimiter source, for tests of the delimiter-collision check. */
    GitHubActions(Supplier<String> delimiters) {
        this.delimiters = Objects.requireNonNull(delimiters, "delimiters cannot be null");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean detect(JobEnvironment env) {
        return env.get("GITHUB_ACTIONS").filter("true"::equals).isPresent();
    }

    /**
     * GET {@code $ACTIONS_ID_TOKEN_REQUEST_URL&audience=…} with {@code Authorization: bearer
     * $ACTIONS_ID_TOKEN_REQUEST_TOKEN}; the answer's {@code value} is the token. The URL already carries
     * {@code ?api-version=…}, hence {@code &}. A null audience leaves GitHub's default (the owner's URL).
     */
    @Override
    public Identity identity(JobEnvironment env, String audience) throws IOException, PlatformException {
        var url = env.get("ACTIONS_ID_TOKEN_REQUEST_URL");
        var requestToken = env.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
        if (url.isEmpty() || requestToken.isEmpty()) {
            throw new PlatformException("GitHub Actions gave this job no OIDC token request"
                    + " (ACTIONS_ID_TOKEN_REQUEST_URL / ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set): add"
                    + " `permissions: id-token: write` to the workflow or the job. Pull requests from forks never"
                    + " get an id token; do not work around that with pull_request_target.");
        }
        String uri = url.get();
        if (audience != null) {
            uri += (uri.contains("?") ? "&" : "?") + "audience=" + encodeUriComponent(audience);
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(uri))
                .timeout(TokenEndpoint.TIMEOUT)
                .header("Authorization", "bearer " + requestToken.get())
                .header("Accept", "application/json")
                .GET()
                .build();
        return new Identity.OidcToken(TokenEndpoint.fetch(env.http(), request, "value", "GitHub Actions", HINTS));
    }

    /**
     * Writes one {@code ::add-mask::} per form (value, each line, each variant and each variant's lines), all
     * before returning, with the command data escaped ({@code %25 %0D %0A}) so a multi-line value cannot end the
     * command early and print the rest of itself in clear.
     */
    @Override
    public boolean maskNatively(JobEnvironment env, String value) {
        StringBuilder commands = new StringBuilder();
        for (String form : SecretForms.of(value)) {
            commands.append("::add-mask::").append(escapeData(form)).append('\n');
        }
        env.stdout().print(commands);
        env.stdout().flush();
        return true;
    }

    /** Masks the value, then appends it to {@code GITHUB_ENV} for the following steps. */
    @Override
    public String export(JobEnvironment env, String name, String value) throws IOException {
        return writeFileCommand(env, "GITHUB_ENV", name, value);
    }

    /** Masks the value, then sets step output {@code name} ({@code GITHUB_OUTPUT}). */
    public String setOutput(JobEnvironment env, String name, String value) throws IOException {
        return writeFileCommand(env, "GITHUB_OUTPUT", name, value);
    }

    /** Masks the value, then saves it for the action's {@code post} step ({@code GITHUB_STATE}, read as STATE_name). */
    public String saveState(JobEnvironment env, String name, String value) throws IOException {
        return writeFileCommand(env, "GITHUB_STATE", name, value);
    }

    /**
     * Saves a value that is no secret (the broker URL) for the post step, unmasked: a mask would hide it in every
     * later line of the job's log, and the URL is what a reader needs to see there.
     */
    public String savePublicState(JobEnvironment env, String name, String value) throws IOException {
        EnvFile.checkName(name);
        Path file = env.get("GITHUB_STATE").map(Path::of).orElseThrow(() -> new IOException(
                "GITHUB_STATE is not set: file commands need a GitHub Actions runner"));
        if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
            throw new IOException("the value of " + name + " is not one line; not written");
        }
        String delimiter = delimiters.get();
        if (value.contains(delimiter)) {
            throw new IOException("the value of " + name + " contains the heredoc delimiter; not written");
        }
        FileCommands.appendHeredoc(file, name, value, delimiter);
        return "GITHUB_STATE (" + name + ")";
    }

    @Override
    public Map<String, String> describe(JobEnvironment env) {
        return new RunFacts(env, NAME)
                .from("repository", "GITHUB_REPOSITORY")
                .from("repository_id", "GITHUB_REPOSITORY_ID")
                .from("owner", "GITHUB_REPOSITORY_OWNER")
                .from("owner_id", "GITHUB_REPOSITORY_OWNER_ID")
                .from("ref", "GITHUB_REF")
                .from("pipeline", "GITHUB_WORKFLOW_REF", "GITHUB_WORKFLOW")
                .from("workflow", "GITHUB_WORKFLOW")
                .from("run_id", "GITHUB_RUN_ID")
                .from("run_attempt", "GITHUB_RUN_ATTEMPT")
                .from("event", "GITHUB_EVENT_NAME")
                .from("actor", "GITHUB_ACTOR")
                .from("actor_id", "GITHUB_ACTOR_ID")
                .from("server", "GITHUB_SERVER_URL")
                .toMap();
    }

    private String writeFileCommand(JobEnvironment env, String fileVariable, String name, String value)
            throws IOException {
        EnvFile.checkName(name);
        Path file = env.get(fileVariable).map(Path::of).orElseThrow(() -> new IOException(fileVariable
                + " is not set: file commands need a GitHub Actions runner"));
        if (value.indexOf('\r') >= 0) {
            // The runner reads file commands line by line (CR, LF and CR LF all end a line): a CR cannot survive.
            throw new IOException("the value of " + name + " contains a carriage return, which " + fileVariable
                    + " cannot carry; use `segura-cli exec` or a file instead");
        }
        maskNatively(env, value);
        String delimiter = delimiters.get();
        if (value.contains(delimiter) || name.contains(delimiter)) {
            throw new IOException("the value of " + name + " contains the heredoc delimiter; not written");
        }
        FileCommands.appendHeredoc(file, name, value, delimiter);
        return fileVariable + " (" + name + ", masked)";
    }

    /** Workflow command data escaping of {@code @actions/core} ({@code toCommandValue} + {@code escapeData}). */
    static String escapeData(String s) {
        return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A");
    }

    /** Like JavaScript's {@code encodeURIComponent}, which {@code @actions/core} uses for the audience. */
    static String encodeUriComponent(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("%21", "!")
                .replace("%27", "'").replace("%28", "(").replace("%29", ")").replace("%7E", "~");
    }
}
