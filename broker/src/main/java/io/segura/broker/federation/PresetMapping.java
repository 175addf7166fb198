// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.federation;

import io.segura.broker.config.Preset;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;
import java.util.Objects;

/**
 * Maps a platform's own claims to the normalized run context {@code ctx} of its preset, exactly per the DESIGN §3
 * table, so one policy reads the same on every CI platform. Pure and stateless: the same claims always give the same
 * context. Numeric ids become decimal strings; a claim of the wrong shape (object or array where a scalar is expected)
 * becomes {@code null} rather than a guess.
 */
public final class PresetMapping {

    private static final String CIRCLECI_ORG_PREFIX = "https://oidc.circleci.com/org/";

    private PresetMapping() {
    }

    /**
     * @param presetOrNull the issuer's preset, or {@code null} for an issuer without one
     * @param claims       the verified token's claims
     * @return the run context; {@link RunContext#none(String) none(null)} without a preset
     */
    public static RunContext map(Preset presetOrNull, Map<String, Object> claims) {
        Objects.requireNonNull(claims, "claims cannot be null");
        if (presetOrNull == null) {
            return RunContext.none(null);
        }
        String platform = presetOrNull.configName();
        return switch (presetOrNull) {
            case GITHUB_ACTIONS -> new RunContext(platform,
                    str(claims, "repository"), str(claims, "repository_id"),
                    str(claims, "repository_owner"), str(claims, "repository_owner_id"),
                    str(claims, "ref"), null,
                    str(claims, "environment"), str(claims, "job_workflow_ref"), str(claims, "run_id"),
                    str(claims, "event_name"), null,
                    str(claims, "actor"), str(claims, "actor_id"));
            case GITLAB -> new RunContext(platform,
                    str(claims, "project_path"), str(claims, "project_id"),
                    str(claims, "namespace_path"), str(claims, "namespace_id"),
                    gitlabRef(claims), bool(claims.get("ref_protected")),
                    str(claims, "environment"), str(claims, "ci_config_ref_uri"), str(claims, "pipeline_id"),
                    str(claims, "pipeline_source"), gitlabFromFork(claims),
                    str(claims, "user_login"), str(claims, "user_id"));
            case AZURE_DEVOPS -> new RunContext(platform,
                    str(claims, "rpo_uri"), str(claims, "rpo_id"),
                    null, str(claims, "org_id"),
                    str(claims, "rpo_ref"), null,
                    null, str(claims, "def_id"), str(claims, "run_id"),
                    null, null, null, null);
            case CIRCLECI -> new RunContext(platform,
                    str(claims, "oidc.circleci.com/vcs-origin"), str(claims, "oidc.circleci.com/project-id"),
                    null, circleciOrgId(claims),
                    str(claims, "oidc.circleci.com/vcs-ref"), null,
                    null, str(claims, "oidc.circleci.com/project-id"), null,
                    null, null, null, null);
            case BITBUCKET -> new RunContext(platform,
                    null, str(claims, "repositoryUuid"),
                    null, str(claims, "workspaceUuid"),
                    prefixed("refs/heads/", str(claims, "branchName")), null,
                    str(claims, "deploymentEnvironmentUuid"), str(claims, "pipelineUuid"), str(claims, "pipelineUuid"),
                    null, null, null, null);
            case JENKINS -> new RunContext(platform,
                    null, null, null, null, null, null, null,
                    str(claims, "sub"), str(claims, "build_number"),
                    null, null, null, null);
            case KUBERNETES -> {
                Map<?, ?> k8s = obj(claims.get("kubernetes.io"));
                yield new RunContext(platform,
                        null, null, scalar(k8s.get("namespace")), null, null, null, null,
                        scalar(obj(k8s.get("serviceaccount")).get("name")), scalar(obj(k8s.get("pod")).get("uid")),
                        null, null, null, null);
            }
        };
    }

    /** GitLab 16.0+ sends the full {@code ref_path}; older instances only the short {@code ref} and {@code ref_type}. */
    private static String gitlabRef(Map<String, Object> claims) {
        String refPath = str(claims, "ref_path");
        if (refPath != null) {
            return refPath;
        }
        String kind = "tag".equals(str(claims, "ref_type")) ? "refs/tags/" : "refs/heads/";
        return prefixed(kind, str(claims, "ref"));
    }

    /**
     * In fork merge-request pipelines GitLab names the fork in {@code project_*} and the project the job runs in in
     * {@code job_project_*}; they differ exactly for a fork. Unknown (older GitLab) stays {@code null}.
     */
    private static Boolean gitlabFromFork(Map<String, Object> claims) {
        String jobProject = str(claims, "job_project_id");
        String project = str(claims, "project_id");
        return jobProject == null || project == null ? null : !jobProject.equals(project);
    }

    private static String circleciOrgId(Map<String, Object> claims) {
        String iss = str(claims, "iss");
        if (iss == null || !iss.startsWith(CIRCLECI_ORG_PREFIX)) {
            return null;
        }
        String rest = iss.substring(CIRCLECI_ORG_PREFIX.length());
        int slash = rest.indexOf('/');
        String org = slash < 0 ? rest : rest.substring(0, slash);
        return org.isEmpty() ? null : org;
    }

    private static String prefixed(String prefix, String value) {
        return value == null || value.isEmpty() ? null : prefix + value;
    }

    private static String str(Map<String, Object> claims, String name) {
        return scalar(claims.get(name));
    }

    /** Strings as they are; integral numbers as decimal strings (ids), other scalars via their JSON text. */
    static String scalar(Object value) {
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte
                || value instanceof BigInteger) {
            return value.toString();
        }
        if (value instanceof Double || value instanceof Float || value instanceof BigDecimal) {
            BigDecimal d = value instanceof BigDecimal b ? b : new BigDecimal(value.toString());
            return d.stripTrailingZeros().scale() <= 0 ? d.toBigInteger().toString() : d.toPlainString();
        }
        if (value instanceof Boolean b) {
            return b.toString();
        }
        return null;
    }

    /** GitLab sends {@code "true"}/{@code "false"} strings; a real JSON boolean is accepted too. */
    private static Boolean bool(Object value) {
        if (value instanceof Boolean b) {
            return b;
        }
        if ("true".equals(value)) {
            return Boolean.TRUE;
        }
        if ("false".equals(value)) {
            return Boolean.FALSE;
        }
        return null;
    }

    private static Map<?, ?> obj(Object value) {
        return value instanceof Map<?, ?> m ? m : Map.of();
    }
}
