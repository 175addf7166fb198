// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.gitlab;

import java.nio.file.Path;

/**
 * Where the tests find the components (one per file under {@code templates/}, as the CI/CD Catalog wants them);
 * the CLI jar and the image's scripts come from {@link io.segura.testkit.cli.CliBuild}.
 */
final class Plugin {

    private Plugin() {
    }

    /** {@code templates/secrets.yml}: the hidden job {@code .segura-exec}. */
    static Path secrets() {
        return Path.of("templates", "secrets.yml").toAbsolutePath();
    }

    /** {@code templates/deploy-gate.yml}: the opt-in policy gate job. */
    static Path deployGate() {
        return Path.of("templates", "deploy-gate.yml").toAbsolutePath();
    }
}
