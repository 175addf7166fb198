// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.specs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.atlassian.bamboo.specs.api.builders.plan.Job;
import com.atlassian.bamboo.specs.api.builders.plan.Plan;
import com.atlassian.bamboo.specs.api.builders.plan.Stage;
import com.atlassian.bamboo.specs.api.builders.project.Project;
import com.atlassian.bamboo.specs.api.exceptions.PropertiesValidationException;
import com.atlassian.bamboo.specs.api.model.task.AnyTaskProperties;
import com.atlassian.bamboo.specs.api.util.EntityPropertiesBuilders;
import com.atlassian.bamboo.specs.builders.task.ScriptTask;
import com.atlassian.bamboo.specs.codegen.BambooSpecsGenerator;
import com.atlassian.bamboo.specs.util.BambooSpecSerializer;
import io.segura.bamboo.core.PluginKeys;
import java.io.StringWriter;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.io.TempDir;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

class SeguraSpecsTest {

    @TempDir
    Path dir;

    static Plan plan() {
        return new Plan(new Project().key("DEP").name("Deploy"), "Deploy the app", "APP").stages(
                new Stage("Deploy").jobs(new Job("Deploy", "JOB1").tasks(
                        new SeguraSecretsTask().role("bamboo-deploy")
                                .secret("db/prod/password", "DB_PASSWORD")
                                .secret("tls/prod/key@3", "TLS_KEY_SECRET")
                                .ttl(Duration.ofMinutes(15)),
                        new ScriptTask().inlineBody("./deploy.sh"))
                        .finalTasks(new SeguraRevokeTask())));
    }

    @Test
    void buildWhenConfiguredThenAnyTaskPropertiesWithThePluginsModuleKey() {
        AnyTaskProperties p = EntityPropertiesBuilders.build(new SeguraSecretsTask().role("bamboo-deploy")
                .secret("db/prod/password", "DB_PASSWORD").clientId("bamboo-prod"));

        assertThat(p.getAtlassianPlugin().getCompleteModuleKey()).isEqualTo("io.segura.bamboo:segura-secrets");
        assertThat(p.getConfiguration()).containsExactly(Map.entry("role", "bamboo-deploy"),
                Map.entry("secrets", "db/prod/password > DB_PASSWORD"), Map.entry("clientId", "bamboo-prod"));
        assertThat(EntityPropertiesBuilders.build(new SeguraRevokeTask()).getAtlassianPlugin()
                .getCompleteModuleKey()).isEqualTo("io.segura.bamboo:segura-revoke");
    }

    @Test
    void buildWhenVariableNameNotMaskedThenSpecsRefuseIt() {
        assertThatThrownBy(() -> EntityPropertiesBuilders.build(new SeguraSecretsTask()
                .secret("api/stripe/key", "STRIPE_KEY")))
                .isInstanceOf(PropertiesValidationException.class)
                .hasMessageContaining("would not be masked").hasMessageContaining("STRIPE_KEY_SECRET");
        assertThatThrownBy(() -> EntityPropertiesBuilders.build(new SeguraSecretsTask()))
                .hasMessageContaining("no secret given");
    }

    @Test
    void serializedYamlWhenPlanBuiltThenAnyTasksWithKeysAndOnlyPathsAndNames() {
        String yaml = BambooSpecSerializer.dump(plan());

        assertThat(yaml).contains("!!com.atlassian.bamboo.specs.api.model.task.AnyTaskProperties",
                "completeModuleKey: io.segura.bamboo:segura-secrets",
                "completeModuleKey: io.segura.bamboo:segura-revoke",
                "db/prod/password > DB_PASSWORD", "tls/prod/key@3 > TLS_KEY_SECRET", "ttl: 900s");
        assertThat(yaml).doesNotContain("SeguraSecretsTask", "io.segura.bamboo.specs");
    }

    @Test
    void generatedJavaWhenPlanBuiltThenAnyTaskWithAtlassianModule() throws Exception {
        String java = new BambooSpecsGenerator(EntityPropertiesBuilders.build(plan())).emitCode();

        assertThat(java).contains("new AnyTask(new AtlassianModule(\"io.segura.bamboo:segura-secrets\"))",
                "new AnyTask(new AtlassianModule(\"io.segura.bamboo:segura-revoke\"))", ".finalTasks(",
                "\"db/prod/password > DB_PASSWORD\\ntls/prod/key@3 > TLS_KEY_SECRET\"");
    }

    /**
     * The Java Specs Bamboo's generator writes for our plan compile, and running them gives back the same plan
     * properties: a Specs export of a plan that uses the Segura tasks round-trips through plain {@code AnyTask}.
     */
    @Test
    void generatedJavaWhenCompiledAndRunThenSamePlanProperties() throws Exception {
        String java = new BambooSpecsGenerator(EntityPropertiesBuilders.build(plan())).emitCode();
        Path src = Files.createDirectories(dir.resolve("src")).resolve("PlanSpec.java");
        Files.writeString(src, java);
        Path classes = Files.createDirectories(dir.resolve("classes"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter diagnostics = new StringWriter();
        boolean compiled = javac.getTask(diagnostics, null, null, List.of("-classpath",
                System.getProperty("java.class.path"), "-d", classes.toString(), "-proc:none"), null,
                javac.getStandardFileManager(null, null, null).getJavaFileObjects(src.toFile())).call();
        assertThat(compiled).as(diagnostics.toString()).isTrue();

        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                getClass().getClassLoader())) {
            Class<?> spec = loader.loadClass("PlanSpec");
            Plan generated = (Plan) spec.getMethod("rootObject").invoke(spec.getDeclaredConstructor().newInstance());
            assertThat(EntityPropertiesBuilders.build(generated)).isEqualTo(EntityPropertiesBuilders.build(plan()));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void yamlSpecsWhenRenderedThenParsesToAnyTaskOfTheFormat() {
        String tasks = SeguraYamlSpecs.anyTask(new SeguraSecretsTask().role("bamboo-deploy")
                .secret("db/prod/password", "DB_PASSWORD").secret("tls/prod/key", "TLS_KEY_SECRET"), 0);
        String finals = SeguraYamlSpecs.anyTask(new SeguraRevokeTask(), 0);

        List<Map<String, Object>> t = new Yaml().load(tasks);
        Map<String, Object> any = (Map<String, Object>) t.get(0).get("any-task");
        assertThat(any.get("plugin-key")).isEqualTo(PluginKeys.module(PluginKeys.SECRETS_TASK));
        assertThat((Map<String, String>) any.get("configuration")).containsEntry("role", "bamboo-deploy")
                .containsEntry("secrets", "db/prod/password > DB_PASSWORD\ntls/prod/key > TLS_KEY_SECRET");
        List<Map<String, Object>> f = new Yaml().load(finals);
        assertThat((Map<String, Object>) f.get(0).get("any-task")).containsEntry("plugin-key",
                "io.segura.bamboo:segura-revoke").containsEntry("configuration", Map.of());
    }
}
