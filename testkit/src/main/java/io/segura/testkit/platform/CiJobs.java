// SPDX-License-Identifier: Apache-2.0
package io.segura.testkit.platform;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The environment variables each token-in-env platform sets for a job (values shaped like the claim fixtures), for
 * platform adapter tests. GitHub and Azure, whose tokens come from an endpoint, have {@link GitHubRunner} and
 * {@link AzureAgent}. Each method returns a fresh mutable map; a null token leaves its variable out, as when the
 * prerequisite (e.g. {@code oidc: true}) is missing.
 */
public final class CiJobs {

    private CiJobs() {
    }

    /** A CircleCI job; {@code PATH} is {@code path}, so a test decides whether a {@code circleci} CLI is found. */
    public static Map<String, String> circleCi(String tokenV2, String path) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("CI", "true");
        v.put("CIRCLECI", "true");
        v.put("CIRCLE_PROJECT_USERNAME", "my-org");
        v.put("CIRCLE_PROJECT_REPONAME", "repo");
        v.put("CIRCLE_REPOSITORY_URL", "git@github.com:my-org/repo.git");
        v.put("CIRCLE_BRANCH", "main");
        v.put("CIRCLE_BUILD_NUM", "118");
        v.put("CIRCLE_JOB", "deploy");
        v.put("CIRCLE_WORKFLOW_ID", "6f2c1b0a-9d8e-4f7a-8b6c-5d4e3f2a1b0c");
        v.put("CIRCLE_USERNAME", "octocat");
        v.put("CIRCLE_ORGANIZATION_ID", "3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c");
        v.put("CIRCLE_PROJECT_ID", "7e6d5c4b-3a2f-4e1d-9c8b-7a6f5e4d3c2b");
        v.put("PATH", path);
        putIf(v, "CIRCLE_OIDC_TOKEN_V2", tokenV2);
        return v;
    }

    /** A Bitbucket Pipelines step; {@code pipeSharedStorage} non-null when the code runs as a pipe. */
    public static Map<String, String> bitbucket(String stepOidcToken, Path pipeSharedStorage) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("CI", "true");
        v.put("BITBUCKET_BUILD_NUMBER", "42");
        v.put("BITBUCKET_WORKSPACE", "acme");
        v.put("BITBUCKET_REPO_SLUG", "web");
        v.put("BITBUCKET_REPO_FULL_NAME", "acme/web");
        v.put("BITBUCKET_REPO_UUID", "{437da666-0d5c-4c1f-9c4e-1f2e3d4c5b6a}");
        v.put("BITBUCKET_BRANCH", "main");
        v.put("BITBUCKET_COMMIT", "9f2c1e0d8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e");
        v.put("BITBUCKET_PIPELINE_UUID", "{3e4f5a6b-7c8d-4e9f-8a0b-2c3d4e5f6a7b}");
        v.put("BITBUCKET_STEP_UUID", "{5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e}");
        v.put("BITBUCKET_DEPLOYMENT_ENVIRONMENT", "production");
        v.put("BITBUCKET_CLONE_DIR", "/opt/atlassian/pipelines/agent/build");
        putIf(v, "BITBUCKET_STEP_OIDC_TOKEN", stepOidcToken);
        if (pipeSharedStorage != null) {
            v.put("BITBUCKET_PIPE_SHARED_STORAGE_DIR", pipeSharedStorage.toString());
            v.put("BITBUCKET_PIPE_STORAGE_DIR", pipeSharedStorage.resolveSibling("segura-pipe").toString());
        }
        return v;
    }

    /** A GitLab CI job whose {@code id_tokens:} declares {@code SEGURA_ID_TOKEN} (null: not declared). */
    public static Map<String, String> gitLab(String seguraIdToken) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("CI", "true");
        v.put("GITLAB_CI", "true");
        v.put("CI_SERVER_URL", "https://gitlab.example.com");
        v.put("CI_PROJECT_PATH", "my-group/my-project");
        v.put("CI_PROJECT_ID", "20");
        v.put("CI_PROJECT_NAMESPACE", "my-group");
        v.put("CI_PROJECT_NAMESPACE_ID", "72");
        v.put("CI_COMMIT_REF_NAME", "main");
        v.put("CI_COMMIT_BRANCH", "main");
        v.put("CI_COMMIT_REF_PROTECTED", "true");
        v.put("CI_ENVIRONMENT_NAME", "production");
        v.put("CI_CONFIG_PATH", ".gitlab-ci.yml");
        v.put("CI_PIPELINE_ID", "574");
        v.put("CI_PIPELINE_SOURCE", "push");
        v.put("CI_JOB_ID", "302");
        v.put("CI_JOB_TOKEN", "glcbt-64_notarealjobtokenbutlookslikeone");
        v.put("GITLAB_USER_LOGIN", "sample-user");
        v.put("GITLAB_USER_ID", "1");
        putIf(v, "SEGURA_ID_TOKEN", seguraIdToken);
        return v;
    }

    /** A Jenkins build step inside {@code withCredentials} binding {@code SEGURA_ID_TOKEN} (null: no binding). */
    public static Map<String, String> jenkins(String seguraIdToken) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("CI", "true");
        v.put("JENKINS_URL", "https://jenkins.example.com/");
        v.put("JENKINS_HOME", "/var/jenkins_home");
        v.put("JOB_NAME", "team/app/main");
        v.put("JOB_URL", "https://jenkins.example.com/job/team/job/app/job/main/");
        v.put("BUILD_NUMBER", "42");
        v.put("BUILD_URL", "https://jenkins.example.com/job/team/job/app/job/main/42/");
        v.put("BRANCH_NAME", "main");
        v.put("GIT_URL", "https://github.com/acme/app.git");
        putIf(v, "SEGURA_ID_TOKEN", seguraIdToken);
        return v;
    }

    /** A Bamboo job: plan variables arrive as {@code bamboo_*} (the client secret as plan variable if given). */
    public static Map<String, String> bamboo(String clientId, String clientSecret) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("bamboo_planKey", "PROJ-DEPLOY");
        v.put("bamboo_buildKey", "PROJ-DEPLOY-JOB1");
        v.put("bamboo_buildNumber", "17");
        v.put("bamboo_buildResultKey", "PROJ-DEPLOY-JOB1-17");
        v.put("bamboo_planRepository_repositoryUrl", "https://bitbucket.example.com/scm/proj/app.git");
        v.put("bamboo_planRepository_branchName", "main");
        v.put("bamboo_ManualBuildTriggerReason_userName", "admin");
        putIf(v, "bamboo_SEGURA_CLIENT_ID", clientId);
        putIf(v, "bamboo_SEGURA_CLIENT_SECRET", clientSecret);
        return v;
    }

    /**
     * A Tekton TaskRun step pod: Kubernetes service variables, and the Segura Task's {@code SEGURA_TOKEN_FILE}
     * (projected token) and {@code SEGURA_SECRETS_DIR} (memory-backed workspace) when non-null.
     */
    public static Map<String, String> tekton(Path tokenFile, Path secretsDir) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("KUBERNETES_SERVICE_HOST", "10.96.0.1");
        v.put("KUBERNETES_SERVICE_PORT", "443");
        v.put("HOSTNAME", "deploy-run-abc12-deploy-pod");
        if (tokenFile != null) {
            v.put("SEGURA_TOKEN_FILE", tokenFile.toString());
        }
        if (secretsDir != null) {
            v.put("SEGURA_SECRETS_DIR", secretsDir.toString());
        }
        return v;
    }

    private static void putIf(Map<String, String> v, String name, String value) {
        if (value != null) {
            v.put(name, value);
        }
    }
}
