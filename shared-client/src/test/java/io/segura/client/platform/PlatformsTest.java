// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segura.testkit.platform.AzureAgent;
import io.segura.testkit.platform.CiJobs;
import io.segura.testkit.platform.GitHubRunner;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PlatformsTest {

    @TempDir
    static Path dir;

    static Stream<Arguments> jobs() {
        return Stream.of(
                Arguments.of("github-actions", GitHubRunner.withoutIdToken(dir).variables()),
                Arguments.of("azure-devops", AzureAgent.variables(null, false)),
                Arguments.of("gitlab", CiJobs.gitLab("t")),
                Arguments.of("circleci", CiJobs.circleCi("t", "/usr/bin")),
                Arguments.of("bitbucket", CiJobs.bitbucket("t", null)),
                Arguments.of("jenkins", CiJobs.jenkins("t")),
                Arguments.of("bamboo", CiJobs.bamboo("id", "secret")),
                Arguments.of("tekton", CiJobs.tekton(dir.resolve("token"), null)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jobs")
    void detectWhenPlatformJobThenOnlyThatAdapterDetects(String name, Map<String, String> variables) {
        var env = TestJobs.job(variables, dir).env;

        assertThat(Platforms.all()).filteredOn(p -> p.detect(env)).extracting(Platform::name).containsExactly(name);
        assertThat(Platforms.detect(env).name()).isEqualTo(name);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jobs")
    void byNameWhenAdapterNameThenThatAdapter(String name, Map<String, String> ignored) {
        assertThat(Platforms.byName(name)).get().extracting(Platform::name).isEqualTo(name);
        assertThat(Platforms.byName(name.toUpperCase(java.util.Locale.ROOT))).isPresent();
    }

    @Test
    void detectWhenSeguraPlatformSetThenItOverridesDetection() {
        Map<String, String> vars = new HashMap<>(CiJobs.gitLab("t"));
        vars.put("SEGURA_PLATFORM", "jenkins");

        assertThat(Platforms.detect(TestJobs.job(vars, dir).env)).isInstanceOf(Jenkins.class);
    }

    @Test
    void detectWhenSeguraPlatformUnknownThenErrorListsTheNames() {
        var env = TestJobs.job(Map.of("SEGURA_PLATFORM", "travis"), dir).env;

        assertThatThrownBy(() -> Platforms.detect(env))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("travis")
                .hasMessageContaining("github-actions")
                .hasMessageContaining("local");
    }

    @Test
    void detectWhenNoPlatformThenLocalDevWhichSaysWhatToSet() {
        var env = TestJobs.job(Map.of("HOME", "/home/dev"), dir).env;

        Platform platform = Platforms.detect(env);

        assertThat(platform).isInstanceOf(LocalDev.class);
        assertThatThrownBy(() -> platform.identity(env, null))
                .isInstanceOf(PlatformException.class)
                .hasMessageContaining("SEGURA_PLATFORM")
                .hasMessageContaining("SEGURA_ID_TOKEN");
    }

    @Test
    void detectWhenGitLabJobRunsOnKubernetesThenGitLabWins() {
        Map<String, String> vars = new HashMap<>(CiJobs.gitLab("t"));
        vars.putAll(CiJobs.tekton(dir.resolve("token"), null));

        assertThat(Platforms.detect(TestJobs.job(vars, dir).env)).isInstanceOf(GitLabCi.class);
    }

    @Test
    void byNameWhenAliasesThenResolved() {
        assertThat(Platforms.byName("kubernetes")).get().isInstanceOf(Tekton.class);
        assertThat(Platforms.byName("local")).get().isInstanceOf(LocalDev.class);
        assertThat(Platforms.byName("nope")).isEmpty();
        assertThat(Platforms.byName(null)).isEmpty();
    }
}
