// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.circleci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The orb's shape: orb-tools' offline review checks (RC001–RC005, RC008–RC010 of its review.bats) on {@code src/},
 * the wiring between parameters, steps and the script in the packed orb, and CircleCI's compile errors for a wrong
 * invocation.
 */
class OrbManifestTest {

    static final List<String> SECTIONS = List.of("commands", "jobs", "executors", "examples");
    /** The one name outside RC010's snake_case: the job is deploy-gate on every platform (issue 14, GitLab). */
    static final Set<String> RC010_EXCEPTIONS = Set.of("deploy-gate.yml");
    static final Pattern PARAM_ENV = Pattern.compile("PARAM_[A-Z_]+");

    static CircleCiOrb orb;

    @BeforeAll
    static void load() throws Exception {
        orb = CircleCiOrb.load(Plugin.packed());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> yaml(Path file) {
        try {
            return (Map<String, Object>) new Yaml(new SafeConstructor(new LoaderOptions()))
                    .load(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Path> files(String section) throws IOException {
        try (Stream<Path> s = Files.list(Plugin.src().resolve(section))) {
            return s.sorted().toList();
        }
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> runSteps(Map<String, Object> component) {
        return ((List<Object>) component.getOrDefault("steps", List.of())).stream()
                .filter(s -> s instanceof Map<?, ?> m && m.containsKey("run"))
                .map(s -> ((Map<String, Object>) s).get("run"))
                .map(r -> r instanceof Map<?, ?> ? (Map<String, Object>) r : Map.<String, Object>of("command", r))
                .toList();
    }

    @Test
    void layoutWhenOrbDevelopmentKitThenTheIssuesComponentsAndScripts() throws Exception {
        assertThat(Plugin.src().resolve("@orb.yml")).isRegularFile();
        assertThat(files("commands")).extracting(p -> p.getFileName().toString())
                .containsExactly("exec.yml", "fetch.yml", "revoke.yml");
        assertThat(files("jobs")).extracting(p -> p.getFileName().toString()).containsExactly("deploy-gate.yml");
        assertThat(files("executors")).extracting(p -> p.getFileName().toString()).containsExactly("default.yml");
        assertThat(files("scripts")).extracting(p -> p.getFileName().toString()).containsExactly("segura.sh");
        assertThat(files("examples")).isNotEmpty();
    }

    @Test
    @SuppressWarnings("unchecked")
    void reviewWhenOrbToolsOfflineChecksThenEveryOnePasses() throws Exception {
        Map<String, Object> root = yaml(Plugin.src().resolve("@orb.yml"));
        assertThat(((Map<String, Object>) root.get("display")).get("source_url")).as("RC001").isNotNull();
        assertThat(String.valueOf(root.get("description")).length()).as("RC005").isGreaterThanOrEqualTo(64);
        assertThat(files("examples")).as("RC003").isNotEmpty()
                .allMatch(p -> !p.getFileName().toString().contains("example"), "RC004");
        for (String section : SECTIONS) {
            for (Path file : files(section)) {
                Map<String, Object> component = yaml(file);
                assertThat(component.get("description")).as("RC002 " + file).isInstanceOf(String.class)
                        .asString().isNotBlank();
                if (section.equals("commands") || section.equals("jobs")) {
                    for (Map<String, Object> run : runSteps(component)) {
                        assertThat(run.get("name")).as("RC008 " + file).isInstanceOf(String.class);
                        String command = String.valueOf(run.get("command"));
                        assertThat(command.length() <= 64 || command.startsWith("<<include("))
                                .as("RC009 " + file).isTrue();
                    }
                }
                if (!section.equals("examples")) {
                    String name = file.getFileName().toString();
                    assertThat(!name.contains("-") || RC010_EXCEPTIONS.contains(name)).as("RC010 " + name).isTrue();
                    Map<String, Object> params = (Map<String, Object>) component.getOrDefault("parameters", Map.of());
                    assertThat(params.keySet()).as("RC010 parameters of " + name).allMatch(k -> !k.contains("-"));
                }
            }
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void wiringWhenPackedThenEveryParameterReachesTheScriptAndEveryReferenceIsDeclared() throws Exception {
        String script = Files.readString(Plugin.src().resolve("scripts/segura.sh"), StandardCharsets.UTF_8);
        for (String section : List.of("commands", "jobs")) {
            ((Map<String, Object>) orb.orb().get(section)).forEach((name, c) -> {
                Map<String, Object> component = (Map<String, Object>) c;
                Set<String> declared = ((Map<String, Object>) component.getOrDefault("parameters", Map.of())).keySet();
                Map<String, Object> body = new LinkedHashMap<>(component);
                body.remove("parameters");
                assertThat(CircleCiOrb.references(body)).as(section + " " + name + " uses every parameter")
                        .containsExactlyInAnyOrderElementsOf(declared);
                for (Map<String, Object> run : runSteps(component)) {
                    Map<String, Object> env = (Map<String, Object>) run.get("environment");
                    assertThat(env).as(name).containsKey("SEGURA_ORB_STEP");
                    assertThat(script).contains(String.valueOf(env.get("SEGURA_ORB_STEP")) + ")");
                    env.keySet().stream().filter(k -> k.startsWith("PARAM_"))
                            .forEach(k -> assertThat(script).as(name + " " + k).contains("${" + k));
                    assertThat(String.valueOf(run.get("command"))).as("inlined script").isEqualTo(
                            script.replace("<<", "\\<<"));
                }
            });
        }
        Matcher m = PARAM_ENV.matcher(script);
        while (m.find()) {
            String read = m.group();
            assertThat(orb.orb().toString()).as(read + " is set by some step").contains(read + "=");
        }
    }

    @Test
    void invocationWhenUnknownOrMissingArgumentOrWrongTypeThenFailsLikeCircleciCompiles() {
        assertThatThrownBy(() -> orb.command("exec", Map.of("url", "u", "command", "c", "typo", "x")))
                .hasMessageContaining("Unexpected argument(s): typo");
        assertThatThrownBy(() -> orb.command("exec", Map.of("role", "r")))
                .hasMessageContaining("Missing argument(s): url, command");
        assertThatThrownBy(() -> orb.command("fetch", Map.of("url", "u")))
                .hasMessageContaining("Missing argument(s): secrets");
        assertThatThrownBy(() -> orb.command("exec", Map.of("url", "u", "command", "c", "ttl", 15)))
                .hasMessageContaining("Parameter ttl: '15' is not a valid string");
        assertThatThrownBy(() -> orb.job("deploy-gate", Map.of("url", "u", "executor", "x")))
                .hasMessageContaining("Unexpected argument(s): executor");
    }

    @Test
    void commandsWhenExpandedThenOneNamedRunStepEachAndRevokeRunsAlways() {
        assertThat(orb.command("exec", Map.of("url", "u", "command", "c"))).singleElement()
                .satisfies(s -> {
                    assertThat(s.name()).isEqualTo("Run with Segura secrets");
                    assertThat(s.environment()).containsEntry("PARAM_URL", "u").containsEntry("PARAM_COMMAND", "c")
                            .containsEntry("PARAM_ROLE", "").containsEntry("SEGURA_ORB_STEP", "exec");
                    assertThat(s.when()).isEqualTo("on_success");
                    assertThat(s.command()).doesNotContain("\\<<").contains("<<include(scripts/segura.sh)>>");
                });
        assertThat(orb.command("revoke", Map.of())).singleElement()
                .satisfies(s -> assertThat(s.when()).isEqualTo("always"));
        assertThat(orb.job("deploy-gate", Map.of("url", "u", "tag", "0.2.0"))).singleElement()
                .satisfies(s -> assertThat(s.environment()).containsEntry("SEGURA_ORB_STEP", "deploy-gate"));
    }
}
