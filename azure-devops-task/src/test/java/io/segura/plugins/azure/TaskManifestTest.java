// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code task.json} and {@code vss-extension.json} against the rules tfx does not enforce: tfx only warns about an
 * invalid task.json and runs no schema validation (build/package.js turns its warnings into failures). The rules
 * are those of azure-pipelines-task-lib's {@code tasks.schema.json} (top level {@code additionalProperties: false};
 * the handler names of the current schema, with {@code Node24}) and of the agent ({@code Node20_1}, not the
 * {@code Node20} current agents reject).
 */
class TaskManifestTest {

    static final Set<String> TOP_LEVEL = Set.of("id", "name", "friendlyName", "description", "helpUrl",
            "helpMarkDown", "author", "preview", "deprecated", "removalDate", "deprecationMessage",
            "showEnvironmentVariables", "runsOn", "visibility", "category", "groups", "demands", "minimumAgentVersion",
            "version", "instanceNameFormat", "releaseNotes", "inputs", "dataSourceBindings", "sourceDefinitions",
            "prejobexecution", "execution", "postjobexecution", "messages", "outputVariables", "restrictions",
            "$schema");
    static final Set<String> INPUT_KEYS = Set.of("name", "label", "type", "aliases", "defaultValue", "required",
            "helpMarkDown", "groupName", "visibleRule", "properties", "options");
    static final Set<String> INPUT_TYPES = Set.of("boolean", "filePath", "multiLine", "pickList", "radio",
            "secureFile", "string", "int", "identities", "querycontrol");

    static Map<String, Object> json(Path file) throws Exception {
        return JSONObjectUtils.parse(Files.readString(file, StandardCharsets.UTF_8));
    }

    static Map<String, Object> task() throws Exception {
        return json(Path.of("SeguraSecrets", "task.json"));
    }

    @Test
    void taskJsonWhenReadThenOnlySchemaKeysAndValidIdentity() throws Exception {
        Map<String, Object> task = task();

        assertThat(TOP_LEVEL).containsAll(task.keySet());
        assertThat((String) task.get("id")).matches("[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}"
                + "-[A-Fa-f0-9]{12}");
        assertThat((String) task.get("name")).matches("[A-Za-z0-9\\-]+").isEqualTo("SeguraSecrets");
        assertThat((String) task.get("friendlyName")).isNotBlank().hasSizeLessThanOrEqualTo(40);
        assertThat((String) task.get("instanceNameFormat")).isNotBlank();
        assertThat((String) task.get("minimumAgentVersion")).matches("\\d+\\.\\d+(\\.\\d+)?");
        assertThat(task.get("category")).isIn("Build", "Utility", "Test", "Package", "Deploy", "Azure Repos",
                "Azure Boards", "Azure Pipelines", "Azure Test Plans", "Azure Artifacts");
        assertThat(JSONObjectUtils.getJSONObject(task, "version")).containsOnlyKeys("Major", "Minor", "Patch")
                .allSatisfy((k, v) -> assertThat(v).isInstanceOf(Number.class));
    }

    @Test
    void taskJsonWhenHandlersThenNode24AndNode20OneForMainAndPostJobAndTheirTargetsExist() throws Exception {
        Map<String, Object> task = task();

        for (String section : List.of("execution", "postjobexecution")) {
            Map<String, Object> handlers = JSONObjectUtils.getJSONObject(task, section);
            assertThat(handlers).as(section).containsOnlyKeys("Node24", "Node20_1");
            for (Object handler : handlers.values()) {
                @SuppressWarnings("unchecked")
                String target = (String) ((Map<String, Object>) handler).get("target");
                assertThat(Path.of("SeguraSecrets", target)).as(section + " target").isRegularFile();
            }
        }
        assertThat(task).doesNotContainKey("prejobexecution");
        // Node20_1 arrived with agent 3.232 (azure-pipelines-agent #4518); Node24-only agents pick Node24.
        assertThat((String) task.get("minimumAgentVersion")).isEqualTo("3.232.1");
    }

    @Test
    void taskJsonWhenInputsThenTheDocumentedOnesWithSchemaNamesAndTypes() throws Exception {
        List<Map<String, Object>> inputs = List.of(JSONObjectUtils.getJSONObjectArray(task(), "inputs"));

        assertThat(inputs).extracting(i -> i.get("name"))
                .containsExactly("url", "role", "secrets", "ttl", "caCertificate");
        for (Map<String, Object> input : inputs) {
            assertThat(INPUT_KEYS).containsAll(input.keySet());
            assertThat((String) input.get("name")).matches("[A-Za-z][A-Za-z0-9]*");
            assertThat((String) input.get("label")).isNotBlank();
            assertThat((String) input.get("helpMarkDown")).isNotBlank();
            assertThat(input.get("type")).isIn(INPUT_TYPES.toArray());
        }
        assertThat(inputs).filteredOn(i -> Boolean.TRUE.equals(i.get("required"))).extracting(i -> i.get("name"))
                .containsExactly("url", "role", "secrets");
        assertThat(inputs).filteredOn(i -> "secrets".equals(i.get("name"))).singleElement()
                .satisfies(i -> assertThat(i.get("type")).isEqualTo("multiLine"));
        assertThat(inputs).filteredOn(i -> "caCertificate".equals(i.get("name"))).singleElement()
                .satisfies(i -> assertThat(i.get("type")).isEqualTo("filePath"));
    }

    @Test
    void extensionManifestWhenReadThenContributesTheTaskFolderItPackages() throws Exception {
        Map<String, Object> extension = json(Path.of("vss-extension.json"));

        assertThat((String) extension.get("id")).matches("[A-Za-z0-9_-]+");
        assertThat((String) extension.get("description")).hasSizeLessThanOrEqualTo(200);
        assertThat(extension.get("publisher")).isNotNull();
        assertThat(extension.get("categories")).asList().containsExactly("Azure Pipelines");
        assertThat(JSONObjectUtils.getJSONObjectArray(extension, "files")).extracting(f -> f.get("path"))
                .containsExactly("SeguraSecrets");
        assertThat(JSONObjectUtils.getJSONObjectArray(extension, "contributions")).singleElement().satisfies(c -> {
            assertThat(c.get("type")).isEqualTo("ms.vss-distributed-task.task");
            assertThat(c.get("targets")).asList().containsExactly("ms.vss-distributed-task.tasks");
            assertThat(JSONObjectUtils.getJSONObject(c, "properties")).containsEntry("name", "SeguraSecrets");
        });
    }

    @Test
    void versionsWhenComparedThenExtensionTaskAndPackageAgreeWithTheBuild() throws Exception {
        Map<String, Object> version = JSONObjectUtils.getJSONObject(task(), "version");
        String taskVersion = ((Number) version.get("Major")).intValue() + "." + ((Number) version.get("Minor"))
                .intValue() + "." + ((Number) version.get("Patch")).intValue();
        String pom = Files.readString(Path.of("pom.xml"), StandardCharsets.UTF_8);
        String projectVersion = pom.substring(pom.indexOf("<version>", pom.indexOf("<parent>")) + 9,
                pom.indexOf("</version>", pom.indexOf("<parent>"))).replace("-SNAPSHOT", "");

        assertThat(taskVersion).isEqualTo(projectVersion);
        assertThat(json(Path.of("vss-extension.json")).get("version")).isEqualTo(projectVersion);
        assertThat(json(Path.of("SeguraSecrets", "package.json")).get("version")).isEqualTo(projectVersion);
    }
}
