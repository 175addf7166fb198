// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import io.segura.client.Session;
import io.segura.client.json.Json;
import io.segura.client.json.JsonException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where {@code fetch} leaves its session for a later {@code revoke} (e.g. a post-job step): {@code --state-file},
 * else {@code SEGURA_STATE_FILE}, else {@code .segura-session} in the working directory. A 0600 JSON file
 * {@code {"url", "session", "expires_at"}}; {@code revoke} also takes the token from {@code SEGURA_SESSION_TOKEN}.
 */
final class SessionState {

    static final String DEFAULT_FILE = ".segura-session";

    /** GitHub Action state names ({@code fetch --github-action}); the post step reads {@code STATE_<name>}. */
    static final String GITHUB_STATE_SESSION = "SEGURA_SESSION";
    static final String GITHUB_STATE_URL = "SEGURA_URL";
    /** The private directory of SSH certificates' files (no secret: a path), which revoke deletes. */
    static final String GITHUB_STATE_SSH_DIR = "SEGURA_SSH_DIR";

    private SessionState() {
    }

    static Path file(CliContext ctx, Path option) {
        if (option != null) {
            return ctx.workDir().resolve(option);
        }
        String env = ctx.env().get("SEGURA_STATE_FILE");
        return ctx.workDir().resolve(env == null || env.isBlank() ? DEFAULT_FILE : env);
    }

    /**
     * The state file a command that ends before the job keeps its session in because it holds dynamic secrets
     * (export, get, inject): refused when it already holds a session, which would then never be revoked.
     */
    static Path unused(CliContext ctx, Path option, String command) throws io.segura.client.ConfigException {
        Path file = file(ctx, option);
        if (Files.exists(file)) {
            throw new io.segura.client.ConfigException("`segura-cli " + command + "` with dynamic secrets keeps its"
                    + " session in " + file + ", which already holds one: run `segura-cli revoke` first, or give"
                    + " --state-file another file (and revoke each)");
        }
        return file;
    }

    /**
     * Keeps the session of export, get or inject when it holds dynamic secrets: revoking it now would drop the
     * credentials just handed out, so {@code segura-cli revoke} does when the job ends (or their TTL ends them).
     */
    static void keep(Path file, Connection c, Session session, Path sshDir, java.io.PrintWriter err)
            throws IOException {
        write(file, c.config.url().toString(), session, sshDir);
        err.println("segura-cli: session kept in " + file + " until " + session.expiresAt() + ": the dynamic"
                + " secrets stay valid until `segura-cli revoke` (run it when the job ends) or their TTL");
    }

    static void write(Path file, String url, Session session) throws IOException {
        write(file, url, session, null);
    }

    /** @param sshDir the private directory of SSH certificates' files, which revoke deletes; or null */
    static void write(Path file, String url, Session session, Path sshDir) throws IOException {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("url", url);
        state.put("session", session.token());
        state.put("expires_at", session.expiresAt().toString());
        if (sshDir != null) {
            state.put("ssh_dir", sshDir.toAbsolutePath().toString());
        }
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".segura-session", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, Json.write(state) + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** What a state file holds; {@code toString()} hides the token. */
    record Stored(String url, String session, String sshDir) {
        @Override
        public String toString() {
            return "Stored[" + url + ", <redacted>]";
        }
    }

    /** The session stored in {@code file} as the client's session ({@code exec --state-file}), if the file exists. */
    static Optional<Session> session(Path file) throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            Map<String, Object> o = Json.parseObject(Files.readString(file, StandardCharsets.UTF_8));
            return Optional.of(new Session(Json.string(o, "session"), Instant.parse(Json.string(o, "expires_at")),
                    null));
        } catch (JsonException | DateTimeParseException e) {
            throw new IOException("state file " + file + " is not a segura session state: " + e.getMessage());
        }
    }

    /** The session stored in {@code file}, if the file exists. */
    static Optional<Stored> read(Path file) throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            Map<String, Object> o = Json.parseObject(Files.readString(file, StandardCharsets.UTF_8));
            return Optional.of(new Stored(Json.optionalString(o, "url"), Json.string(o, "session"),
                    Json.optionalString(o, "ssh_dir")));
        } catch (JsonException e) {
            throw new IOException("state file " + file + " is not a segura session state: " + e.getMessage());
        }
    }
}
