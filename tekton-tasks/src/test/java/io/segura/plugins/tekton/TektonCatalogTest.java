// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.tekton;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.tekton.pipeline.v1.ParamSpec;
import io.fabric8.tekton.pipeline.v1.Step;
import io.fabric8.tekton.pipeline.v1.Task;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The catalog layout (TEP-0003), the Task and StepAction as typed models, and the rules they must keep. */
class TektonCatalogTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"task/segura-secrets/0.1", "stepaction/segura-exec/0.1"})
    void layoutWhenCatalogThenYamlReadmeAndSamplesPerVersion(String dir) throws IOException {
        Path d = Path.of(dir);
        String name = d.getParent().getFileName().toString();
        assertThat(d.resolve(name + ".yaml")).exists();
        assertThat(d.resolve("README.md")).exists();
        try (Stream<Path> samples = Files.list(d.resolve("samples"))) {
            assertThat(samples.filter(p -> p.toString().endsWith(".yaml"))).isNotEmpty();
        }
    }

    @Test
    void taskWhenParsedThenV1WithCatalogMetadata() throws IOException {
        Task task = TektonModels.task(Plugin.TASK);
        assertThat(task.getApiVersion()).isEqualTo("tekton.dev/v1");
        assertThat(task.getKind()).isEqualTo("Task");
        assertThat(task.getMetadata().getName()).isEqualTo("segura-secrets");
        assertThat(task.getMetadata().getLabels()).containsEntry("app.kubernetes.io/version", "0.1");
        assertCatalogAnnotations(task.getMetadata().getAnnotations());
        assertThat(task.getSpec().getDescription()).isNotBlank();
    }

    @Test
    void taskWhenParsedThenNoResultsMemoryWorkspaceAndEveryParamDescribed() throws IOException {
        Task task = TektonModels.task(Plugin.TASK);
        assertThat(task.getSpec().getResults()).as("secrets never go into results").isNullOrEmpty();
        assertThat(task.getSpec().getWorkspaces()).extracting(w -> w.getName()).containsExactly("identity",
                "secrets");
        assertThat(task.getSpec().getWorkspaces().get(1).getDescription()).contains("medium: Memory");
        task.getSpec().getParams().forEach(p -> assertThat(p.getDescription()).as(p.getName()).isNotBlank());
        assertThat(task.getSpec().getSteps()).extracting(Step::getName).containsExactly("fetch", "run", "revoke");
        assertThat(task.getSpec().getSteps().get(1).getOnError()).isEqualTo("continue");
    }

    @Test
    void stepActionWhenParsedThenV1WithCatalogMetadataAndParamsDescribed() throws IOException {
        TektonModels.StepAction action = TektonModels.stepAction(Plugin.STEP_ACTION);
        Map<String, Object> doc = TektonModels.yaml(Plugin.STEP_ACTION);
        assertThat(doc.get("apiVersion")).isEqualTo("tekton.dev/v1");
        assertThat(action.metadata().get("name")).isEqualTo("segura-exec");
        @SuppressWarnings("unchecked")
        Map<String, String> labels = (Map<String, String>) action.metadata().get("labels");
        assertThat(labels).containsEntry("app.kubernetes.io/version", "0.1");
        @SuppressWarnings("unchecked")
        Map<String, String> annotations = (Map<String, String>) action.metadata().get("annotations");
        assertCatalogAnnotations(annotations);
        assertThat(action.params()).extracting(ParamSpec::getName).contains("url", "role", "secrets", "command",
                "token-path");
        action.params().forEach(p -> assertThat(p.getDescription()).as(p.getName()).isNotBlank());
        assertThat(action.step().getScript()).contains("segura-cli exec");
    }

    /** Tekton refuses a StepAction whose script interpolates params (injection); the Task keeps the same rule. */
    @Test
    void scriptsWhenWrittenThenNoParamsInterpolatedOnlyEnv() throws IOException {
        assertThat(TektonModels.stepAction(Plugin.STEP_ACTION).step().getScript()).doesNotContain("$(params.");
        for (Step step : TektonModels.task(Plugin.TASK).getSpec().getSteps()) {
            assertThat(step.getScript()).as(step.getName()).doesNotContain("$(params.");
            assertThat(step.getEnv()).extracting(EnvVar::getName).doesNotHaveDuplicates();
        }
    }

    @Test
    void parserWhenUnknownFieldThenFails() throws IOException {
        Path task = tmp.resolve("task.yaml");
        Files.writeString(task, Files.readString(Plugin.TASK).replace("  steps:\n", "  stepz: []\n  steps:\n"));
        assertThatThrownBy(() -> TektonModels.task(task)).hasMessageContaining("stepz");
        Path nested = tmp.resolve("nested.yaml");
        Files.writeString(nested, Files.readString(Plugin.TASK).replace("      onError: continue\n",
                "      onError: continue\n      retries: 3\n"));
        assertThatThrownBy(() -> TektonModels.task(nested)).hasMessageContaining("retries");
        Path action = tmp.resolve("action.yaml");
        Files.writeString(action, Files.readString(Plugin.STEP_ACTION).replace("  script: |\n",
                "  sidecars: []\n  script: |\n"));
        assertThatThrownBy(() -> TektonModels.stepAction(action)).hasMessageContaining("sidecars");
    }

    @ParameterizedTest
    @ValueSource(strings = {"task/segura-secrets/0.1/samples", "stepaction/segura-exec/0.1/samples"})
    void samplesWhenParsedThenKnownKindsReferencingTheCatalogEntry(String dir) throws IOException {
        try (Stream<Path> files = Files.list(Path.of(dir))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                String text = Files.readString(f);
                assertThat(text).as(f.toString()).containsAnyOf("segura-secrets", "segura-exec");
                for (Object doc : new org.yaml.snakeyaml.Yaml().loadAll(text)) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> m = (Map<String, Object>) doc;
                    assertThat(List.of("Task", "TaskRun", "Pipeline", "PipelineRun", "ServiceAccount"))
                            .as(f + " kind").contains((String) m.get("kind"));
                    String kind = (String) m.get("kind");
                    Class<?> model = switch (kind) {
                        case "Task" -> io.fabric8.tekton.pipeline.v1.Task.class;
                        case "TaskRun" -> io.fabric8.tekton.pipeline.v1.TaskRun.class;
                        case "Pipeline" -> io.fabric8.tekton.pipeline.v1.Pipeline.class;
                        case "PipelineRun" -> io.fabric8.tekton.pipeline.v1.PipelineRun.class;
                        default -> io.fabric8.kubernetes.api.model.ServiceAccount.class;
                    };
                    Object typed = TektonModels.MAPPER.convertValue(m, model);
                    List<String> unknown = new java.util.ArrayList<>();
                    TektonModels.unknownFields(typed, kind, unknown, new java.util.IdentityHashMap<>());
                    // fabric8 6.14's Step predates StepAction references: only a step's ref and params may be unknown.
                    assertThat(unknown).as(f + ": unknown fields")
                            .allMatch(u -> u.matches(".*Steps\\[\\d+]\\.\\[(ref|params)(, (ref|params))?]"));
                }
            }
        }
    }

    static void assertCatalogAnnotations(Map<String, String> annotations) {
        assertThat(annotations).containsKeys("tekton.dev/pipelines.minVersion", "tekton.dev/categories",
                "tekton.dev/tags", "tekton.dev/displayName", "tekton.dev/platforms");
        assertThat(annotations.get("tekton.dev/pipelines.minVersion")).matches("\\d+\\.\\d+\\.\\d+");
    }
}
