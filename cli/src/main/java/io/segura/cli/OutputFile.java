// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import io.segura.client.platform.PrivateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A file the user named for secrets ({@code inject --output}, {@code export --output}): 0600, replaced atomically. */
final class OutputFile {

    private OutputFile() {
    }

    /**
     * Writes {@code content} to {@code file} (relative to the working directory) with {@link PrivateFiles#write}: a
     * 0600 temporary file beside it, renamed over it. A directory the user named through a symbolic link
     * ({@code /var/run → /run}) is the user's choice, so it is resolved first; {@link PrivateFiles} refuses links
     * only for the directories a platform picks on its own.
     *
     * @return the file written
     */
    static Path write(CliContext ctx, Path file, String content) throws IOException {
        Path target = ctx.workDir().resolve(file).toAbsolutePath().normalize();
        Path dir = target.getParent();
        if (Files.isDirectory(dir)) {
            target = dir.toRealPath().resolve(target.getFileName());
        }
        PrivateFiles.write(target, content);
        return target;
    }
}
