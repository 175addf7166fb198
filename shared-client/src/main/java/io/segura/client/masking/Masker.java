// SPDX-License-Identifier: Apache-2.0
package io.segura.client.masking;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Replaces every occurrence of a set of secrets — and of their encoded forms ({@link SecretVariants}) — with
 * {@code ***}: the masking engine of DESIGN §11 behind every plugin and {@code segura-cli exec}.
 *
 * <p>Built once per set of secrets into one immutable Aho–Corasick automaton over UTF-8 bytes, so masking costs the
 * same per byte whether the job leased one secret or a thousand. Matches are leftmost-longest and do not overlap:
 * where two patterns start at the same place the longer one is masked. Secrets shorter than the minimum length
 * (default 4 characters) are not masked, since a short pattern would garble the whole log; each produces a
 * {@linkplain #warnings() warning} that names the secret, never its value.
 *
 * <p>Immutable and thread-safe: one instance can serve any number of {@link MaskingOutputStream}s. Its
 * {@link #toString()} shows counts only.
 */
public final class Masker {

    /** Default minimum length of a masked secret, in characters (as GitHub's {@code min_mask_length}). */
    public static final int DEFAULT_MINIMUM_LENGTH = 4;

    private final Automaton automaton;
    private final int patternCount;
    private final int secretCount;
    private final List<String> warnings;

    private Masker(Automaton automaton, int patternCount, int secretCount, List<String> warnings) {
        this.automaton = automaton;
        this.patternCount = patternCount;
        this.secretCount = secretCount;
        this.warnings = List.copyOf(warnings);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Warnings about secrets that are not masked; each names the secret (its path), never the value. */
    public List<String> warnings() {
        return warnings;
    }

    /** Number of distinct byte patterns (secrets and their encoded forms) the automaton matches. */
    public int patternCount() {
        return patternCount;
    }

    /** Masks a string, treated as UTF-8 text (unpaired surrogates become {@code ?}, as in any UTF-8 encoding). */
    public String mask(String text) {
        Objects.requireNonNull(text, "text cannot be null");
        if (automaton == null) {
            return text;
        }
        return new String(mask(text.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    /** Masks bytes (normally UTF-8 text) into a new array; the input is not modified. */
    public byte[] mask(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes cannot be null");
        if (automaton == null) {
            return bytes.clone();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length + 16);
        try {
            new MaskingEngine(automaton, out).feed(bytes, 0, bytes.length, true);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
        return out.toByteArray();
    }

    /** The compiled automaton, or null when nothing is masked. */
    Automaton automaton() {
        return automaton;
    }

    @Override
    public String toString() {
        return "Masker[secrets=" + secretCount + ", patterns=" + patternCount + ", warnings=" + warnings.size() + "]";
    }

    /** Collects secrets; {@link #build()} compiles them. Not thread-safe; discard it after building. */
    public static final class Builder {

        private int minimumLength = DEFAULT_MINIMUM_LENGTH;
        private final List<String> names = new ArrayList<>();
        private final List<String> values = new ArrayList<>();

        private Builder() {
        }

        /** Secrets with fewer characters (code points) than this are not masked and produce a warning. */
        public Builder minimumLength(int minimumLength) {
            if (minimumLength < 1) {
                throw new IllegalArgumentException("minimumLength must be at least 1");
            }
            this.minimumLength = minimumLength;
            return this;
        }

        /**
         * Adds a secret.
         *
         * @param name what warnings call the secret, normally its path (e.g. {@code db/prod/password})
         * @param value the secret value
         */
        public Builder add(String name, String value) {
            names.add(Objects.requireNonNull(name, "name cannot be null"));
            values.add(Objects.requireNonNull(value, "value cannot be null"));
            return this;
        }

        public Masker build() {
            List<String> warnings = new ArrayList<>();
            Set<String> forms = new LinkedHashSet<>();
            int masked = 0;
            for (int i = 0; i < values.size(); i++) {
                List<String> variants = SecretVariants.of(values.get(i), minimumLength);
                if (variants.isEmpty()) {
                    warnings.add("secret '" + names.get(i) + "' is shorter than " + minimumLength
                            + " characters and is not masked in the log");
                    continue;
                }
                masked++;
                forms.addAll(variants);
            }
            if (forms.isEmpty()) {
                return new Masker(null, 0, 0, warnings);
            }
            List<byte[]> patterns = new ArrayList<>(forms.size());
            for (String form : forms) {
                patterns.add(form.getBytes(StandardCharsets.UTF_8));
            }
            return new Masker(Automaton.compile(patterns), patterns.size(), masked, warnings);
        }

        @Override
        public String toString() {
            return "Masker.Builder[secrets=" + values.size() + "]";
        }
    }
}
