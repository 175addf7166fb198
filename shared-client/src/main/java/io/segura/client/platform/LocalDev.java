// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

import io.segura.client.json.Json;
import io.segura.client.json.JsonException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A developer's machine, where no CI platform is detected. Identity: {@code SEGURA_ID_TOKEN}, else
 * {@code SEGURA_CLIENT_ID}/{@code SEGURA_CLIENT_SECRET}, else — when {@code SEGURA_URL} is a dev broker
 * ({@code segura-broker --dev}) — a token from its dev issuer for {@code sub=dev:$USER}, so {@code segura-cli exec}
 * works against a dev broker with nothing set but {@code SEGURA_URL}. No native masking. Export: one 0600 file per
 * variable under {@code SEGURA_EXPORT_DIR}, else {@code NAME='value'} lines in a 0600 dotenv file
 * ({@code SEGURA_ENV_FILE}, default {@code .segura.env} in the working directory).
 */
public final class LocalDev implements Platform {

    public static final String NAME = "local";

    @Override
    public String name() {
        return NAME;
    }

    /** Anywhere that does not say it is CI; {@link Platforms#detect} also falls back to this platform. */
    @Override
    public boolean detect(JobEnvironment env) {
        return env.get("CI").map(v -> v.equalsIgnoreCase("false")).orElse(true);
    }

    @Override
    public Identity identity(JobEnvironment env, String audience) throws IOException, PlatformException {
        var idToken = env.get("SEGURA_ID_TOKEN");
        if (idToken.isPresent()) {
            return new Identity.OidcToken(idToken.get().trim());
        }
        var clientId = env.get("SEGURA_CLIENT_ID");
        var clientSecret = env.get("SEGURA_CLIENT_SECRET");
        if (clientId.isPresent() && clientSecret.isPresent()) {
            return new Identity.ClientSecret(clientId.get(), clientSecret.get());
        }
        var url = env.get("SEGURA_URL");
        if (url.isEmpty()) {
            throw new PlatformException("no CI platform detected (SEGURA_PLATFORM names one) and no credentials:"
                    + " set SEGURA_ID_TOKEN, or SEGURA_CLIENT_ID and SEGURA_CLIENT_SECRET, or point SEGURA_URL at a dev"
                    + " broker");
        }
        return devToken(env, url.get());
    }

    /** {@code POST $SEGURA_URL/dev/oidc/token sub=dev:$USER}: only a {@code --dev} broker answers it. */
    private static Identity devToken(JobEnvironment env, String url) throws IOException, PlatformException {
        String user = env.get("USER").or(() -> env.get("USERNAME")).orElse("local");
        String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/dev/oidc/token"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("sub=" + URLEncoder.encode("dev:" + user,
                        StandardCharsets.UTF_8)))
                .build();
        HttpResponse<String> response;
        try {
            response = env.http().send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while asking the dev issuer for a token", e);
        }
        if (response.statusCode() == 404) {
            throw new PlatformException("no CI platform detected, no SEGURA_ID_TOKEN or SEGURA_CLIENT_ID set, and "
                    + base + " is not a dev broker (no /dev/oidc/token)");
        }
        if (response.statusCode() != 200) {
            throw new PlatformException("the dev issuer at " + base + "/dev/oidc/token answered HTTP "
                    + response.statusCode());
        }
        try {
            return new Identity.OidcToken(Json.string(Json.parseObject(response.body()), "id_token"));
        } catch (JsonException e) {
            throw new PlatformException("the dev issuer's answer has no id_token: " + e.getMessage());
        }
    }

    @Override
    public boolean maskNatively(JobEnvironment env, String value) {
        return false;
    }

    @Override
    public String export(JobEnvironment env, String name, String value) throws IOException {
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("\"" + name + "\" is not a valid variable name");
        }
        var dir = env.get("SEGURA_EXPORT_DIR");
        if (dir.isPresent()) {
            Path d = env.workDir().resolve(dir.get());
            Files.createDirectories(d);
            Path file = d.resolve(name);
            Path tmp = Files.createTempFile(d, "." + name, ".tmp", PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, value, StandardCharsets.UTF_8);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return "wrote " + name + " to " + file + " (0600)";
        }
        Path file = env.workDir().resolve(env.get("SEGURA_ENV_FILE").orElse(".segura.env"));
        if (!Files.exists(file)) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        Files.writeString(file, name + "=" + shellQuote(value) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        return "appended " + name + " to " + file + " (0600, source it with `set -a; . " + file + "; set +a`)";
    }

    static String shellQuote(String value) {
        return EnvFile.singleQuoted(value);
    }

    @Override
    public Map<String, String> describe(JobEnvironment env) {
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("platform", NAME);
        env.get("USER").or(() -> env.get("USERNAME")).ifPresent(u -> facts.put("actor", u));
        env.get("HOSTNAME").ifPresent(h -> facts.put("host", h));
        facts.put("working_dir", env.workDir().toString());
        return facts;
    }
}
