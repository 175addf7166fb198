// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.tekton;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the tests find the catalog, the CLI jar and the image's scripts (system properties set by the pom). */
final class Plugin {

    static final Path TASK = Path.of("task", "segura-secrets", "0.1", "segura-secrets.yaml");
    static final Path STEP_ACTION = Path.of("stepaction", "segura-exec", "0.1", "segura-exec.yaml");

    private Plugin() {
    }

    static Path cliJar() {
        return existing("segura.cli.jar", "build it with `./mvnw -pl cli -am package -DskipTests`");
    }

    static Path imageBin() {
        return existing("segura.cli.bin", "the CLI module's src/main/jib/opt/segura/bin");
    }

    static Path existing(String property, String hint) {
        String value = System.getProperty(property);
        if (value == null) {
            throw new IllegalStateException("system property " + property + " is not set (run through Maven)");
        }
        Path p = Path.of(value).toAbsolutePath().normalize();
        if (!Files.exists(p)) {
            throw new IllegalStateException(p + " does not exist: " + hint);
        }
        return p;
    }
}
