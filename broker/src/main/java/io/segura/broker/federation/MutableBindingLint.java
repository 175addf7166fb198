// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.federation;

import io.segura.broker.config.IssuerSpec;
import io.segura.broker.config.Preset;
import io.segura.broker.config.RoleSpec;
import io.segura.broker.config.TrustConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Start-up lint (DESIGN §3): warns about roles that bind a preset issuer's identities only by names — repository,
 * project, namespace, job URL — without the platform's immutable id. Deleted or renamed repositories and namespaces
 * can be re-created by anyone ("Sub:jugation", "Sleeper Squats"), who then mints tokens carrying the same names.
 * Warnings do not stop the broker; they are logged once and shown by {@code policy lint}.
 */
public final class MutableBindingLint {

    /** Which bound claims name an identity by mutable name, and which by immutable id, on one platform. */
    private record Rules(Set<String> mutable, Set<String> immutable, String advice, Pattern immutableSub) {
    }

    private static final Map<Preset, Rules> RULES = rules();

    private static Map<Preset, Rules> rules() {
        Map<Preset, Rules> rules = new EnumMap<>(Preset.class);
        rules.put(Preset.GITHUB_ACTIONS, new Rules(
                Set.of("sub", "repository", "repository_owner", "actor", "workflow", "workflow_ref",
                        "job_workflow_ref", "enterprise", "ctx.repository", "ctx.owner", "ctx.actor", "ctx.pipeline"),
                Set.of("repository_id", "repository_owner_id", "ctx.repository_id", "ctx.owner_id"),
                "repository_id or repository_owner_id (ctx.repository_id / ctx.owner_id)",
                // GitHub's immutable sub form: repo:OWNER@OWNER_ID/REPO@REPO_ID:...
                Pattern.compile("repo:[^@/:]+@[0-9]+/[^@/:]+@[0-9]+:.*")));
        rules.put(Preset.GITLAB, new Rules(
                Set.of("sub", "project_path", "namespace_path", "job_project_path", "job_namespace_path",
                        "user_login", "ci_config_ref_uri", "ctx.repository", "ctx.owner", "ctx.actor", "ctx.pipeline"),
                Set.of("project_id", "namespace_id", "job_project_id", "job_namespace_id", "ctx.repository_id",
                        "ctx.owner_id"),
                "project_id, namespace_id or job_project_id (ctx.repository_id / ctx.owner_id)", null));
        rules.put(Preset.AZURE_DEVOPS, new Rules(
                Set.of("sub", "rpo_uri", "ctx.repository"),
                Set.of("org_id", "prj_id", "def_id", "ctx.owner_id", "ctx.repository_id"),
                "org_id, prj_id and def_id (ctx.owner_id)", null));
        rules.put(Preset.CIRCLECI, new Rules(
                Set.of("sub", "oidc.circleci.com/vcs-origin", "ctx.repository"),
                Set.of("oidc.circleci.com/project-id", "ctx.repository_id", "ctx.owner_id", "ctx.pipeline"),
                "oidc.circleci.com/project-id (ctx.repository_id) or the org id (ctx.owner_id)",
                // V1/V2 sub starting with org and project UUIDs is id-based.
                Pattern.compile("org/[0-9a-fA-F-]{36}/project/[0-9a-fA-F-]{36}(/.*)?")));
        rules.put(Preset.BITBUCKET, new Rules(
                Set.of("branchName", "ctx.ref"),
                Set.of("repositoryUuid", "workspaceUuid", "ctx.repository_id", "ctx.owner_id"),
                "repositoryUuid or workspaceUuid (ctx.repository_id / ctx.owner_id)", null));
        rules.put(Preset.JENKINS, new Rules(
                Set.of("sub", "git_url", "ctx.pipeline"),
                Set.of(),
                "an immutable id added by a claim template of the oidc-provider plugin", null));
        rules.put(Preset.KUBERNETES, new Rules(
                Set.of("sub", "kubernetes.io.namespace", "kubernetes.io.serviceaccount.name", "ctx.owner",
                        "ctx.pipeline"),
                Set.of("kubernetes.io.serviceaccount.uid"),
                "kubernetes.io.serviceaccount.uid (the ServiceAccount uid)", null));
        return Collections.unmodifiableMap(rules);
    }

    /** Claims that never identify a repository or namespace; binding them counts as neither. */
    private static final Set<String> JENKINS_NON_IDENTITY =
            Set.of("sub", "git_url", "build_number", "iss", "aud", "exp", "iat", "nbf", "jti");

    private MutableBindingLint() {
    }

    /** One message per role that binds a preset issuer only through mutable names, in config order. */
    public static List<String> warnings(TrustConfig config) {
        Map<String, IssuerSpec> issuers = new HashMap<>();
        config.issuers().forEach(i -> issuers.put(i.name(), i));
        List<String> out = new ArrayList<>();
        for (RoleSpec role : config.roles()) {
            for (String issuerName : role.issuers()) {
                IssuerSpec issuer = issuers.get(issuerName);
                Preset preset = issuer == null || issuer.preset() == null ? null
                        : Preset.byName(issuer.preset()).orElse(null);
                if (preset == null) {
                    continue;
                }
                String warning = check(role, issuer, preset);
                if (warning != null) {
                    out.add(warning);
                    break;
                }
            }
        }
        return List.copyOf(out);
    }

    private static String check(RoleSpec role, IssuerSpec issuer, Preset preset) {
        Rules rules = RULES.get(preset);
        List<String> mutable = new ArrayList<>();
        for (Map.Entry<String, List<String>> bound : role.boundClaims().entrySet()) {
            String claim = bound.getKey();
            if (rules.immutable().contains(claim) || immutableSub(rules, claim, bound.getValue())
                    || preset == Preset.JENKINS && !claim.startsWith("ctx.") && !JENKINS_NON_IDENTITY.contains(claim)) {
                return null;
            }
            if (rules.mutable().contains(claim)) {
                mutable.add(claim);
            }
        }
        if (mutable.isEmpty()) {
            return null;
        }
        return "role \"" + role.name() + "\" (" + role.at() + ") binds issuer \"" + issuer.name() + "\" (preset "
                + preset.configName() + ") only by mutable name claim" + (mutable.size() > 1 ? "s " : " ") + mutable
                + ": a deleted or renamed repository, project or namespace can be re-created by an attacker, whose "
                + "tokens then carry the same names; also bind " + rules.advice();
    }

    /** A bound {@code sub} whose every accepted value is the platform's id-based form counts as an immutable id. */
    private static boolean immutableSub(Rules rules, String claim, List<String> values) {
        if (!"sub".equals(claim) || rules.immutableSub() == null || values.isEmpty()) {
            return false;
        }
        for (String v : values) {
            if (!rules.immutableSub().matcher(v).matches()) {
                return false;
            }
        }
        return true;
    }
}
