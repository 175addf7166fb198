// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.github;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.testkit.cli.CliBuild;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code action.yml} (JavaScript action) and {@code container/action.yml} (Docker container action) against GitHub's
 * metadata rules (PLATFORMS.md §1.5), beyond the published schema the build checks them against.
 */
class ActionManifestTest {

    static final Set<String> TOP_LEVEL = Set.of("name", "author", "description", "inputs", "outputs", "runs",
            "branding");
    static final Set<String> DOCKER_RUNS = Set.of("using", "image", "args", "env", "entrypoint", "pre-entrypoint",
            "pre-if", "post-entrypoint", "post-if");
    static final Set<String> NODE_RUNS = Set.of("using", "main", "pre", "pre-if", "post", "post-if");
    static final Set<String> INPUTS = Set.of("vault-url", "url", "role", "audience", "secrets", "export-env", "ttl",
            "ca-certificate");
    static final Set<String> INPUT_KEYS = Set.of("description", "required", "default", "deprecationMessage");
    static final Set<String> BRANDING_COLORS = Set.of("white", "black", "yellow", "blue", "green", "orange", "red",
            "purple", "gray-dark");

    static ActionManifest action;
    static ActionManifest javascript;

    @BeforeAll
    static void load() throws Exception {
        action = ActionManifest.load(Plugin.containerActionYml());
        javascript = ActionManifest.load(Plugin.actionYml());
    }

    @Test
    void defaultActionWhenLoadedThenNode24MainAndPostAlwaysWithFilesPresent() {
        assertThat(TOP_LEVEL).containsAll(javascript.yaml().keySet());
        Map<String, Object> runs = javascript.runs();
        assertThat(NODE_RUNS).containsAll(runs.keySet());
        assertThat(runs).containsEntry("using", "node24").containsEntry("post-if", "always()");
        assertThat(Plugin.actionDir().resolve((String) runs.get("main"))).isRegularFile();
        assertThat(Plugin.actionDir().resolve((String) runs.get("post"))).isRegularFile();
    }

    @Test
    void defaultActionInputsWhenDeclaredThenSeedNamesRoleOptionalAndDownloadUrl() {
        assertThat(javascript.inputs().keySet()).containsAll(INPUTS).contains("cli-download-url")
                .hasSize(INPUTS.size() + 1);
        assertThat(javascript.inputs().get("secrets")).containsEntry("required", true);
        // vault-url or its alias url: neither alone is required by the runner; lib/cli.js requires one of them.
        assertThat(javascript.inputs().get("vault-url")).containsEntry("required", false);
        assertThat(javascript.inputs().get("role")).containsEntry("required", false);
        javascript.inputs().forEach((name, input) -> {
            assertThat(INPUT_KEYS).as("keys of input " + name).containsAll(input.keySet());
            assertThat(input.get("description")).as("description of " + name).isInstanceOf(String.class);
        });
        assertThat(javascript.outputs()).containsKey("lease-id");
    }

    @Test
    void actionVersionWhenPackagedThenTheProjectsVersion() {
        String project = System.getProperty("segura.project.version", "");
        assertThat(project).as("segura.project.version (set by the pom)").isNotEmpty();
        assertThat(Plugin.version()).isEqualTo(project.replace("-SNAPSHOT", ""));
        assertThat((String) action.runs().get("image")).endsWith(":" + Plugin.version());
    }

    @Test
    void manifestWhenParsedThenOnlyKnownTopLevelKeysAndRequiredOnesPresent() {
        assertThat(TOP_LEVEL).containsAll(action.yaml().keySet());
        assertThat(action.yaml().get("name")).isInstanceOf(String.class).asString().isNotBlank();
        assertThat(action.yaml().get("description")).isInstanceOf(String.class).asString().isNotBlank();
        assertThat(action.yaml()).containsKey("runs");
    }

    @Test
    void runsWhenDockerActionThenImageFromRegistryAndPostEntrypointRevokes() {
        Map<String, Object> runs = action.runs();
        assertThat(DOCKER_RUNS).containsAll(runs.keySet());
        assertThat(runs.get("using")).isEqualTo("docker");
        assertThat((String) runs.get("image"))
                .matches("docker://ghcr\\.io/segura-ci/segura-github-action:\\d+\\.\\d+\\.\\d+");
        assertThat(action.args()).startsWith("fetch", "--github-action");
        assertThat(action.postEntrypoint()).isEqualTo("/opt/segura/bin/github-action-post");
        assertThat(runs.get("post-if")).isEqualTo("always()");
        Path script = CliBuild.imageBin().resolve("github-action-post");
        assertThat(script).exists();
        assertThat(Files.isExecutable(script)).as("the image's post script is executable").isTrue();
    }

    @Test
    void inputsWhenDeclaredThenDescribedWithStringDefaultsAndAllOfTheIssuesPresent() {
        assertThat(action.inputs().keySet()).isEqualTo(INPUTS);
        action.inputs().forEach((name, input) -> {
            assertThat(INPUT_KEYS).as("keys of input " + name).containsAll(input.keySet());
            assertThat(input.get("description")).as("description of " + name).isInstanceOf(String.class);
            if (input.containsKey("required")) {
                assertThat(input.get("required")).isInstanceOf(Boolean.class);
            }
            if (input.containsKey("default")) {
                assertThat(input.get("default")).as("default of " + name + " (inputs are strings)")
                        .isInstanceOf(String.class);
            }
        });
        assertThat(action.inputs().get("role")).containsEntry("required", false);
        assertThat(action.inputs().get("secrets")).containsEntry("required", true);
    }

    @Test
    void outputsWhenDeclaredThenDescribed() {
        assertThat(action.outputs()).containsKey("lease-id");
        action.outputs().forEach((name, output) -> assertThat(output.get("description")).as(name)
                .isInstanceOf(String.class));
    }

    @ParameterizedTest
    @ValueSource(strings = {"args", "env"})
    void expressionsWhenUsedThenOnlyDeclaredInputs(String key) {
        String text = String.valueOf(action.runs().get(key));
        assertThat(ActionManifest.inputReferences(text)).isNotEmpty()
                .allSatisfy(ref -> assertThat(action.inputs()).containsKey(ref));
    }

    @Test
    void envWhenMappedThenEveryInputReachesTheCli() {
        assertThat(action.env()).containsEntry("SEGURA_URL", "${{ inputs.vault-url || inputs.url }}")
                .containsEntry("SEGURA_ROLE", "${{ inputs.role }}")
                .containsEntry("SEGURA_SECRETS", "${{ inputs.secrets }}")
                .containsEntry("SEGURA_AUDIENCE", "${{ inputs.audience }}")
                .containsEntry("SEGURA_TTL", "${{ inputs.ttl }}")
                .containsEntry("SEGURA_CA_CERT", "${{ inputs.ca-certificate }}")
                .containsEntry("SEGURA_PLATFORM", "github-actions");
    }

    @Test
    void brandingWhenPresentThenKnownColor() {
        @SuppressWarnings("unchecked")
        Map<String, Object> branding = (Map<String, Object>) action.yaml().get("branding");
        assertThat(BRANDING_COLORS).contains((String) branding.get("color"));
    }

    @Test
    void evaluateWhenOrThenFirstNonEmptyInput() {
        String t = "${{ inputs.vault-url || inputs.url }}";
        assertThat(ActionManifest.evaluate(t, Map.of("vault-url", "", "url", "https://b"))).isEqualTo("https://b");
        assertThat(ActionManifest.evaluate(t, Map.of("vault-url", "https://a", "url", "https://b")))
                .isEqualTo("https://a");
        assertThat(ActionManifest.inputReferences(t)).containsExactly("vault-url", "url");
    }

    @Test
    void inputVariablesWhenNamedThenUpperCasedWithSpacesAsUnderscores() {
        assertThat(ActionManifest.inputVariables(Map.of("export-env", "x", "my input", "y")))
                .containsEntry("INPUT_EXPORT-ENV", "x").containsEntry("INPUT_MY_INPUT", "y");
    }
}
