// SPDX-License-Identifier: Apache-2.0
package io.segura.client.masking;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The obviously correct, slow specification the automaton is checked against: at each position take the longest
 * pattern that starts there, mask it and continue after it; otherwise copy one byte.
 */
final class ReferenceMasker {

    private final List<byte[]> patterns;

    ReferenceMasker(List<String> secrets, int minimumLength) {
        Set<String> forms = new LinkedHashSet<>();
        for (String secret : secrets) {
            forms.addAll(SecretVariants.of(secret, minimumLength));
        }
        patterns = new ArrayList<>();
        for (String form : forms) {
            patterns.add(form.getBytes(StandardCharsets.UTF_8));
        }
    }

    byte[] mask(byte[] text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < text.length) {
            int longest = 0;
            for (byte[] p : patterns) {
                if (p.length > longest && startsWith(text, i, p)) {
                    longest = p.length;
                }
            }
            if (longest > 0) {
                out.writeBytes(MaskingEngine.MASK);
                i += longest;
            } else {
                out.write(text[i++]);
            }
        }
        return out.toByteArray();
    }

    String mask(String text) {
        return new String(mask(text.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    private static boolean startsWith(byte[] text, int at, byte[] p) {
        if (at + p.length > text.length) {
            return false;
        }
        for (int k = 0; k < p.length; k++) {
            if (text[at + k] != p[k]) {
                return false;
            }
        }
        return true;
    }
}
