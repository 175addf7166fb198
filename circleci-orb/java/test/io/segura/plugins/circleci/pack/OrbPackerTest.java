// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.circleci.pack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** The packer on small orb trees, rule by rule, and on the orb's own {@code src/}. */
class OrbPackerTest {

    @TempDir
    Path src;

    void write(String path, String text) throws IOException {
        Path file = src.resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    void orbWithGreet(String greetRun) throws IOException {
        write("@orb.yml", "version: 2.1\ndescription: test orb\n");
        write("commands/greet.yml", "description: greets\nsteps:\n  - run:\n      name: Greet\n      command: "
                + greetRun + "\n");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static String greetCommand(Map<String, Object> orb) {
        Map<String, Object> greet = map(map(orb.get("commands")).get("greet"));
        return (String) map(map(((List<Object>) greet.get("steps")).get(0)).get("run")).get("command");
    }

    static Map<String, Object> reparse(String yaml) {
        return map(new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml));
    }

    @Test
    void packWhenNoAtOrbYmlThenFailsAskingForTheSrcDirectory() throws Exception {
        write("commands/greet.yml", "steps: []\n");

        assertThatThrownBy(() -> OrbPacker.pack(src)).isInstanceOf(OrbPackException.class)
                .hasMessageContaining("@orb.yml file not found in " + src.toAbsolutePath())
                .hasMessageContaining("is it the orb's src directory?");
    }

    @Test
    void packWhenDirectoriesThenSectionsKeyedByFileNameInOrbKeyOrderAndScriptsAddNoKey() throws Exception {
        write("@orb.yml", "display:\n  source_url: https://example.com/orb\ndescription: test orb\nversion: 2.1\n");
        write("jobs/build.yml", "description: b\nsteps: [checkout]\n");
        write("commands/greet.yml", "description: g\nsteps: [checkout]\n");
        write("commands/wave.yaml", "description: w\nsteps: [checkout]\n");
        write("executors/default.yml", "description: e\ndocker:\n  - image: cimg/base:current\n");
        write("examples/use_it.yml", "description: x\nusage:\n  version: 2.1\n");
        write("scripts/greet.sh", "echo hi\n");

        Map<String, Object> orb = OrbPacker.packToMap(src);

        assertThat(orb.keySet()).containsExactly("version", "description", "display", "commands", "executors", "jobs",
                "examples");
        assertThat(orb.get("version")).isEqualTo(2.1);
        assertThat(map(orb.get("commands")).keySet()).containsExactly("greet", "wave");
        assertThat(map(orb.get("executors"))).containsOnlyKeys("default");
        assertThat(reparse(OrbPacker.pack(src))).isEqualTo(orb);
    }

    @Test
    void packWhenIncludeIsTheWholeValueThenFileTextInlinedWithDoubleAngleEscapedAsLiteralBlock() throws Exception {
        orbWithGreet("<<include(scripts/greet.sh)>>");
        String script = "#!/bin/bash\ncat <<EOF\nhello << not a parameter\nEOF\n";
        write("scripts/greet.sh", script);

        String packed = OrbPacker.pack(src);

        assertThat(greetCommand(reparse(packed))).isEqualTo(script.replace("<<", "\\<<"));
        assertThat(packed).contains("command: |\n").contains("cat \\<<EOF\n");
    }

    @Test
    void packWhenIncludeHasSpacesInsideTheBracketsThenStillAnInclude() throws Exception {
        orbWithGreet("<< include(scripts/greet.sh) >>");
        write("scripts/greet.sh", "echo hi\n");

        assertThat(greetCommand(OrbPacker.packToMap(src))).isEqualTo("echo hi\n");
    }

    @Test
    void packWhenIncludeIsPartOfTheValueThenFailsEntireString() throws Exception {
        orbWithGreet("'echo <<include(scripts/greet.sh)>>'");
        write("scripts/greet.sh", "hi");

        assertThatThrownBy(() -> OrbPacker.pack(src)).isInstanceOf(OrbPackException.class)
                .hasMessageContaining("entire string must be include statement: 'echo <<include(scripts/greet.sh)>>'");
    }

    @Test
    void packWhenTwoIncludesInOneValueThenFailsMultipleIncludeStatements() throws Exception {
        orbWithGreet("'<<include(scripts/a.sh)>><<include(scripts/b.sh)>>'");
        write("scripts/a.sh", "a");
        write("scripts/b.sh", "b");

        assertThatThrownBy(() -> OrbPacker.pack(src)).isInstanceOf(OrbPackException.class)
                .hasMessageContaining("multiple include statements");
    }

    @Test
    void packWhenIncludedFileMissingThenFailsNamingIt() throws Exception {
        orbWithGreet("<<include(scripts/nope.sh)>>");

        assertThatThrownBy(() -> OrbPacker.pack(src)).isInstanceOf(OrbPackException.class)
                .hasMessageContaining("could not open scripts/nope.sh for inclusion: no such file");
    }

    @Test
    void packWhenIncludeLeavesSrcThenFails() throws Exception {
        orbWithGreet("<<include(../outside.sh)>>");
        Files.writeString(src.resolveSibling("outside.sh"), "echo outside");

        assertThatThrownBy(() -> OrbPacker.pack(src)).isInstanceOf(OrbPackException.class)
                .hasMessageContaining("could not open ../outside.sh for inclusion: it is outside");
    }

    @Test
    void packWhenIncludePathHasAHyphenThenRefusedBecauseTheClisDisagree() throws Exception {
        orbWithGreet("<<include(scripts/my-greet.sh)>>");
        write("scripts/my-greet.sh", "echo hi\n");

        assertThatThrownBy(() -> OrbPacker.pack(src)).isInstanceOf(OrbPackException.class)
                .hasMessageContaining("include path in '<<include(scripts/my-greet.sh)>>' has characters other than")
                .hasMessageContaining("rename the file");
    }

    @Test
    void packWhenIncludeInAnExampleOrDescriptionThenLeftAsWritten() throws Exception {
        write("@orb.yml", "version: 2.1\ndescription: <<include(scripts/greet.sh)>>\n");
        write("examples/show.yml", "description: <<include(scripts/greet.sh)>>\nusage:\n  version: 2.1\n");
        write("scripts/greet.sh", "echo hi\n");

        Map<String, Object> orb = OrbPacker.packToMap(src);

        assertThat(orb.get("description")).isEqualTo("<<include(scripts/greet.sh)>>");
        assertThat(map(map(orb.get("examples")).get("show")).get("description"))
                .isEqualTo("<<include(scripts/greet.sh)>>");
    }

    @Test
    void packWhenDotfilesAndNonYamlFilesThenSkipped() throws Exception {
        write("@orb.yml", "version: 2.1\n");
        write(".circleci/config.yml", "version: 2.1\njobs: {}\n");
        write("commands/.hidden.yml", "steps: []\n");
        write("commands/README.md", "# not yaml\n");
        write("commands/greet.yml", "steps: [checkout]\n");

        Map<String, Object> orb = OrbPacker.packToMap(src);

        assertThat(orb).containsOnlyKeys("version", "commands");
        assertThat(map(orb.get("commands"))).containsOnlyKeys("greet");
    }

    @Test
    void packWhenAtFileInASectionOrOtherRootYamlThenMergedIntoThatLevel() throws Exception {
        write("@orb.yml", "version: 2.1\n");
        write("meta.yml", "description: from another root file\n");
        write("commands/@shared.yml", "wave:\n  steps: [checkout]\n");
        write("commands/greet.yml", "steps: [checkout]\n");

        Map<String, Object> orb = OrbPacker.packToMap(src);

        assertThat(orb.get("description")).isEqualTo("from another root file");
        assertThat(map(orb.get("commands"))).containsOnlyKeys("greet", "wave");
    }

    @Test
    void packWhenDirectoryInsideASectionThenRefusedBecauseTheClisDisagree() throws Exception {
        write("@orb.yml", "version: 2.1\n");
        write("commands/aws/login.yml", "steps: [checkout]\n");

        assertThatThrownBy(() -> OrbPacker.pack(src)).isInstanceOf(OrbPackException.class)
                .hasMessageContaining("commands/aws/ is a directory inside a section")
                .hasMessageContaining("keep components one level deep");
    }

    @Test
    void packWhenTwoFilesDefineTheSameKeyThenFailsNamingBoth() throws Exception {
        write("@orb.yml", "version: 2.1\n");
        write("commands/greet.yml", "steps: [checkout]\n");
        write("commands/greet.yaml", "steps: [checkout]\n");

        assertThatThrownBy(() -> OrbPacker.pack(src)).isInstanceOf(OrbPackException.class)
                .hasMessageContaining("commands/greet.yaml").hasMessageContaining("commands/greet.yml")
                .hasMessageContaining("both define commands.greet");
    }

    @Test
    void packWhenRootFilesRepeatAKeyOrAFileHasDuplicateKeysThenFails() throws Exception {
        write("@orb.yml", "version: 2.1\ndescription: a\n");
        write("more.yml", "description: b\n");
        assertThatThrownBy(() -> OrbPacker.pack(src)).isInstanceOf(OrbPackException.class)
                .hasMessageContaining("more.yml defines 'description' again");

        Files.delete(src.resolve("more.yml"));
        write("commands/greet.yml", "steps: [checkout]\nsteps: []\n");
        assertThatThrownBy(() -> OrbPacker.pack(src)).isInstanceOf(OrbPackException.class)
                .hasMessageContaining("commands/greet.yml").hasMessageContaining("duplicate key steps");
    }

    @Test
    void packWhenTopLevelKeyIsNotAnOrbKeyThenFailsInsteadOfDroppingIt() throws Exception {
        write("@orb.yml", "version: 2.1\nworkflows: {}\n");

        assertThatThrownBy(() -> OrbPacker.pack(src)).isInstanceOf(OrbPackException.class)
                .hasMessageContaining("top-level key 'workflows' is not part of an orb");
    }

    @Test
    void packWhenFileIsNotAMapOrNotYamlThenFailsNamingTheFile() throws Exception {
        write("@orb.yml", "version: 2.1\n");
        write("commands/list.yml", "- a\n- b\n");
        assertThatThrownBy(() -> OrbPacker.pack(src)).isInstanceOf(OrbPackException.class)
                .hasMessageContaining("commands/list.yml must hold a YAML map");

        write("commands/list.yml", "steps: [unclosed\n");
        assertThatThrownBy(() -> OrbPacker.pack(src)).isInstanceOf(OrbPackException.class)
                .hasMessageContaining("commands/list.yml: ");
    }

    @Test
    void packWhenYaml11BooleansThenBooleansAsCircleciReadsThemAndQuotedStaysString() throws Exception {
        write("@orb.yml", "version: 2.1\n");
        write("commands/vpn.yml", "parameters:\n  killswitch: {type: boolean, default: on}\n"
                + "  quiet: {type: boolean, default: off}\n  label: {type: string, default: \"on\"}\nsteps: [checkout]\n");

        Map<String, Object> parameters = map(map(map(OrbPacker.packToMap(src).get("commands")).get("vpn"))
                .get("parameters"));

        assertThat(map(parameters.get("killswitch")).get("default")).isEqualTo(true);
        assertThat(map(parameters.get("quiet")).get("default")).isEqualTo(false);
        assertThat(map(parameters.get("label")).get("default")).isEqualTo("on");
        assertThat(OrbPacker.pack(src)).contains("default: 'on'");
    }

    @Test
    void packWhenTheOrbsOwnSrcThenSameAsTheBuildsOrbYmlWithTheScriptInlinedInEveryStep() throws Exception {
        Path ownSrc = Path.of("src");
        String packed = OrbPacker.pack(ownSrc);
        String script = Files.readString(ownSrc.resolve("scripts/segura.sh"), StandardCharsets.UTF_8);

        Path built = Path.of(System.getProperty("segura.orb.packed", "target/orb.yml"));
        assertThat(Files.readString(built, StandardCharsets.UTF_8)).isEqualTo(packed);
        assertThat(packed).doesNotContainPattern("(?<!\\\\)<<include\\(").doesNotContain("scripts:");
        assertThat(packed.split("set -eo pipefail", -1).length - 1).as("steps with the script").isEqualTo(4);
        assertThat(script).contains("<<include(").as("the script's own << is escaped in orb.yml");
        assertThat(packed).contains("\\<<include(scripts/segura.sh)>>");
    }

    @Test
    void mainWhenPackingThenWritesTheOutputFileAndFailsWithTheReason() throws Exception {
        orbWithGreet("<<include(scripts/greet.sh)>>");
        write("scripts/greet.sh", "echo hi\n");
        Path out = src.resolveSibling("out").resolve("orb.yml");

        OrbPacker.main(new String[] {src.toString(), out.toString()});
        assertThat(Files.readString(out)).isEqualTo(OrbPacker.pack(src));

        Files.delete(src.resolve("scripts/greet.sh"));
        assertThatThrownBy(() -> OrbPacker.main(new String[] {src.toString(), out.toString()}))
                .isInstanceOf(IOException.class).hasMessageStartingWith("orb pack failed: could not open");
    }
}
