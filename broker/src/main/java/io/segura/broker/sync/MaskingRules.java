// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.sync;

import java.util.Optional;

/**
 * GitLab's rules for a masked CI/CD variable value (doc/ci/variables: "Mask a CI/CD variable"; Ci::Maskable): a single
 * line, no spaces, at least 8 characters, and — unless the variable is {@code raw} — only the Base64 alphabet of
 * RFC 4648 plus {@code @ : . ~}. Checked before any call so a refusal names the broken rule, never the value.
 */
final class MaskingRules {

    static final int MIN_LENGTH = 8;

    private MaskingRules() {
    }

    /** The first rule {@code value} breaks, or empty when GitLab can mask it. */
    static Optional<String> broken(String value, boolean raw) {
        int length = value.codePointCount(0, value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\n' || c == '\r') {
                return Optional.of("a masked value must be a single line (line break at character " + (i + 1) + ")");
            }
        }
        for (int i = 0; i < value.length(); i++) {
            if (Character.isWhitespace(value.charAt(i)) || Character.isSpaceChar(value.charAt(i))) {
                return Optional.of("a masked value must not contain spaces (whitespace at character " + (i + 1) + ")");
            }
        }
        if (length < MIN_LENGTH) {
            return Optional.of("a masked value must be at least " + MIN_LENGTH + " characters long (it has " + length
                    + ")");
        }
        if (!raw) {
            for (int i = 0; i < value.length(); i++) {
                if (!allowed(value.charAt(i))) {
                    return Optional.of("a masked value that is not raw may only use A-Z a-z 0-9 + / = - _ @ : . ~"
                            + " (character " + (i + 1) + " is outside it; mark the mapping raw: true to allow any"
                            + " non-space character)");
                }
            }
        }
        return Optional.empty();
    }

    private static boolean allowed(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "_+=/@:.~-".indexOf(c) >= 0;
    }
}
