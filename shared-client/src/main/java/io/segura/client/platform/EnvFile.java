// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

import java.io.IOException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * A 0600 env file a later step sources ({@code . .segura/segura.env}), for platforms without a secret channel
 * between steps. Each line is {@code export NAME='value'} with the value single-quoted for POSIX shells, so any
 * value (multi-line, quotes, {@code $}) survives unchanged and nothing in it is expanded.
 */
final class EnvFile {

    /** Default place below the working directory; the directory is created 0700. */
    static final String DEFAULT_RELATIVE_PATH = ".segura/segura.env";

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private EnvFile() {
    }

    /** {@code name} if it is a portable environment variable name, else an {@link IllegalArgumentException}. */
    static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a valid environment variable name: \"" + name
                    + "\" (letters, digits and _, not starting with a digit)");
        }
        return name;
    }

    /** Appends {@code export NAME='value'} to {@code file} (created 0600 in a 0700 directory when missing). */
    static Path append(Path file, String name, String value) throws IOException {
        checkName(name);
        PrivateFiles.append(file, "export " + name + "=" + singleQuoted(value) + "\n");
        return file;
    }

    /** POSIX single quoting: nothing inside is special except {@code '}, written as {@code '\''}. */
    static String singleQuoted(String value) {
        return "'" + value.replace("'", "'\\''") + "'";
    }
}
