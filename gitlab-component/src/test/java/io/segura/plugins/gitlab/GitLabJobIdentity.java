// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.gitlab;

import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.platform.CiJobs;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * GitLab's part of a job's start, for a rendered job: an ID token per {@code id_tokens:} entry with that entry's
 * {@code aud}, and the predefined CI variables. As GitLab's ID token docs say, the environment claims
 * ({@code environment}, {@code environment_protected}, {@code deployment_tier}, {@code environment_action}) and the
 * {@code CI_ENVIRONMENT_*} variables exist only when the job declares {@code environment:}.
 */
final class GitLabJobIdentity {

    private static final String[] MINTED_OR_ENVIRONMENT = {"iss", "iat", "nbf", "exp", "jti", "environment",
        "environment_protected", "deployment_tier", "environment_action"};

    private GitLabJobIdentity() {
    }

    /** A job's {@code environment:} (a name, or {@code {name, action}}; the action defaults to start). */
    record Environment(String name, String action) {
        @SuppressWarnings("unchecked")
        static Environment of(Map<String, Object> job) {
            Object e = job.get("environment");
            if (e == null) {
                return null;
            }
            if (e instanceof Map<?, ?> m) {
                Map<String, Object> map = (Map<String, Object>) m;
                return new Environment(String.valueOf(map.get("name")),
                        String.valueOf(map.getOrDefault("action", "start")));
            }
            return new Environment(String.valueOf(e), "start");
        }
    }

    /** The job's ID tokens, as variables named after their {@code id_tokens:} keys. */
    @SuppressWarnings("unchecked")
    static Map<String, String> idTokens(IssuerSimulator issuer, Map<String, Object> job, Map<String, Object> claims) {
        Map<String, String> tokens = new LinkedHashMap<>();
        ((Map<String, Object>) job.get("id_tokens")).forEach((name, spec) -> {
            Map<String, Object> c = new LinkedHashMap<>(claims);
            for (String claim : MINTED_OR_ENVIRONMENT) {
                c.remove(claim);
            }
            c.put("aud", ((Map<String, Object>) spec).get("aud"));
            Environment env = Environment.of(job);
            if (env != null) {
                c.put("environment", env.name());
                c.put("environment_protected", String.valueOf("production".equals(env.name())));
                c.put("deployment_tier", List.of("production", "staging").contains(env.name()) ? env.name() : "other");
                c.put("environment_action", env.action());
            }
            tokens.put(name, issuer.mint(c));
        });
        return tokens;
    }

    /** GitLab's predefined variables for the job. */
    static Map<String, String> ciVariables(Map<String, Object> job) {
        Map<String, String> vars = new LinkedHashMap<>(CiJobs.gitLab(null));
        vars.remove("CI_ENVIRONMENT_NAME");
        Environment env = Environment.of(job);
        if (env != null) {
            vars.put("CI_ENVIRONMENT_NAME", env.name());
            vars.put("CI_ENVIRONMENT_ACTION", env.action());
        }
        return vars;
    }
}
