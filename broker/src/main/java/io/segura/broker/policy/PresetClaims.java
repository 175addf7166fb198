// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.policy;

import io.segura.broker.config.Preset;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The top-level claims each platform's OIDC token carries (the fixture claim sets of {@code shared/fixtures/claims}
 * plus the platform's documented optional claims), so the start-up lint can tell a {@code deny-if} that reads a claim
 * the role's tokens never have: such an expression always fails to evaluate, which the gate counts as a denial.
 */
final class PresetClaims {

    private static final Set<String> REGISTERED = Set.of("iss", "aud", "sub", "exp", "iat", "nbf", "jti");

    private static final Map<Preset, Set<String>> CLAIMS = claims();

    private PresetClaims() {
    }

    private static Map<Preset, Set<String>> claims() {
        Map<Preset, Set<String>> m = new EnumMap<>(Preset.class);
        m.put(Preset.GITHUB_ACTIONS, Set.of("environment", "ref", "ref_type", "ref_protected", "sha", "repository",
                "repository_id", "repository_owner", "repository_owner_id", "repository_visibility", "actor",
                "actor_id", "run_id", "run_number", "run_attempt", "runner_environment", "workflow", "workflow_ref",
                "workflow_sha", "event_name", "head_ref", "base_ref", "job_workflow_ref", "job_workflow_sha",
                "enterprise", "enterprise_id", "environment_node_id", "check_run_id"));
        m.put(Preset.GITLAB, Set.of("namespace_id", "namespace_path", "project_id", "project_path",
                "project_visibility", "job_project_id", "job_project_path", "job_namespace_id", "job_namespace_path",
                "user_id", "user_login", "user_email", "user_access_level", "user_identities", "pipeline_id",
                "pipeline_source", "job_id", "ref", "ref_type", "ref_path", "ref_protected", "groups_direct",
                "environment", "environment_protected", "deployment_tier", "environment_action", "runner_id",
                "runner_environment", "sha", "ci_config_ref_uri", "ci_config_sha"));
        m.put(Preset.AZURE_DEVOPS, Set.of("org_id", "prj_id", "def_id", "rpo_id", "rpo_uri", "rpo_ver", "rpo_ref",
                "run_id"));
        m.put(Preset.CIRCLECI, Set.of("oidc.circleci.com/project-id", "oidc.circleci.com/vcs-origin",
                "oidc.circleci.com/vcs-ref", "oidc.circleci.com/context-ids", "oidc.circleci.com/ssh-rerun"));
        m.put(Preset.BITBUCKET, Set.of("accountUuid", "workspaceUuid", "repositoryUuid", "pipelineUuid", "stepUuid",
                "deploymentEnvironmentUuid", "branchName"));
        // The oidc-provider plugin's claim templates can add any claim: only its defaults are known.
        m.put(Preset.JENKINS, null);
        m.put(Preset.KUBERNETES, Set.of("kubernetes.io"));
        return m;
    }

    /**
     * Whether tokens of {@code preset} can carry {@code claim}; empty when the preset's claims are open-ended
     * (Jenkins claim templates).
     */
    static Optional<Boolean> carries(Preset preset, String claim) {
        if (REGISTERED.contains(claim)) {
            return Optional.of(true);
        }
        Set<String> known = CLAIMS.get(preset);
        return known == null ? Optional.empty() : Optional.of(known.contains(claim));
    }
}
