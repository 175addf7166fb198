// SPDX-License-Identifier: Apache-2.0
package io.segura.testkit.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a plugin's tests find what the CLI module built: its jar and its image's scripts, named by system properties
 * the plugin's pom sets ({@code segura.cli.jar}, {@code segura.cli.bin}, …). A missing one is an error that says how
 * to build it, never a skipped test.
 */
public final class CliBuild {

    private CliBuild() {
    }

    /** The executable CLI jar. */
    public static Path jar() {
        return existing("segura.cli.jar", "build it with `./mvnw -pl cli -am package -DskipTests`");
    }

    /** The CLI image's scripts ({@code opt/segura/bin}). */
    public static Path imageBin() {
        return existing("segura.cli.bin", "the CLI module's src/main/jib/opt/segura/bin");
    }

    /** The existing path a system property names. */
    public static Path existing(String property, String hint) {
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
