// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.gitlab;

import java.nio.file.Path;

/**
 * Where the tests find the component;
 * the CLI jar and the image's scripts come from {@link io.segura.testkit.cli.CliBuild}.
 */
final class Plugin {

    private Plugin() {
    }

    static Path template() {
        return Path.of("templates", "segura.yml").toAbsolutePath();
    }
}
