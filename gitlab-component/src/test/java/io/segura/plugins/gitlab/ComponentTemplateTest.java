// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.gitlab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The component's layout, spec header and jobs, as GitLab validates them when a pipeline includes it. */
class ComponentTemplateTest {

    static final Set<String> INPUT_KEYS = Set.of("description", "default", "type", "options", "regex");
    static final Map<String, String> GIVEN = Map.of("url", "https://segura.example.com", "role", "deploy-prod",
            "audience", "https://segura.example.com");

    static GitLabComponent component;

    @BeforeAll
    static void load() throws Exception {
        component = GitLabComponent.load(Plugin.template());
    }

    @Test
    void layoutWhenCatalogThenTemplatesDirectoryAndReadme() {
        assertThat(Plugin.template()).exists();
        assertThat(Path.of("README.md")).exists();
        try (var files = Files.list(Path.of("templates"))) {
            assertThat(files.map(p -> p.getFileName().toString())).allMatch(n -> n.matches("[a-z0-9-]+\\.yml"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void specWhenReadThenTheIssuesInputsDescribedWithKnownKeys() {
        assertThat(component.inputs()).containsOnlyKeys("url", "role", "audience", "secrets", "image", "stage");
        component.inputs().forEach((name, input) -> {
            assertThat(INPUT_KEYS).as("keys of input " + name).containsAll(input.keySet());
            assertThat(input.get("description")).as(name).isInstanceOf(String.class);
        });
        assertThat(component.inputs().get("url")).doesNotContainKey("default");
        assertThat(component.inputs().get("stage")).containsEntry("default", "deploy");
    }

    @Test
    void contentWhenReferencingInputsThenEveryOneDeclaredAndEveryInputUsed() {
        assertThat(component.references()).containsExactlyInAnyOrderElementsOf(component.inputs().keySet());
    }

    @Test
    @SuppressWarnings("unchecked")
    void hiddenJobWhenRenderedThenIdTokenWithAudienceAndCommandUnderExec() {
        Map<String, Object> pipeline = component.render(GIVEN);
        Map<String, Object> job = GitLabComponent.job(pipeline, ".segura-exec");
        assertThat(job.get("stage")).isEqualTo("deploy");
        assertThat((Map<String, Object>) job.get("image")).containsEntry("name", "ghcr.io/segura-ci/segura-cli:0.1.0");
        Map<String, Object> idTokens = (Map<String, Object>) job.get("id_tokens");
        assertThat((Map<String, Object>) idTokens.get("SEGURA_ID_TOKEN"))
                .containsEntry("aud", "https://segura.example.com");
        assertThat((Map<String, Object>) job.get("variables")).containsEntry("SEGURA_URL", "https://segura.example.com")
                .containsEntry("SEGURA_ROLE", "deploy-prod").containsEntry("SEGURA_PLATFORM", "gitlab");
        assertThat((List<String>) job.get("script")).singleElement().asString()
                .startsWith("segura-cli exec -- ");
    }

    @Test
    @SuppressWarnings("unchecked")
    void deployGateWhenRenderedThenPolicyCheckWithTheSameIdentity() {
        Map<String, Object> job = GitLabComponent.job(component.render(GIVEN), "segura-deploy-gate");
        assertThat((List<String>) job.get("script")).containsExactly("segura-cli policy check");
        assertThat(job).containsKey("id_tokens");
    }

    @Test
    void renderWhenInputUnknownOrRequiredMissingThenFailsLikeGitLab() {
        assertThatThrownBy(() -> component.render(Map.of("url", "u", "role", "r", "audience", "a", "typo", "x")))
                .hasMessageContaining("unknown input name provided: `typo`");
        assertThatThrownBy(() -> component.render(Map.of("url", "u", "role", "r")))
                .hasMessageContaining("`audience` input: required value has not been provided");
    }
}
