// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.bitbucket;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.testkit.cli.CliBuild;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * {@code pipe.yml} against the fields the Bitbucket Marketplace lists from (PLATFORMS.md §6.5, SYNC-AND-MANIFESTS.md
 * §4: the fields every published pipe carries, plus {@code vendor} and {@code variables}), parsed strictly: no
 * duplicate or unknown keys, every type checked; the image is the one Jib builds; the variables are the entry
 * script's. And the README's YAML: every pipe example names that image, on a step with OIDC, with declared variables.
 */
class PipeManifestTest {

    /** Fields of published pipes' pipe.yml (conjur-bitbucket-pipe, trivy-pipe, sarif-bitbucket-pipe …). */
    static final Set<String> REQUIRED = Set.of("name", "image", "category", "description", "repository", "maintainer",
            "tags");
    static final Set<String> OPTIONAL = Set.of("vendor", "variables");
    /** Categories seen in published pipes (Security: conjur, trivy, cyclonedx; Deployment; Code Quality). */
    static final Set<String> CATEGORIES = Set.of("Security", "Deployment", "Code Quality", "Utilities",
            "Notifications", "Testing", "Monitoring", "Alerting");
    static final Set<String> PERSON_KEYS = Set.of("name", "website", "email");
    static final Set<String> VARIABLE_KEYS = Set.of("name", "description", "required", "default", "secret");
    static final Pattern HTTPS = Pattern.compile("https://[a-z0-9.-]+(/\\S*)?");

    static Object strictYaml(String text) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        return new Yaml(new SafeConstructor(options)).load(text);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> manifest() throws IOException {
        Object doc = strictYaml(Files.readString(Pipe.pipeYml(), StandardCharsets.UTF_8));
        assertThat(doc).as("pipe.yml is a mapping").isInstanceOf(Map.class);
        return (Map<String, Object>) doc;
    }

    @Test
    void pipeYmlWhenParsedStrictlyThenMarketplaceFieldsPresentAndTyped() throws IOException {
        Map<String, Object> m = manifest();

        assertThat(m.keySet()).containsAll(REQUIRED);
        Set<String> unknown = new HashSet<>(m.keySet());
        unknown.removeAll(REQUIRED);
        unknown.removeAll(OPTIONAL);
        assertThat(unknown).as("unknown top-level keys (a typo like 'respository' hides a field)").isEmpty();
        for (String key : List.of("name", "image", "category", "description", "repository")) {
            assertThat(m.get(key)).as(key).isInstanceOf(String.class);
            assertThat((String) m.get(key)).as(key).isNotBlank().doesNotContain("\n");
        }
        assertThat(CATEGORIES).contains((String) m.get("category"));
        assertThat((String) m.get("repository")).matches(HTTPS);
        for (String key : List.of("maintainer", "vendor")) {
            assertThat(m.get(key)).as(key).isInstanceOf(Map.class);
            Map<?, ?> person = (Map<?, ?>) m.get(key);
            assertThat(PERSON_KEYS).as(key + " keys").containsAll(stringKeys(person));
            assertThat(person.get("name")).as(key + ".name").isInstanceOf(String.class);
            assertThat((String) person.get("website")).as(key + ".website").matches(HTTPS);
        }
        assertThat(m.get("tags")).isInstanceOf(List.class);
        List<?> tags = (List<?>) m.get("tags");
        assertThat(tags).isNotEmpty().doesNotHaveDuplicates().allSatisfy(t -> assertThat(t).isInstanceOf(String.class)
                .asString().matches("[a-z0-9][a-z0-9 -]*"));
    }

    @Test
    void pipeYmlImageWhenComparedWithTheJibImageThenSameNameAtTheReleaseVersion() throws IOException {
        String image = (String) manifest().get("image");
        String built = System.getProperty("segura.pipe.image");

        assertThat(image).matches("[a-z0-9./-]+:\\d+\\.\\d+\\.\\d+");
        assertThat(image).isEqualTo(built.replace("-SNAPSHOT", ""));
    }

    @Test
    void pipeYmlVariablesWhenComparedWithTheEntryScriptThenTheSameSetAndRequiredOnes() throws IOException {
        Object raw = manifest().get("variables");
        assertThat(raw).isInstanceOf(List.class);
        Map<String, Map<?, ?>> byName = new LinkedHashMap<>();
        for (Object o : (List<?>) raw) {
            assertThat(o).isInstanceOf(Map.class);
            Map<?, ?> v = (Map<?, ?>) o;
            assertThat(VARIABLE_KEYS).as("variable keys").containsAll(stringKeys(v));
            assertThat(v.get("name")).isInstanceOf(String.class);
            assertThat((String) v.get("name")).matches("[A-Z][A-Z0-9_]*");
            assertThat((String) v.get("description")).as(v.get("name") + ".description").isNotBlank();
            assertThat(v.get("required")).as(v.get("name") + ".required").isInstanceOf(Boolean.class);
            if (v.containsKey("default")) {
                assertThat(v.get("default")).as(v.get("name") + ".default (Bitbucket passes text)")
                        .isInstanceOf(String.class);
                assertThat(v.get("required")).as(v.get("name") + " has a default, so it is optional").isEqualTo(false);
            }
            assertThat(byName.put((String) v.get("name"), v)).as("duplicate variable " + v.get("name")).isNull();
        }
        assertThat(byName.keySet()).containsExactlyInAnyOrder("SEGURA_URL", "ROLE", "SECRETS", "COMMAND", "DEBUG");
        assertThat(byName.entrySet().stream().filter(e -> Boolean.TRUE.equals(e.getValue().get("required")))
                .map(Map.Entry::getKey)).containsExactlyInAnyOrder("SEGURA_URL", "ROLE", "SECRETS");

        String script = Files.readString(CliBuild.imageBin().resolve("bitbucket-pipe"), StandardCharsets.UTF_8);
        for (String name : byName.keySet()) {
            assertThat(script).as("the entry script reads " + name)
                    .containsAnyOf("${" + name, "read_list " + name);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void readmeWhenYamlBlocksParsedThenEveryPipeStepUsesTheImageWithOidcAndDeclaredVariables() throws IOException {
        String readme = Files.readString(Pipe.readme(), StandardCharsets.UTF_8);
        String image = (String) manifest().get("image");
        Set<String> declared = new HashSet<>();
        ((List<Map<String, Object>>) manifest().get("variables")).forEach(v -> declared.add((String) v.get("name")));
        List<Map<String, Object>> pipeSteps = new ArrayList<>();
        Matcher block = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        int blocks = 0;
        while (block.find()) {
            blocks++;
            collectSteps(strictYaml(block.group(1)), pipeSteps);
        }
        assertThat(blocks).isGreaterThanOrEqualTo(3);
        assertThat(pipeSteps).as("steps running the pipe in the README").hasSizeGreaterThanOrEqualTo(3);
        for (Map<String, Object> step : pipeSteps) {
            assertThat(step.get("oidc")).as("step " + step.get("name") + " has oidc").satisfiesAnyOf(
                    o -> assertThat(o).isEqualTo(true),
                    o -> assertThat(o).isInstanceOf(Map.class).asInstanceOf(
                            org.assertj.core.api.InstanceOfAssertFactories.MAP).containsKey("audiences"));
            for (Object line : (List<?>) step.get("script")) {
                if (line instanceof Map<?, ?> pipe && pipe.containsKey("pipe")) {
                    assertThat(pipe.get("pipe")).isEqualTo("docker://" + image);
                    Map<String, Object> vars = (Map<String, Object>) pipe.get("variables");
                    assertThat(declared).as("README variables are declared in pipe.yml").containsAll(vars.keySet());
                    assertThat(vars).containsKeys("SEGURA_URL", "ROLE", "SECRETS");
                }
            }
        }
    }

    /** Every {@code step:} mapping below {@code node} whose script has a {@code pipe:} line. */
    @SuppressWarnings("unchecked")
    private static void collectSteps(Object node, List<Map<String, Object>> out) {
        if (node instanceof Map<?, ?> map) {
            Object step = map.get("step");
            if (step instanceof Map<?, ?> s && s.get("script") instanceof List<?> script
                    && script.stream().anyMatch(l -> l instanceof Map<?, ?> p && p.containsKey("pipe"))) {
                out.add((Map<String, Object>) s);
            }
            map.values().forEach(v -> collectSteps(v, out));
        } else if (node instanceof List<?> list) {
            list.forEach(v -> collectSteps(v, out));
        }
    }

    private static Set<String> stringKeys(Map<?, ?> map) {
        Set<String> keys = new HashSet<>();
        map.keySet().forEach(k -> {
            assertThat(k).isInstanceOf(String.class);
            keys.add((String) k);
        });
        return keys;
    }
}
