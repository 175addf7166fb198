// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Lint for a valid trust config: findings that do not stop the broker but that an operator must see at start-up
 * (DESIGN §3). Today one rule: a role trusting a hosted-platform issuer that binds only mutable names
 * ({@code repository}, {@code sub}, …) without an immutable id. Deleted or renamed repositories, projects and
 * organisations can be re-created by someone else, who then mints tokens with the same names.
 */
public final class TrustConfigWarnings {

    /** Platforms whose names are recyclable and which also sign an immutable id the role could bind instead. */
    private static final Set<String> PRESETS_WITH_IDS = Set.of("github-actions", "gitlab", "azure-devops",
            "circleci", "bitbucket");

    private static final Set<String> MUTABLE = Set.of("sub", "repository", "repository_owner", "project_path",
            "namespace_path", "rpo_uri", "oidc.circleci.com/vcs-origin", "ctx.repository", "ctx.owner");

    private static final Set<String> IMMUTABLE = Set.of("repository_id", "repository_owner_id", "project_id",
            "namespace_id", "job_project_id", "rpo_id", "prj_id", "org_id", "def_id", "oidc.circleci.com/project-id",
            "repositoryUuid", "workspaceUuid", "ctx.repository_id", "ctx.owner_id");

    private TrustConfigWarnings() {
    }

    public static List<ConfigProblem> of(TrustConfig config) {
        Objects.requireNonNull(config, "config cannot be null");
        Map<String, String> presetByIssuer = config.issuers().stream()
                .filter(i -> i.preset() != null)
                .collect(Collectors.toMap(IssuerSpec::name, IssuerSpec::preset, (a, b) -> a));
        List<ConfigProblem> out = new ArrayList<>();
        for (int r = 0; r < config.roles().size(); r++) {
            RoleSpec role = config.roles().get(r);
            boolean hosted = role.issuers().stream().map(presetByIssuer::get).filter(Objects::nonNull)
                    .anyMatch(PRESETS_WITH_IDS::contains);
            Set<String> bound = role.boundClaims().keySet();
            List<String> mutable = bound.stream().filter(MUTABLE::contains).toList();
            if (hosted && !mutable.isEmpty() && bound.stream().noneMatch(IMMUTABLE::contains)) {
                out.add(new ConfigProblem(role.at(), "roles[" + r + "].bound-claims", "binds only mutable names ("
                        + String.join(", ", mutable) + ") without an immutable id: a deleted or renamed repository "
                        + "or organisation can be re-created by someone else and mint matching tokens; also bind "
                        + "e.g. repository_id, project_id or ctx.repository_id"));
            }
        }
        return List.copyOf(out);
    }
}
