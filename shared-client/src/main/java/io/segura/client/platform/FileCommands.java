// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * GitHub's file-command format ({@code GITHUB_ENV}, {@code GITHUB_OUTPUT}, {@code GITHUB_STATE}) in its multi-line
 * form, which carries any value without escaping: {@code NAME<<DELIMITER}, the value's lines, {@code DELIMITER}.
 * The runner owns the files (it creates and removes them), so they are appended to as they are.
 */
final class FileCommands {

    private FileCommands() {
    }

    static void appendHeredoc(Path file, String name, String value, String delimiter) throws IOException {
        String entry = name + "<<" + delimiter + "\n" + value + "\n" + delimiter + "\n";
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + " does not exist; the runner creates it for every step");
        }
        Files.writeString(file, entry, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }
}
