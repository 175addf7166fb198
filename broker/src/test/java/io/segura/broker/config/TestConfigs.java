// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import java.util.stream.Collectors;

/**
 * Small trust-config documents with one section under test; each puts the caller's lines at a known line number so
 * tests can assert positions. Lines are given without indentation; the entry's own indentation is added.
 */
final class TestConfigs {

    static final String HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    private TestConfigs() {
    }

    /** {@code issuers[0]} named {@code x}; the given lines start at line 3. */
    static String issuer(String lines) {
        return "issuers:\n  - name: x\n" + indent(lines);
    }

    /**
     * A valid issuer {@code gh}, policy {@code gate} and client {@code bamboo}, then {@code roles[0]} named
     * {@code r}; the given lines start at line 12.
     */
    static String role(String lines) {
        return """
                issuers:
                  - name: gh
                    preset: github-actions
                    audiences: [https://b.example]
                policies:
                  - name: gate
                clients:
                  - id: bamboo
                    secret-sha256: %s
                roles:
                  - name: r
                """.formatted(HASH) + indent(lines);
    }

    /** {@code policies[0]} named {@code p}; the given lines start at line 3. */
    static String policy(String lines) {
        return "policies:\n  - name: p\n" + indent(lines);
    }

    /** {@code clients[0]} with id {@code c}; the given lines start at line 3. */
    static String client(String lines) {
        return "clients:\n  - id: c\n" + indent(lines);
    }

    /** {@code dynamic.postgresql[0]} named {@code d}; the given lines start at line 4. */
    static String dynamic(String lines) {
        return "dynamic:\n  postgresql:\n    - name: d\n" + lines.lines().map(l -> "      " + l + "\n")
                .collect(Collectors.joining());
    }

    private static String indent(String lines) {
        return lines.lines().map(l -> "    " + l + "\n").collect(Collectors.joining());
    }
}
