// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * GitLab CI (PLATFORMS.md §2): the token is the job's {@code id_tokens:} variable {@code SEGURA_ID_TOKEN}, whose
 * audience the YAML fixes. GitLab cannot mask values a job obtains at run time, so consumers run under
 * {@code segura-cli exec}; an export goes to a 0600 env file of this job (never a dotenv report artifact).
 */
public final class GitLabCi implements Platform {

    public static final String NAME = "gitlab";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean detect(JobEnvironment env) {
        return env.get("GITLAB_CI").filter("true"::equals).isPresent();
    }

    @Override
    public Identity identity(JobEnvironment env, String audience) throws PlatformException {
        String token = env.get("SEGURA_ID_TOKEN").orElseThrow(() -> new PlatformException(
                "SEGURA_ID_TOKEN is not set: declare it on the job:\n"
                        + "  id_tokens:\n"
                        + "    SEGURA_ID_TOKEN:\n"
                        + "      aud: " + (audience == null ? "<the broker URL>" : audience)));
        return new Identity.OidcToken(token);
    }

    @Override
    public boolean maskNatively(JobEnvironment env, String value) {
        return false;
    }

    /**
     * Appends to {@code .segura/segura.env} (0600) in the working directory, for later commands of the same job.
     * Passing it on with {@code artifacts:reports:dotenv} would leak: dotenv reports are downloadable artifacts.
     */
    @Override
    public String export(JobEnvironment env, String name, String value) throws IOException {
        Path file = EnvFile.append(env.workDir().resolve(EnvFile.DEFAULT_RELATIVE_PATH), name, value);
        return file + " (0600, source it in this job; never pass it as artifacts:reports:dotenv, which anyone"
                + " who can download artifacts reads)";
    }

    @Override
    public Map<String, String> describe(JobEnvironment env) {
        return new RunFacts(env, NAME)
                .from("repository", "CI_PROJECT_PATH")
                .from("repository_id", "CI_PROJECT_ID")
                .from("owner", "CI_PROJECT_NAMESPACE")
                .from("owner_id", "CI_PROJECT_NAMESPACE_ID")
                .value("ref", env.get("CI_COMMIT_TAG").map(t -> "refs/tags/" + t)
                        .or(() -> env.get("CI_COMMIT_BRANCH").map(b -> "refs/heads/" + b))
                        .or(() -> env.get("CI_COMMIT_REF_NAME")).orElse(null))
                .from("ref_protected", "CI_COMMIT_REF_PROTECTED")
                .from("environment", "CI_ENVIRONMENT_NAME")
                .from("pipeline", "CI_CONFIG_PATH")
                .from("run_id", "CI_PIPELINE_ID")
                .from("job_id", "CI_JOB_ID")
                .from("event", "CI_PIPELINE_SOURCE")
                .from("actor", "GITLAB_USER_LOGIN")
                .from("actor_id", "GITLAB_USER_ID")
                .from("server", "CI_SERVER_URL")
                .toMap();
    }
}
