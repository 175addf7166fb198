// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.tekton;

import java.nio.file.Path;

/**
 * Where the tests find the catalog;
 * the CLI jar and the image's scripts come from {@link io.segura.testkit.cli.CliBuild}.
 */
final class Plugin {

    static final Path TASK = Path.of("task", "segura-secrets", "0.1", "segura-secrets.yaml");
    static final Path STEP_ACTION = Path.of("stepaction", "segura-exec", "0.1", "segura-exec.yaml");

    private Plugin() {
    }
}
