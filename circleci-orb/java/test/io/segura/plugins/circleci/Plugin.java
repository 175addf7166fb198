// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.circleci;

import io.segura.testkit.cli.CliBuild;
import java.nio.file.Path;

/**
 * Where the tests find the orb: its source ({@code src/}), the orb the build packed ({@code target/orb.yml}, system
 * property {@code segura.orb.packed}) and the README; the CLI jar and the image's scripts come from {@link CliBuild}.
 */
final class Plugin {

    private Plugin() {
    }

    static Path src() {
        return Path.of("src").toAbsolutePath();
    }

    static Path packed() {
        return CliBuild.existing("segura.orb.packed", "the build packs it in process-classes (OrbPacker)");
    }

    static Path readme() {
        return Path.of("README.md").toAbsolutePath();
    }
}
