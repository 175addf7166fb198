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
import org.junit.jupiter.params.provider.CsvSource;
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
    void taskWhenParsedThenOnlyLeaseIdResultMemoryWorkspaceOptionalCaAndEveryParamDescribed() throws IOException {
        Task task = TektonModels.task(Plugin.TASK);
        assertThat(task.getSpec().getResults()).as("secrets never go into results: the lease id only")
                .extracting(r -> r.getName()).containsExactly("lease-id");
        assertThat(task.getSpec().getWorkspaces()).extracting(w -> w.getName()).containsExactly("identity",
                "secrets", "ca-certificate");
        assertThat(task.getSpec().getWorkspaces().get(1).getDescription()).contains("medium: Memory");
        assertThat(task.getSpec().getWorkspaces().get(2).getOptional()).isTrue();
        assertThat(task.getSpec().getWorkspaces().get(2).getReadOnly()).isTrue();
        task.getSpec().getParams().forEach(p -> assertThat(p.getDescription()).as(p.getName()).isNotBlank());
        assertThat(task.getSpec().getParams()).extracting(ParamSpec::getName).contains("ca-certificate-key");
        assertThat(task.getSpec().getSteps()).extracting(Step::getName).containsExactly("fetch", "run", "revoke");
        assertThat(task.getSpec().getSteps().get(1).getOnError()).isEqualTo("continue");
    }

    /**
     * The shared env lives once in stepTemplate, and every step runs non-root as uid 65532: no step sets a
     * securityContext of its own, so the run step (whatever USER run-image declares) is the owner of the 0600 files.
     */
    @Test
    void taskWhenParsedThenStepTemplateSharesEnvAndOneNonRootUidForEveryStep() throws IOException {
        Task task = TektonModels.task(Plugin.TASK);
        var template = task.getSpec().getStepTemplate();
        assertThat(template.getEnv()).extracting(EnvVar::getName).contains("SEGURA_PLATFORM", "SEGURA_URL",
                "SEGURA_SECRETS_DIR", "SEGURA_STATE_FILE", "SEGURA_CA_CERT");
        assertThat(template.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(template.getSecurityContext().getRunAsUser()).isEqualTo(65532L);
        assertThat(template.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        List<String> shared = template.getEnv().stream().map(EnvVar::getName).toList();
        for (Step step : task.getSpec().getSteps()) {
            assertThat(step.getSecurityContext()).as(step.getName() + " inherits the template's uid").isNull();
            assertThat(step.getEnv()).as(step.getName()).extracting(EnvVar::getName).doesNotContainAnyElementsOf(
                    shared);
        }
    }

    /** Jib builds the CLI image for its default platform, linux/amd64, unless the poms name arm64. */
    @Test
    void platformsWhenAnnotatedThenOnlyWhatTheImageIsBuiltFor() throws IOException {
        boolean arm64 = Files.readString(Path.of("../cli/pom.xml")).contains("arm64")
                || Files.readString(Path.of("../pom.xml")).contains("arm64");
        String expected = arm64 ? "linux/amd64,linux/arm64" : "linux/amd64";
        assertThat(TektonModels.task(Plugin.TASK).getMetadata().getAnnotations())
                .containsEntry("tekton.dev/platforms", expected);
        @SuppressWarnings("unchecked")
        Map<String, String> annotations = (Map<String, String>) TektonModels.stepAction(Plugin.STEP_ACTION)
                .metadata().get("annotations");
        assertThat(annotations).containsEntry("tekton.dev/platforms", expected);
        if (!arm64) {
            for (Path readme : List.of(Path.of("README.md"), Plugin.TASK.resolveSibling("README.md"),
                    Plugin.STEP_ACTION.resolveSibling("README.md"))) {
                assertThat(Files.readString(readme)).as(readme.toString()).doesNotContain("arm64");
            }
        }
    }

    /** No Tekton release serves StepAction at tekton.dev/v1 ({@link TektonSchema}): v1beta1 is what applies. */
    @Test
    void stepActionWhenParsedThenV1beta1WithCatalogMetadataParamsDescribedNonRootAndLeaseIdResult()
            throws IOException {
        TektonModels.StepAction action = TektonModels.stepAction(Plugin.STEP_ACTION);
        Map<String, Object> doc = TektonModels.yaml(Plugin.STEP_ACTION);
        assertThat(doc.get("apiVersion")).isEqualTo("tekton.dev/v1beta1");
        assertThat(action.results()).containsExactly("lease-id");
        assertThat(action.step().getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(action.step().getSecurityContext().getRunAsUser()).isEqualTo(65532L);
        assertThat(Files.readString(Plugin.STEP_ACTION.resolveSibling("README.md")))
                .contains("tekton.dev/v1beta1").doesNotContain("`tekton.dev/v1` from");
        assertThat(action.metadata().get("name")).isEqualTo("segura-exec");
        @SuppressWarnings("unchecked")
        Map<String, String> labels = (Map<String, String>) action.metadata().get("labels");
        assertThat(labels).containsEntry("app.kubernetes.io/version", "0.1");
        @SuppressWarnings("unchecked")
        Map<String, String> annotations = (Map<String, String>) action.metadata().get("annotations");
        assertCatalogAnnotations(annotations);
        assertThat(action.params()).extracting(ParamSpec::getName).contains("url", "role", "secrets", "command",
                "token-path", "ca-certificate-path");
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
    void samplesWhenCheckedThenEveryDocumentKeepsTheSchemaFactsAndUsesTheCatalogEntry(String dir)
            throws IOException {
        try (Stream<Path> files = Files.list(Path.of(dir))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                String text = Files.readString(f);
                assertThat(text).as(f.toString()).containsAnyOf("segura-secrets", "segura-exec");
                for (Object doc : new org.yaml.snakeyaml.Yaml().loadAll(text)) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> m = (Map<String, Object>) doc;
                    assertThat(TektonSchema.violations(m)).as(f + " " + m.get("kind")).isEmpty();
                }
            }
        }
    }

    /**
     * The READMEs' YAML snippets keep the schema facts too: a {@code spec:} snippet is checked as a Task's spec, a
     * {@code taskRef:} one as a TaskRun's; other blocks (the broker's trust config) are not Tekton's.
     */
    @ParameterizedTest
    @ValueSource(strings = {"task/segura-secrets/0.1/README.md", "stepaction/segura-exec/0.1/README.md"})
    void readmeWhenYamlSnippetsCheckedThenNoViolations(String readme) throws IOException {
        java.util.regex.Matcher blocks = java.util.regex.Pattern.compile("```yaml\n(.*?)```", java.util.regex
                .Pattern.DOTALL).matcher(Files.readString(Path.of(readme)));
        int checked = 0;
        while (blocks.find()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> snippet = (Map<String, Object>) new org.yaml.snakeyaml.Yaml().load(blocks.group(1));
            Map<String, Object> doc = new java.util.LinkedHashMap<>();
            doc.put("apiVersion", "tekton.dev/v1");
            doc.put("metadata", Map.of("name", "from-readme"));
            if (snippet.containsKey("spec")) {
                doc.put("kind", "Task");
                doc.putAll(snippet);
            } else if (snippet.containsKey("taskRef")) {
                doc.put("kind", "TaskRun");
                doc.put("spec", snippet);
            } else {
                continue;
            }
            assertThat(TektonSchema.violations(doc)).as(readme + ":\n" + blocks.group(1)).isEmpty();
            checked++;
        }
        assertThat(checked).as("Tekton snippets in " + readme).isPositive();
    }

    /** The catalog files and every sample: no violation at all (unknown fields are errors). */
    @Test
    void schemaWhenCatalogCheckedThenNoViolations() throws IOException {
        assertThat(TektonSchema.violations(TektonModels.yaml(Plugin.TASK))).isEmpty();
        assertThat(TektonSchema.violations(TektonModels.yaml(Plugin.STEP_ACTION))).isEmpty();
    }

    @ParameterizedTest(name = "{0}: {2}")
    @CsvSource(delimiter = '|', ignoreLeadingAndTrailingWhitespace = false, value = {
        // a misspelt securityContext field in the stepTemplate
        "task/segura-secrets/0.1/segura-secrets.yaml|      runAsUser: 65532\\n|runAsUserr|"
                + "      runAsUser: 65532\\n      runAsUserr: 1\\n",
        // a Task-level field a StepAction does not have
        "stepaction/segura-exec/0.1/segura-exec.yaml|  image: $(params.image)\\n|workspaces|"
                + "  image: $(params.image)\\n  workspaces: []\\n",
        // a StepAction result has no value (Task results do)
        "stepaction/segura-exec/0.1/segura-exec.yaml|    - name: lease-id\\n|spec.results[0].value|"
                + "    - name: lease-id\\n      value: x\\n",
        // TaskRun v1 renamed serviceAccount to serviceAccountName
        "task/segura-secrets/0.1/samples/taskrun.yaml|  serviceAccountName: tekton-deployer\\n|serviceAccount|"
                + "  serviceAccount: tekton-deployer\\n",
        // a PipelineTask's workspace binding is a list named workspaces
        "task/segura-secrets/0.1/samples/pipeline.yaml|      workspaces:\\n        - name: identity\\n|workspace|"
                + "      workspace: identity\\n      workspaces:\\n        - name: identity\\n",
        // a projected token's field in the PipelineRun
        "task/segura-secrets/0.1/samples/pipeline.yaml|              expirationSeconds: 600\\n|expiration|"
                + "              expirationSeconds: 600\\n              expiration: 600\\n"})
    void schemaWhenUnknownFieldThenViolationNamesIt(String file, String anchor, String field, String replacement)
            throws IOException {
        String text = Files.readString(Path.of(file));
        String a = anchor.replace("\\n", "\n");
        assertThat(text).as("anchor in " + file).contains(a);
        List<String> violations = new java.util.ArrayList<>();
        for (Object doc : new org.yaml.snakeyaml.Yaml().loadAll(text.replaceFirst(java.util.regex.Pattern.quote(a),
                java.util.regex.Matcher.quoteReplacement(replacement.replace("\\n", "\n"))))) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) doc;
            violations.addAll(TektonSchema.violations(m));
        }
        assertThat(violations).hasSize(1);
        assertThat(violations.get(0)).contains(field).contains("unknown field");
    }

    @Test
    void schemaWhenApiVersionNotServedThenCaught() throws IOException {
        Map<String, Object> action = TektonModels.yaml(Plugin.STEP_ACTION);
        action.put("apiVersion", "tekton.dev/v1");
        assertThat(TektonSchema.violations(action)).singleElement().asString()
                .contains("apiVersion tekton.dev/v1 is not served for StepAction",
                        "tekton.dev/v1alpha1, tekton.dev/v1beta1");
        Path file = tmp.resolve("segura-exec.yaml");
        Files.writeString(file, Files.readString(Plugin.STEP_ACTION).replace("apiVersion: tekton.dev/v1beta1",
                "apiVersion: tekton.dev/v1"));
        assertThatThrownBy(() -> TektonModels.stepAction(file)).hasMessageContaining("not served");
        Map<String, Object> task = TektonModels.yaml(Plugin.TASK);
        task.put("apiVersion", "tekton.dev/v2");
        assertThat(TektonSchema.violations(task)).singleElement().asString().contains("not served for Task");
        task.put("apiVersion", "tekton.dev/v1beta1");
        assertThat(TektonSchema.violations(task)).singleElement().asString()
                .contains("only the schema facts of tekton.dev/v1");
        task.put("kind", "ClusterTask");
        assertThat(TektonSchema.violations(task)).singleElement().asString().contains("kind ClusterTask");
    }

    @Test
    void schemaWhenTypeWrongOrRequiredMissingThenCaught() throws IOException {
        String text = Files.readString(Plugin.TASK);
        Map<String, Object> quoted = new org.yaml.snakeyaml.Yaml().load(text.replace("runAsUser: 65532",
                "runAsUser: \"65532\""));
        assertThat(TektonSchema.violations(quoted)).singleElement().asString()
                .contains("stepTemplate.securityContext.runAsUser: expected integer");
        Map<String, Object> unnamed = new org.yaml.snakeyaml.Yaml().load(text.replace("    - name: run\n",
                "    - displayName: run\n"));
        assertThat(TektonSchema.violations(unnamed)).singleElement().asString()
                .contains("spec.steps[1].name: required field missing");
        Map<String, Object> noMeta = TektonModels.yaml(Plugin.TASK);
        noMeta.put("metadata", new java.util.LinkedHashMap<>(Map.of("labels", Map.of("a", "b"))));
        assertThat(TektonSchema.violations(noMeta)).singleElement().asString()
                .contains("name or generateName is required");
    }

    static void assertCatalogAnnotations(Map<String, String> annotations) {
        assertThat(annotations).containsKeys("tekton.dev/pipelines.minVersion", "tekton.dev/categories",
                "tekton.dev/tags", "tekton.dev/displayName", "tekton.dev/platforms");
        assertThat(annotations.get("tekton.dev/pipelines.minVersion")).matches("\\d+\\.\\d+\\.\\d+");
    }
}
