// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

import java.security.SecureRandom;

/** Random secret values for {@code rotate --generate}: URL-safe base64 alphabet, uniform per character (6 bits). */
final class GeneratedValues {

    static final int MIN_LENGTH = 16;
    static final int MAX_LENGTH = 256;
    private static final char[] ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray();

    private GeneratedValues() {
    }

    static String generate(SecureRandom random, int length) {
        if (length < MIN_LENGTH || length > MAX_LENGTH) {
            throw new InvalidSecretException("generate.length", "must be " + MIN_LENGTH + ".." + MAX_LENGTH
                    + ", got " + length);
        }
        char[] out = new char[length];
        for (int i = 0; i < length; i++) {
            out[i] = ALPHABET[random.nextInt(ALPHABET.length)];
        }
        return new String(out);
    }
}
