// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.github;

import java.nio.file.Path;

/**
 * Where the tests find the action;
 * the CLI jar and the image's scripts come from {@link io.segura.testkit.cli.CliBuild}.
 */
final class Plugin {

    private Plugin() {
    }

    static Path actionYml() {
        return Path.of("action.yml").toAbsolutePath();
    }
}
