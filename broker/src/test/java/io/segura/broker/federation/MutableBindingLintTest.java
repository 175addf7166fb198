// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.federation;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.broker.config.IssuerSpec;
import io.segura.broker.config.RoleSpec;
import io.segura.broker.config.SourceLocation;
import io.segura.broker.config.TrustConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MutableBindingLintTest {

    static IssuerSpec issuer(String name, String preset) {
        return TestIssuers.exact("https://" + name + ".example").name(name).preset(preset).build();
    }

    static RoleSpec role(String name, List<String> issuers, Map<String, List<String>> bound) {
        return new RoleSpec(name, issuers, bound, null, null, List.of(), List.of("db/*"), RoleSpec.DEFAULT_SESSION_TTL,
                RoleSpec.DEFAULT_MAX_LEASE_TTL, List.of(), List.of(), new SourceLocation("trust.yaml", 12, 5));
    }

    static List<String> lint(String preset, Map<String, List<String>> bound) {
        TrustConfig config = new TrustConfig("trust.yaml", List.of(issuer("ci", preset), issuer("plain", null)),
                List.of(role("deploy", List.of("ci"), bound)), List.of(), List.of(), null);
        return MutableBindingLint.warnings(config);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("github-actions", Map.of("repository", List.of("octo-org/octo-repo")), "repository"),
                Arguments.of("github-actions", Map.of("sub", List.of("repo:octo-org/octo-repo:ref:refs/heads/main")),
                        "sub"),
                Arguments.of("github-actions", Map.of("ctx.repository", List.of("o/r"), "ref", List.of("refs/heads/main")),
                        "ctx.repository"),
                Arguments.of("github-actions", Map.of("repository", List.of("o/r"), "repository_id", List.of("74")), null),
                Arguments.of("github-actions", Map.of("ctx.owner_id", List.of("65"), "sub", List.of("repo:o/r:*")), null),
                Arguments.of("github-actions", Map.of("sub", List.of("repo:octo-org@65/octo-repo@74:ref:refs/heads/main")),
                        null),
                Arguments.of("gitlab", Map.of("project_path", List.of("g/p")), "project_path"),
                Arguments.of("gitlab", Map.of("namespace_path", List.of("g"), "namespace_id", List.of("72")), null),
                Arguments.of("gitlab", Map.of("project_path", List.of("g/p"), "job_project_id", List.of("20")), null),
                Arguments.of("azure-devops", Map.of("sub", List.of("p://contoso/web/deploy")), "sub"),
                Arguments.of("azure-devops", Map.of("sub", List.of("p://contoso/web/deploy"), "def_id", List.of("1")),
                        null),
                Arguments.of("circleci", Map.of("oidc.circleci.com/vcs-origin", List.of("github.com/o/r")),
                        "oidc.circleci.com/vcs-origin"),
                Arguments.of("circleci", Map.of("oidc.circleci.com/project-id", List.of("7e6d")), null),
                Arguments.of("bitbucket", Map.of("branchName", List.of("main")), "branchName"),
                Arguments.of("bitbucket", Map.of("branchName", List.of("main"), "repositoryUuid", List.of("{4}")), null),
                Arguments.of("jenkins", Map.of("sub", List.of("https://jenkins/job/app/")), "sub"),
                Arguments.of("jenkins", Map.of("sub", List.of("https://jenkins/job/app/"), "job_uid", List.of("x")), null),
                Arguments.of("kubernetes", Map.of("sub", List.of("system:serviceaccount:ci:deployer")), "sub"),
                Arguments.of("kubernetes", Map.of("sub", List.of("system:serviceaccount:ci:deployer"),
                        "kubernetes.io.serviceaccount.uid", List.of("a709")), null));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void warningsWhenRoleBindsOnlyMutableNamesThenOneWarningNamingRoleLocationAndClaim(
            String preset, Map<String, List<String>> bound, String mutableClaim) {
        List<String> warnings = lint(preset, new LinkedHashMap<>(bound));
        if (mutableClaim == null) {
            assertThat(warnings).isEmpty();
        } else {
            assertThat(warnings).singleElement().satisfies(w -> assertThat(w)
                    .contains("role \"deploy\"").contains("trust.yaml:12:5").contains(mutableClaim)
                    .contains("preset " + preset).contains("re-created by an attacker"));
        }
    }

    @Test
    void warningsWhenIssuerHasNoPresetThenNothingToSay() {
        TrustConfig config = new TrustConfig("trust.yaml", List.of(issuer("plain", null)),
                List.of(role("r", List.of("plain"), Map.of("sub", List.of("x")))), List.of(), List.of(), null);
        assertThat(MutableBindingLint.warnings(config)).isEmpty();
    }

    @Test
    void warningsWhenRoleTrustsTwoPresetIssuersThenStillOneMessagePerRole() {
        TrustConfig config = new TrustConfig("trust.yaml",
                List.of(issuer("gh", "github-actions"), issuer("gl", "gitlab")),
                List.of(role("r", List.of("gh", "gl"), Map.of("sub", List.of("x")))), List.of(), List.of(), null);
        assertThat(MutableBindingLint.warnings(config)).hasSize(1);
    }
}
