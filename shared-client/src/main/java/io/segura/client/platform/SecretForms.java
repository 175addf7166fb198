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
 *
 * <p>A form that spans lines is registered whole only when none of its non-empty lines is shorter than the minimum:
 * the GitHub runner registers every line of a multi-line mask on its own (actions/runner#1521), and a line such as
 * <code>{</code> of a JSON secret would then mask that character all over the log (actions/runner#326).
 */
final class SecretForms {

    /** DESIGN §11: shorter forms are not registered (they would mask unrelated text all over the log). */
    static final int MINIMUM_LENGTH = 4;

    private SecretForms() {
    }

    static List<String> of(String value) {
        Set<String> forms = new LinkedHashSet<>();
        for (String variant : SecretVariants.of(value, MINIMUM_LENGTH)) {
            List<String> lines = lines(variant);
            boolean shortLine = false;
            List<String> longLines = new ArrayList<>();
            for (String line : lines) {
                if (longEnough(line)) {
                    longLines.add(line);
                } else if (!line.isEmpty()) {
                    shortLine = true;
                }
            }
            if (!shortLine) {
                forms.add(variant);
            }
            forms.addAll(longLines);
        }
        return List.copyOf(forms);
    }

    private static boolean longEnough(String s) {
        return s.codePointCount(0, s.length()) >= MINIMUM_LENGTH;
    }

    /** Lines split on CR LF, LF and CR, exactly as the masking engine splits them; a single-line value has none. */
    static List<String> lines(String value) {
        return SecretVariants.lines(value);
    }
}
