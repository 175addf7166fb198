// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import io.segura.client.ClientConfig;
import io.segura.client.ConfigException;
import io.segura.client.Identities;
import io.segura.client.json.Json;
import io.segura.client.platform.Identity;
import io.segura.client.platform.JobEnvironment;
import io.segura.client.platform.Platform;
import io.segura.client.platform.PlatformException;
import io.segura.client.platform.Platforms;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code segura-cli whoami}: the detected platform, its run facts, and what the identity token claims (decoded,
 * not verified — the broker verifies). Never prints the token itself.
 */
@Command(name = "whoami", mixinStandardHelpOptions = true,
        description = {"Show the detected platform, the run's facts and the identity's claims (never the token)."},
        footer = {"", "Example:", "  SEGURA_URL=http://127.0.0.1:8080 segura-cli whoami"})
final class WhoamiCommand implements Callable<Integer> {

    /** Claims worth showing; others (nonce, at_hash …) only add noise. */
    private static final List<String> SHOWN = List.of("iss", "sub", "aud", "exp", "iat", "repository",
            "repository_id", "ref", "environment", "project_path", "project_id", "pipeline_source", "actor");

    @ParentCommand
    SeguraCli root;

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Override
    public Integer call() throws Exception {
        CliContext ctx = connection.apply(root.ctx);
        PrintWriter out = spec.commandLine().getOut();
        JobEnvironment job = ctx.jobEnvironment();
        Platform platform;
        try {
            platform = Platforms.detect(job);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        out.println("platform: " + platform.name());
        platform.describe(job).forEach((k, v) -> {
            if (!k.equals("platform")) {
                out.println("  " + k + ": " + v);
            }
        });
        ClientConfig config;
        try {
            config = ctx.config();
        } catch (ConfigException e) {
            if (!ctx.flags().isEmpty()) {
                throw e; // a flag the user typed is wrong: exit 2, not a report
            }
            out.println("identity: not resolved (" + e.getMessage() + ")");
            out.flush();
            return ExitCodes.OK;
        }
        out.println("broker: " + config.url() + (config.role() == null ? "" : "  role: " + config.role())
                + "  audience: " + config.audience());
        Identity id;
        try {
            id = Identities.resolve(config, platform, job);
        } catch (PlatformException e) {
            out.println("identity: unavailable (" + e.getMessage() + ")");
            out.flush();
            return ExitCodes.AUTH;
        }
        if (id instanceof Identity.OidcToken) {
            out.println("identity: OIDC token");
            claims(((Identity.OidcToken) id).jwt()).forEach((k, v) -> {
                if (SHOWN.contains(k)) {
                    out.println("  " + k + ": " + (v instanceof String ? v : Json.write(v)));
                }
            });
        } else if (id instanceof Identity.ClientSecret) {
            out.println("identity: OAuth client " + ((Identity.ClientSecret) id).clientId() + " (client secret)");
        } else {
            out.println("identity: OAuth client " + ((Identity.ClientCertificate) id).clientId()
                    + " (mTLS certificate)");
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** The JWT payload, decoded without verification; empty when it is not a JWT. */
    static Map<String, Object> claims(String jwt) {
        String[] parts = jwt.split("\\.");
        if (parts.length != 3) {
            return Map.of();
        }
        try {
            return Json.parseObject(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return Map.of();
        }
    }
}
