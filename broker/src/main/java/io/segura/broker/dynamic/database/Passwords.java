// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic.database;

import io.segura.broker.config.DynamicSpec.PasswordPolicy;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Generates passwords by a {@link PasswordPolicy}: the minimum of each class first, the rest from all allowed
 * classes, then shuffled (all with {@link SecureRandom}). Symbols come from {@link PasswordPolicy#SYMBOLS} only, so a
 * password is safe inside a SQL string literal and a URL without escaping.
 */
final class Passwords {

    private static final String LOWER = "abcdefghijklmnopqrstuvwxyz";
    private static final String UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private static final String DIGITS = "0123456789";

    private final PasswordPolicy policy;
    private final SecureRandom random;

    Passwords(PasswordPolicy policy, SecureRandom random) {
        this.policy = Objects.requireNonNull(policy, "policy cannot be null");
        this.random = Objects.requireNonNull(random, "random cannot be null");
    }

    String next() {
        List<Character> chars = new ArrayList<>(policy.length());
        pick(chars, LOWER, policy.minLower());
        pick(chars, UPPER, policy.minUpper());
        pick(chars, DIGITS, policy.minDigits());
        pick(chars, PasswordPolicy.SYMBOLS, policy.minSymbols());
        // symbols only when the policy asks for some: a policy without them yields plain alphanumerics
        String all = LOWER + UPPER + DIGITS + (policy.minSymbols() > 0 ? PasswordPolicy.SYMBOLS : "");
        pick(chars, all, policy.length() - chars.size());
        Collections.shuffle(chars, random);
        StringBuilder out = new StringBuilder(chars.size());
        chars.forEach(out::append);
        return out.toString();
    }

    private void pick(List<Character> into, String alphabet, int n) {
        for (int i = 0; i < n; i++) {
            into.add(alphabet.charAt(random.nextInt(alphabet.length())));
        }
    }
}
