// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

import io.segura.client.masking.SecretVariants;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What to register with a platform's native masker for one value: the value, every masking variant of DESIGN §11
 * ({@link SecretVariants}), and each line of any of them that spans lines — a platform masker works line by line,
 * so a multi-line pattern alone would never match.
 */
final class SecretForms {

    /** DESIGN §11: shorter forms are not registered (they would mask unrelated text all over the log). */
    static final int MINIMUM_LENGTH = 4;

    private SecretForms() {
    }

    static List<String> of(String value) {
        Set<String> forms = new LinkedHashSet<>();
        for (String variant : SecretVariants.of(value, MINIMUM_LENGTH)) {
            forms.add(variant);
            for (String line : lines(variant)) {
                if (line.codePointCount(0, line.length()) >= MINIMUM_LENGTH) {
                    forms.add(line);
                }
            }
        }
        return List.copyOf(forms);
    }

    /** Lines split on CR LF, LF and CR; a single-line value has none. */
    static List<String> lines(String value) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\n' || c == '\r') {
                lines.add(value.substring(start, i));
                if (c == '\r' && i + 1 < value.length() && value.charAt(i + 1) == '\n') {
                    i++;
                }
                start = i + 1;
            }
        }
        if (start > 0) {
            lines.add(value.substring(start));
        }
        return lines;
    }
}
