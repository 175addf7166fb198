// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.gitlab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The components' layout, spec headers and jobs, as GitLab validates them when a pipeline includes them. */
class ComponentTemplateTest {

    static final Set<String> INPUT_KEYS = Set.of("description", "default", "type", "options", "regex");
    static final Map<String, Object> GIVEN = Map.of("url", "https://segura.example.com", "role", "deploy-prod",
            "audience", "https://segura.example.com");

    static GitLabComponent secrets;
    static GitLabComponent gate;

    @BeforeAll
    static void load() throws Exception {
        secrets = GitLabComponent.load(Plugin.secrets());
        gate = GitLabComponent.load(Plugin.deployGate());
    }

    static Map<String, Object> gateInputs(Map<String, Object> extra) {
        Map<String, Object> in = new LinkedHashMap<>(GIVEN);
        in.put("environment", "production");
        in.putAll(extra);
        return in;
    }

    @Test
    void layoutWhenCatalogThenOneComponentPerFileUnderTemplatesAndReadme() {
        assertThat(Path.of("README.md")).exists();
        try (var files = Files.list(Path.of("templates"))) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("secrets.yml", "deploy-gate.yml");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void specWhenReadThenInputsDescribedWithKnownKeysAndValidDefinitions() {
        assertThat(secrets.inputs()).containsOnlyKeys("url", "role", "audience", "secrets", "ca-certificate",
                "image", "stage");
        assertThat(gate.inputs()).containsOnlyKeys("url", "role", "audience", "environment", "secrets",
                "ca-certificate", "image", "job-name", "stage", "rules");
        for (GitLabComponent c : List.of(secrets, gate)) {
            c.inputs().forEach((name, input) -> {
                assertThat(INPUT_KEYS).as("keys of input " + name).containsAll(input.keySet());
                assertThat(input.get("description")).as(name).isInstanceOf(String.class);
                GitLabComponent.checkDefinition(name, input);
                if (input.containsKey("default")) {
                    GitLabComponent.validate(name, input, input.get("default"));
                }
            });
            assertThat(c.inputs().get("url")).doesNotContainKey("default");
            assertThat(c.inputs().get("role")).containsKey("regex");
        }
        assertThat(gate.inputs().get("environment")).doesNotContainKey("default");
        assertThat(gate.inputs().get("rules")).containsEntry("type", "array");
    }

    @Test
    void contentWhenReferencingInputsThenEveryOneDeclaredAndEveryInputUsed() {
        assertThat(secrets.references()).containsExactlyInAnyOrderElementsOf(secrets.inputs().keySet());
        assertThat(gate.references()).containsExactlyInAnyOrderElementsOf(gate.inputs().keySet());
    }

    @Test
    @SuppressWarnings("unchecked")
    void hiddenJobWhenRenderedThenIdTokenWithAudienceCaAndUnexpandedCommandUnderExec() {
        Map<String, Object> pipeline = secrets.render(Map.of("url", "https://segura.example.com", "role",
                "deploy-prod", "audience", "https://segura.example.com", "ca-certificate", "$SEGURA_CA"));
        assertThat(pipeline).containsOnlyKeys(".segura-exec");
        Map<String, Object> job = GitLabComponent.job(pipeline, ".segura-exec");
        assertThat(job.get("stage")).isEqualTo("deploy");
        assertThat((Map<String, Object>) job.get("image")).containsEntry("name", "ghcr.io/segura-ci/segura-cli:0.1.0");
        Map<String, Object> idTokens = (Map<String, Object>) job.get("id_tokens");
        assertThat((Map<String, Object>) idTokens.get("SEGURA_ID_TOKEN"))
                .containsEntry("aud", "https://segura.example.com");
        Map<String, Object> variables = (Map<String, Object>) job.get("variables");
        assertThat(variables).containsEntry("SEGURA_URL", "https://segura.example.com")
                .containsEntry("SEGURA_ROLE", "deploy-prod").containsEntry("SEGURA_PLATFORM", "gitlab")
                .containsEntry("SEGURA_CA_CERT", "$SEGURA_CA")
                .containsEntry("SEGURA_COMMAND", Map.of("value", "", "expand", false));
        assertThat((List<String>) job.get("script")).singleElement().asString()
                .startsWith("segura-cli exec -- sh -c \"${SEGURA_COMMAND:?");
        assertThat(job).doesNotContainKey("environment");
    }

    @Test
    @SuppressWarnings("unchecked")
    void userJobWhenCommandIsAHashThenItInheritsExpandFalse() {
        Map<String, Object> pipeline = new LinkedHashMap<>(secrets.render(GIVEN));
        pipeline.put("deploy", Map.of("extends", ".segura-exec",
                "variables", Map.of("SEGURA_COMMAND", Map.of("value", "echo $DB_PASSWORD"))));
        Map<String, Object> job = GitLabComponent.job(pipeline, "deploy");
        assertThat((Map<String, Object>) ((Map<String, Object>) job.get("variables")).get("SEGURA_COMMAND"))
                .containsEntry("value", "echo $DB_PASSWORD").containsEntry("expand", false);
    }

    @Test
    @SuppressWarnings("unchecked")
    void gateWhenRenderedThenNamedJobVerifyingTheEnvironmentWithRulesAndPolicyCheck() {
        List<Map<String, Object>> rules = List.of(Map.of("if", "$CI_COMMIT_REF_PROTECTED == \"true\""));
        Map<String, Object> pipeline = gate.render(gateInputs(Map.of("job-name", "check prod", "stage", "verify",
                "rules", rules)));
        assertThat(pipeline).containsOnlyKeys("check prod");
        Map<String, Object> job = GitLabComponent.job(pipeline, "check prod");
        assertThat(job.get("stage")).isEqualTo("verify");
        assertThat((Map<String, Object>) job.get("environment")).containsEntry("name", "production")
                .containsEntry("action", "verify");
        assertThat(job.get("rules")).isEqualTo(rules);
        assertThat((List<String>) job.get("script")).containsExactly("segura-cli policy check");
        assertThat((Map<String, Object>) ((Map<String, Object>) job.get("id_tokens")).get("SEGURA_ID_TOKEN"))
                .containsEntry("aud", "https://segura.example.com");

        Map<String, Object> byDefault = GitLabComponent.job(gate.render(gateInputs(Map.of())), "segura-deploy-gate");
        assertThat(byDefault.get("rules")).isEqualTo(List.of(Map.of("when", "on_success")));
    }

    @Test
    void renderWhenInputUnknownOrRequiredMissingThenFailsLikeGitLab() {
        assertThatThrownBy(() -> secrets.render(Map.of("url", "https://u.example", "role", "r", "audience", "a",
                "typo", "x")))
                .hasMessageContaining("unknown input name provided: `typo`");
        assertThatThrownBy(() -> secrets.render(Map.of("url", "https://u.example", "role", "r")))
                .hasMessageContaining("`audience` input: required value has not been provided");
        assertThatThrownBy(() -> gate.render(GIVEN))
                .hasMessageContaining("`environment` input: required value has not been provided");
    }

    @Test
    void renderWhenValueBreaksTypeOrRegexThenFailsLikeGitLab() {
        assertThatThrownBy(() -> secrets.render(Map.of("url", "segura.example.com", "role", "deploy-prod",
                "audience", "a")))
                .hasMessageContaining("`url` input: provided value does not match required RE2 regular expression");
        assertThatThrownBy(() -> secrets.render(Map.of("url", "https://u.example", "role", "Deploy Prod",
                "audience", "a")))
                .hasMessageContaining("`role` input: provided value does not match");
        assertThatThrownBy(() -> gate.render(gateInputs(Map.of("rules", "when: always"))))
                .hasMessageContaining("`rules` input: provided value is not a array");
        assertThatThrownBy(() -> gate.render(gateInputs(Map.of("job-name", ".hidden"))))
                .hasMessageContaining("`job-name` input: provided value does not match");
        assertThatThrownBy(() -> secrets.render(Map.of("url", "https://u.example", "role", "r", "audience", "a",
                "stage", 3)))
                .hasMessageContaining("`stage` input: provided value is not a string");
    }
}
