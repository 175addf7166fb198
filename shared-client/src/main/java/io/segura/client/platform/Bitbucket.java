// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Bitbucket Pipelines (PLATFORMS.md §6): a step with {@code oidc: true} gets {@code BITBUCKET_STEP_OIDC_TOKEN},
 * whose audiences are fixed in the YAML ({@code oidc: audiences: [...]}, {@code aud} then always an array).
 * No run-time masking; values go to a 0600 env file — in the pipe shared storage when running as a pipe (a pipe's
 * own environment never reaches the step), else below the working directory. Never output variables: Bitbucket
 * prints them in the setup log of later steps.
 */
public final class Bitbucket implements Platform {

    public static final String NAME = "bitbucket";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean detect(JobEnvironment env) {
        return env.get("BITBUCKET_BUILD_NUMBER").isPresent();
    }

    /** The step's token; {@code audience} cannot be requested at run time — it is set in the step's YAML. */
    @Override
    public Identity identity(JobEnvironment env, String audience) throws PlatformException {
        String token = env.get("BITBUCKET_STEP_OIDC_TOKEN").orElseThrow(() -> new PlatformException(
                "BITBUCKET_STEP_OIDC_TOKEN is not set: add `oidc: true` to the step"
                        + (audience == null ? "" : " (or `oidc: { audiences: [\"" + audience + "\"] }`)")
                        + "; pipes get it only from a step with oidc enabled"));
        return new Identity.OidcToken(token);
    }

    @Override
    public boolean maskNatively(JobEnvironment env, String value) {
        return false;
    }

    @Override
    public String export(JobEnvironment env, String name, String value) throws IOException {
        var shared = env.get("BITBUCKET_PIPE_SHARED_STORAGE_DIR");
        Path file = shared.map(dir -> Path.of(dir).resolve("segura.env"))
                .orElseGet(() -> env.workDir().resolve(EnvFile.DEFAULT_RELATIVE_PATH));
        EnvFile.append(file, name, value);
        return file + " (0600" + (shared.isPresent() ? ", pipe shared storage" : "")
                + "; source it in the step and delete it)";
    }

    @Override
    public Map<String, String> describe(JobEnvironment env) {
        return new RunFacts(env, NAME)
                .from("repository", "BITBUCKET_REPO_FULL_NAME")
                .from("repository_id", "BITBUCKET_REPO_UUID")
                .from("owner", "BITBUCKET_WORKSPACE")
                .value("ref", env.get("BITBUCKET_TAG").map(t -> "refs/tags/" + t)
                        .or(() -> env.get("BITBUCKET_BRANCH").map(b -> "refs/heads/" + b)).orElse(null))
                .from("environment", "BITBUCKET_DEPLOYMENT_ENVIRONMENT")
                .from("pipeline", "BITBUCKET_PIPELINE_UUID")
                .from("run_id", "BITBUCKET_BUILD_NUMBER")
                .from("step", "BITBUCKET_STEP_UUID")
                .from("pull_request", "BITBUCKET_PR_ID")
                .toMap();
    }
}
