// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.github;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.testkit.platform.GitHubRunner;
import java.util.ArrayList;
import java.util.List;

/** Reads a step's output the way the runner's log does: {@code ::add-mask::} applies to every later line. */
final class RunnerLog {

    private RunnerLog() {
    }

    /**
     * Asserts that no line the log would show reveals a line of any secret: each line is masked with only the masks
     * registered before it (so a value printed before its mask fails), and the raw line must not contain the value
     * either (the action never prints values, masked or not).
     */
    static void assertMaskedBeforeAnyValue(String log, List<String> secrets) {
        List<String> masks = new ArrayList<>();
        List<String> secretLines = secrets.stream().flatMap(s -> s.lines()).filter(l -> l.length() >= 4).toList();
        for (String line : log.split("\r\n|\r|\n", -1)) {
            if (line.strip().startsWith("::add-mask::")) {
                masks.addAll(GitHubRunner.masks(line));
                continue;
            }
            String shown = line;
            for (String mask : masks.stream().sorted((a, b) -> b.length() - a.length()).toList()) {
                if (!mask.isEmpty()) {
                    shown = shown.replace(mask, "***");
                }
            }
            for (String secretLine : secretLines) {
                assertThat(shown).as("log line as the runner shows it").doesNotContain(secretLine);
                assertThat(line).as("raw log line").doesNotContain(secretLine);
            }
        }
        for (String secret : secrets) {
            assertThat(masks).as("masks registered").contains(secret);
            secret.lines().filter(l -> l.length() >= 4).forEach(l -> assertThat(masks).contains(l));
        }
    }
}
