// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.federation;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.broker.config.Preset;
import io.segura.testkit.oidc.Fixtures;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The DESIGN §3 ctx table, row by row, against the real-shaped claim fixtures of each platform. */
class PresetMappingTest {

    static Stream<Arguments> fixtures() {
        return Stream.of(
                Arguments.of(Preset.GITHUB_ACTIONS, new RunContext("github-actions",
                        "octo-org/octo-repo", "74", "octo-org", "65", "refs/heads/main", null, "prod",
                        "octo-org/octo-automation/.github/workflows/oidc.yml@refs/heads/main", "example-run-id",
                        "workflow_dispatch", null, "octocat", "12")),
                Arguments.of(Preset.GITLAB, new RunContext("gitlab",
                        "my-group/my-project", "20", "my-group", "72", "refs/heads/main", true, "production",
                        "gitlab.example.com/my-group/my-project//.gitlab-ci.yml@refs/heads/main", "574", "push", false,
                        "sample-user", "1")),
                Arguments.of(Preset.AZURE_DEVOPS, new RunContext("azure-devops",
                        "https://dev.azure.com/contoso/web-shop/_git/web-shop", "8c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
                        null, "0ca3ddd9-5b4c-4b9e-9a8f-2f3c1d9e7a11", "refs/heads/main", null, null, "1", "5",
                        null, null, null, null)),
                Arguments.of(Preset.CIRCLECI, new RunContext("circleci",
                        "github.com/my-org/repo", "7e6d5c4b-3a2f-4e1d-9c8b-7a6f5e4d3c2b",
                        null, "3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c", "refs/heads/main", null, null,
                        "7e6d5c4b-3a2f-4e1d-9c8b-7a6f5e4d3c2b", null, null, null, null, null)),
                Arguments.of(Preset.BITBUCKET, new RunContext("bitbucket",
                        null, "{437da666-0d5c-4c1f-9c4e-1f2e3d4c5b6a}", null, "{2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a}",
                        "refs/heads/main", null, "{9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d}",
                        "{3e4f5a6b-7c8d-4e9f-8a0b-2c3d4e5f6a7b}", "{3e4f5a6b-7c8d-4e9f-8a0b-2c3d4e5f6a7b}",
                        null, null, null, null)),
                Arguments.of(Preset.JENKINS, new RunContext("jenkins",
                        null, null, null, null, null, null, null,
                        "https://jenkins.example.com/job/team/job/app/job/main/", "42", null, null, null, null)),
                Arguments.of(Preset.KUBERNETES, new RunContext("kubernetes",
                        null, null, "ci", null, null, null, null, "tekton-deployer",
                        "900f80ed-1c2d-4e3f-8a9b-0c1d2e3f4a5b", null, null, null, null)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void mapWhenPresetFixtureThenCtxPerDesignTable(Preset preset, RunContext expected) {
        assertThat(PresetMapping.map(preset, Fixtures.claims(preset.configName()))).isEqualTo(expected);
    }

    @Test
    void mapWhenNoPresetThenNone() {
        assertThat(PresetMapping.map(null, Fixtures.claims("github-actions"))).isEqualTo(RunContext.none(null));
    }

    @Test
    void mapWhenGitlabWithoutRefPathThenRefBuiltFromShortRef() {
        Map<String, Object> claims = Fixtures.claims("gitlab");
        claims.remove("ref_path");
        assertThat(PresetMapping.map(Preset.GITLAB, claims).ref()).isEqualTo("refs/heads/main");
        claims.put("ref_type", "tag");
        claims.put("ref", "v1.2");
        assertThat(PresetMapping.map(Preset.GITLAB, claims).ref()).isEqualTo("refs/tags/v1.2");
    }

    @Test
    void mapWhenGitlabForkPipelineThenFromForkTrueAndUnknownWithoutJobProject() {
        Map<String, Object> claims = Fixtures.claims("gitlab");
        claims.put("project_id", "99");
        claims.put("ref_protected", "false");
        RunContext ctx = PresetMapping.map(Preset.GITLAB, claims);
        assertThat(ctx.fromFork()).isTrue();
        assertThat(ctx.refProtected()).isFalse();
        claims.remove("job_project_id");
        claims.remove("ref_protected");
        ctx = PresetMapping.map(Preset.GITLAB, claims);
        assertThat(ctx.fromFork()).isNull();
        assertThat(ctx.refProtected()).isNull();
    }

    @Test
    void mapWhenIdsAreNumbersThenDecimalStrings() {
        Map<String, Object> claims = Fixtures.claims("github-actions");
        claims.put("repository_id", 74L);
        claims.put("repository_owner_id", 65.0d);
        claims.put("actor_id", 12345678901L);
        RunContext ctx = PresetMapping.map(Preset.GITHUB_ACTIONS, claims);
        assertThat(ctx.repositoryId()).isEqualTo("74");
        assertThat(ctx.ownerId()).isEqualTo("65");
        assertThat(ctx.actorId()).isEqualTo("12345678901");
    }

    @Test
    void mapWhenCircleciIssuerIsNotAnOrgUrlThenNoOwnerId() {
        Map<String, Object> claims = Fixtures.claims("circleci");
        claims.put("iss", "https://evil.example/org/3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c");
        assertThat(PresetMapping.map(Preset.CIRCLECI, claims).ownerId()).isNull();
    }

    @Test
    void mapWhenClaimHasWrongShapeThenNullNotGuess() {
        Map<String, Object> claims = Fixtures.claims("kubernetes");
        claims.put("kubernetes.io", "not-an-object");
        RunContext ctx = PresetMapping.map(Preset.KUBERNETES, claims);
        assertThat(ctx.owner()).isNull();
        assertThat(ctx.runId()).isNull();
        Map<String, Object> gh = Fixtures.claims("github-actions");
        gh.put("repository", java.util.List.of("a", "b"));
        assertThat(PresetMapping.map(Preset.GITHUB_ACTIONS, gh).repository()).isNull();
    }
}
