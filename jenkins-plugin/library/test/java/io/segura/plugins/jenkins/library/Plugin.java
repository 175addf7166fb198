// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.jenkins.library;

import io.segura.testkit.cli.CliBuild;
import java.nio.file.Path;

/** Where the tests find the library (its {@code vars/} and {@code src/}); the CLI comes from {@link CliBuild}. */
final class Plugin {

    private Plugin() {
    }

    static Path libraryDir() {
        return CliBuild.existing("segura.library.dir", "the module's directory (set by its pom)");
    }
}
