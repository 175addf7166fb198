// SPDX-License-Identifier: Apache-2.0
package io.segura.cli.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The CLI image ({@code -Pcontainers}: {@code target/jib-image.tar}, run by failsafe after pre-integration-test wrote
 * it) starts from the JDK 25 AOT cache its build's training run wrote. {@code -XX:AOTMode=on} turns a cache the JVM
 * cannot use (another JVM, another class path, jars of another size or time) into a refused start, so a start with it
 * proves the cache is valid; {@code -Xlog:class+load} shows the CLI's own classes coming from it.
 */
@Tag("containers")
class CliImageIT {

    /** What the JVM logs for a class it maps from the AOT cache instead of loading it from a jar. */
    private static final String FROM_CACHE = "source: shared objects file";

    private static String engine;
    private static String image;

    @BeforeAll
    static void load() throws Exception {
        engine = engine();
        image = System.getProperty("segura.cli.image");
        run(List.of(engine, "load", "-i", System.getProperty("segura.cli.image.tar")), 300);
    }

    @Test
    void entrypointWhenCacheRequiredThenStartsAndMapsCliClassesFromIt() throws Exception {
        Result r = run(List.of(engine, "run", "--rm", "-e", "JAVA_TOOL_OPTIONS=-XX:AOTMode=on -Xlog:class+load=info",
                image, "--help"), 120);

        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).contains("Usage: segura-cli");
        assertThat(r.out()).containsPattern("io\\.segura\\.cli\\.SeguraCli " + FROM_CACHE);
        // The shared client's classes too (picocli's are Java 5 class files, which no CDS/AOT archive holds).
        assertThat(r.out()).containsPattern("io\\.segura\\.client\\.\\S+ " + FROM_CACHE);
    }

    @Test
    void pathScriptWhenCacheRequiredThenStartsFromIt() throws Exception {
        // segura-cli on the PATH: what GitLab jobs, Tekton steps and the GitHub Action's post step run.
        Result r = run(List.of(engine, "run", "--rm", "--entrypoint", "segura-cli",
                "-e", "JAVA_TOOL_OPTIONS=-XX:AOTMode=on -Xlog:class+load=info", image, "--help"), 120);

        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).containsPattern("io\\.segura\\.cli\\.SeguraCli " + FROM_CACHE);
    }

    @Test
    void cacheWhenNotAnAotCacheThenRequiredStartIsRefused() throws Exception {
        // The control that makes the tests above able to fail: under AOTMode=on a file that is not a usable cache
        // (here Jib's class-path file) stops the JVM instead of being ignored.
        Result r = run(List.of(engine, "run", "--rm", "--entrypoint", "java", image, "-XX:AOTMode=on",
                "-XX:AOTCache=/app/jib-classpath-file", "-cp", "@/app/jib-classpath-file",
                "io.segura.cli.SeguraCli", "--help"), 120);

        assertThat(r.exit()).as(r.out()).isNotZero();
        assertThat(r.out()).contains("AOT cache").doesNotContain("Usage: segura-cli");
    }

    private record Result(int exit, String out) {
    }

    private static Result run(List<String> cmd, int seconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(cmd + " did not end within " + seconds + " s");
        }
        return new Result(p.exitValue(), out);
    }

    private static String engine() {
        String explicit = System.getenv("SEGURA_CONTAINER_ENGINE");
        if (explicit != null && !explicit.isBlank()) {
            return explicit;
        }
        for (String name : List.of("podman", "docker")) {
            for (String d : System.getenv("PATH").split(":")) {
                if (Files.isExecutable(Path.of(d, name))) {
                    return Path.of(d, name).toString();
                }
            }
        }
        throw new IllegalStateException("-Pcontainers needs podman or docker on the PATH (or SEGURA_CONTAINER_ENGINE)");
    }
}
