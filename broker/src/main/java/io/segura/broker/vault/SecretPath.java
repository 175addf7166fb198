// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

import java.util.regex.Pattern;

/** The syntax of secret paths and path prefixes (DESIGN §6). Globs are matched elsewhere (roles). */
public final class SecretPath {

    public static final int MAX_LENGTH = 256;
    private static final Pattern PATH = Pattern.compile("[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*");
    private static final Pattern PREFIX = Pattern.compile("[a-z0-9._/-]*");

    private SecretPath() {
    }

    public static boolean isValid(String path) {
        return path != null && path.length() <= MAX_LENGTH && PATH.matcher(path).matches();
    }

    /** Returns {@code path} or throws {@link InvalidSecretException} for field {@code path}. */
    public static String requireValid(String path) {
        if (path == null || path.isEmpty()) {
            throw new InvalidSecretException("path", "is required");
        }
        if (path.length() > MAX_LENGTH) {
            throw new InvalidSecretException("path", "is longer than " + MAX_LENGTH + " characters");
        }
        if (!PATH.matcher(path).matches()) {
            // The path is an identifier, not a secret: echoing it helps the caller.
            throw new InvalidSecretException("path", "'" + path + "' must match "
                    + "^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*$");
        }
        return path;
    }

    /** A list prefix: any leading part of a path ({@code ""} or {@code null} lists everything). */
    public static String requireValidPrefix(String prefix) {
        String p = prefix == null ? "" : prefix;
        if (p.length() > MAX_LENGTH || !PREFIX.matcher(p).matches()) {
            throw new InvalidSecretException("prefix", "may only contain a-z 0-9 . _ - / and be at most "
                    + MAX_LENGTH + " characters");
        }
        return p;
    }

    /** Escapes {@code %}, {@code _} and {@code \} for a {@code LIKE … ESCAPE '\'} pattern. */
    public static String likeEscape(String s) {
        return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }
}
