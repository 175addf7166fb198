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

    private SessionState() {
    }

    static Path file(CliContext ctx, Path option) {
        if (option != null) {
            return ctx.workDir().resolve(option);
        }
        String env = ctx.env().get("SEGURA_STATE_FILE");
        return ctx.workDir().resolve(env == null || env.isBlank() ? DEFAULT_FILE : env);
    }

    static void write(Path file, String url, Session session) throws IOException {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("url", url);
        state.put("session", session.token());
        state.put("expires_at", session.expiresAt().toString());
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".segura-session", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, Json.write(state) + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** What a state file holds; {@code toString()} hides the token. */
    record Stored(String url, String session) {
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
            return Optional.of(new Stored(Json.optionalString(o, "url"), Json.string(o, "session")));
        } catch (JsonException e) {
            throw new IOException("state file " + file + " is not a segura session state: " + e.getMessage());
        }
    }
}
