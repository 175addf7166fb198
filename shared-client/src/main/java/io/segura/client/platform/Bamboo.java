// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Atlassian Bamboo (PLATFORMS.md §7): Bamboo has no job OIDC token, so the identity is OAuth 2.0 client
 * credentials ({@code SEGURA_CLIENT_ID} / {@code SEGURA_CLIENT_SECRET}, or as plan variables
 * {@code bamboo_SEGURA_CLIENT_*}) or a client certificate. Bamboo masks variables by name (containing
 * {@code secret}, {@code password} …), which the Segura Bamboo task does; exports go to a 0600 file.
 */
public final class Bamboo implements Platform {

    public static final String NAME = "bamboo";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean detect(JobEnvironment env) {
        return env.get("bamboo_buildKey").isPresent() || env.get("bamboo_planKey").isPresent();
    }

    @Override
    public Identity identity(JobEnvironment env, String audience) throws PlatformException {
        return ClientIdentities.from(env, "bamboo_").orElseThrow(() -> new PlatformException(
                "Bamboo has no job OIDC token: set SEGURA_CLIENT_ID and SEGURA_CLIENT_SECRET (a plan variable"
                        + " named SEGURA_CLIENT_SECRET is masked by Bamboo because its name contains \"secret\"),"
                        + " or SEGURA_CLIENT_ID with SEGURA_CLIENT_CERT and SEGURA_CLIENT_KEY"));
    }

    /** Bamboo masks by variable name inside the server; the Segura Bamboo task names its variables accordingly. */
    @Override
    public boolean maskNatively(JobEnvironment env, String value) {
        return false;
    }

    @Override
    public String export(JobEnvironment env, String name, String value) throws IOException {
        Path file = EnvFile.append(env.workDir().resolve(EnvFile.DEFAULT_RELATIVE_PATH), name, value);
        return file + " (0600 in the working directory; do not publish it as an artifact)";
    }

    @Override
    public Map<String, String> describe(JobEnvironment env) {
        return new RunFacts(env, NAME)
                .from("repository", "bamboo_planRepository_repositoryUrl", "bamboo_planRepository_name")
                .value("ref", env.get("bamboo_planRepository_branchName").map(b -> "refs/heads/" + b).orElse(null))
                .from("pipeline", "bamboo_planKey")
                .from("job", "bamboo_buildKey")
                .from("run_id", "bamboo_buildResultKey", "bamboo_buildNumber")
                .from("actor", "bamboo_ManualBuildTriggerReason_userName")
                .toMap();
    }
}
