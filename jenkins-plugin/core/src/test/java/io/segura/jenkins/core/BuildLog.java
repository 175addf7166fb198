// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Collection;

/** A captured build log (what Jenkins' {@code TaskListener.getLogger()} would receive). */
final class BuildLog {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    String text() {
        stream.flush();
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** No value, and no line of a multi-line value, appears in the log. */
    void assertNoneOf(Collection<String> values) {
        String text = text();
        for (String v : values) {
            // booleans, so that a failure does not print the value it found
            assertThat(text.contains(v)).as("a secret value in the log").isFalse();
            for (String line : v.split("\n")) {
                assertThat(text.contains(line)).as("a line of a secret value in the log").isFalse();
            }
        }
    }
}
