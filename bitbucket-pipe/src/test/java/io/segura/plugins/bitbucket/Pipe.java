// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.bitbucket;

import java.nio.file.Path;

/**
 * Where the tests find the pipe's files; the CLI jar and the image's scripts (the pipe's entrypoint among them)
 * come from {@link io.segura.testkit.cli.CliBuild}.
 */
final class Pipe {

    private Pipe() {
    }

    static Path pipeYml() {
        return Path.of("pipe.yml").toAbsolutePath();
    }

    static Path readme() {
        return Path.of("README.md").toAbsolutePath();
    }
}
