// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.github;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.testkit.cli.CliBuild;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * Every flow of {@link GitHubActionEndToEndTest}, but in the real CLI image that Jib built ({@code -Pcontainers}:
 * {@code cli/target/jib-github-action-image.tar}: the CLI image as root), loaded into podman or Docker and run the
 * way the runner runs a Docker action.
 * The engine is {@code SEGURA_CONTAINER_ENGINE}, else podman, else docker on the PATH.
 */
@Tag("containers")
class GitHubActionContainerTest extends GitHubActionEndToEndTest {

    static String engine;

    @BeforeAll
    static void loadImage() throws Exception {
        engine = engine();
        Path tar = CliBuild.existing("segura.cli.image.tar", "build it with `./mvnw -Pcontainers -pl cli -am verify -DskipTests`");
        Process load = new ProcessBuilder(engine, "load", "-i", tar.toString()).redirectErrorStream(true).start();
        String out = new String(load.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(load.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(load.exitValue()).as(engine + " load: " + out).isZero();
    }

    static String engine() {
        String explicit = System.getenv("SEGURA_CONTAINER_ENGINE");
        if (explicit != null && !explicit.isBlank()) {
            return explicit;
        }
        for (String name : List.of("podman", "docker")) {
            for (String dir : System.getenv("PATH").split(":")) {
                if (Files.isExecutable(Path.of(dir, name))) {
                    return Path.of(dir, name).toString();
                }
            }
        }
        throw new IllegalStateException("-Pcontainers needs podman or docker on the PATH (or SEGURA_CONTAINER_ENGINE)");
    }

    @Override
    DockerActionRunner runner() throws Exception {
        String image = System.getProperty("segura.cli.image");
        return new DockerActionRunner(ActionManifest.load(Plugin.containerActionYml()),
                DockerActionRunner.container(engine, image));
    }
}
