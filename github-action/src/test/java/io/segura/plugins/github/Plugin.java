// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.github;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the tests find the action: the JavaScript action at the module root (the action's root as published), its
 * container variant in {@code container/}; the CLI jar and the image's scripts come from
 * {@link io.segura.testkit.cli.CliBuild}.
 */
final class Plugin {

    private static final Pattern VERSION = Pattern.compile("\"version\"\\s*:\\s*\"([^\"]+)\"");

    private Plugin() {
    }

    static Path actionDir() {
        return Path.of("").toAbsolutePath();
    }

    static Path actionYml() {
        return actionDir().resolve("action.yml");
    }

    static Path containerActionYml() {
        return actionDir().resolve("container").resolve("action.yml");
    }

    /** The action's own version ({@code package.json}): the release whose jar it downloads. */
    static String version() {
        try {
            Matcher m = VERSION.matcher(Files.readString(actionDir().resolve("package.json"), StandardCharsets.UTF_8));
            if (!m.find()) {
                throw new IllegalStateException("package.json has no version");
            }
            return m.group(1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
