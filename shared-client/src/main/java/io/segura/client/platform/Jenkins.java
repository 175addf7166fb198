// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Jenkins (PLATFORMS.md §3) as seen from a build step: the identity is an oidc-provider id token bound with
 * {@code withCredentials} ({@code SEGURA_ID_TOKEN}, or the "as file" credential's path in {@code SEGURA_TOKEN_FILE}),
 * else OAuth 2.0 client credentials or a client certificate. Masking belongs to the Segura Jenkins plugin (its
 * console decorator masks every form of every value), not to a process inside the build; exports go to a 0600 file.
 */
public final class Jenkins implements Platform {

    public static final String NAME = "jenkins";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean detect(JobEnvironment env) {
        return env.get("JENKINS_URL").isPresent() && env.get("BUILD_NUMBER").isPresent();
    }

    /** The id token is minted with the credential's own audience; {@code audience} only shapes the hint. */
    @Override
    public Identity identity(JobEnvironment env, String audience) throws IOException, PlatformException {
        var token = env.get("SEGURA_ID_TOKEN");
        if (token.isPresent()) {
            return new Identity.OidcToken(token.get());
        }
        var tokenFile = env.get("SEGURA_TOKEN_FILE");
        if (tokenFile.isPresent()) {
            return new Identity.OidcToken(Files.readString(Path.of(tokenFile.get()), StandardCharsets.UTF_8).strip());
        }
        return ClientIdentities.from(env, "").orElseThrow(() -> new PlatformException(
                "no identity for the broker in this Jenkins build: bind an oidc-provider \"OpenID Connect id"
                        + " token\" credential" + (audience == null ? "" : " with audience " + audience)
                        + " as SEGURA_ID_TOKEN (withCredentials([string(credentialsId: '…', variable:"
                        + " 'SEGURA_ID_TOKEN')])), or set SEGURA_CLIENT_ID with SEGURA_CLIENT_SECRET (or"
                        + " SEGURA_CLIENT_CERT and SEGURA_CLIENT_KEY)"));
    }

    /** The Jenkins plugin masks the console through its TaskListenerDecorator; a build process cannot. */
    @Override
    public boolean maskNatively(JobEnvironment env, String value) {
        return false;
    }

    @Override
    public String export(JobEnvironment env, String name, String value) throws IOException {
        Path file = EnvFile.append(env.workDir().resolve(EnvFile.DEFAULT_RELATIVE_PATH), name, value);
        return file + " (0600 in the workspace; do not archive it; prefer withSegura { … })";
    }

    @Override
    public Map<String, String> describe(JobEnvironment env) {
        return new RunFacts(env, NAME)
                .from("repository", "GIT_URL")
                .value("ref", env.get("TAG_NAME").map(t -> "refs/tags/" + t)
                        .or(() -> env.get("BRANCH_NAME").map(b -> "refs/heads/" + b))
                        .or(() -> env.get("GIT_BRANCH")).orElse(null))
                .from("pipeline", "JOB_URL", "JOB_NAME")
                .from("job", "JOB_NAME")
                .from("run_id", "BUILD_NUMBER")
                .from("build_url", "BUILD_URL")
                .from("server", "JENKINS_URL")
                .toMap();
    }
}
