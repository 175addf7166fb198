// SPDX-License-Identifier: Apache-2.0
package io.segura.client.masking;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Properties of masking random secrets in random text under random write splits: the streaming output equals the
 * slow reference (leftmost-longest, nothing masked beyond matches), and no secret or encoded form survives.
 */
class MaskerPropertiesTest {

    /** Code points that break naive maskers: quotes, escapes, newlines, regex and URL metacharacters, non-ASCII. */
    private static final List<String> ATOMS = List.of("a", "b", "Z", "0", "9", "é", "日", "😀", "ß", "'", "\"", "\\",
            "\n", "\r", "\t", " ", "/", "+", "=", "%", "&", "*", ".", "?", "(", ")", "[", "]", "{", "}", "^", "$",
            "|", "-", "_", "~", ":", "<", "\u0001", "\u007f");
    /** Few atoms, so random text often contains near-misses of secrets (shared prefixes, overlaps). */
    private static final List<String> NARROW_ATOMS = List.of("a", "b", "'", "\n", "=", "*");

    @Property(tries = 300)
    void maskWhenSecretsInRandomTextThenStreamEqualsReference(@ForAll("scenarios") Scenario scenario)
            throws IOException {
        Masker masker = scenario.masker();
        byte[] input = scenario.text.getBytes(StandardCharsets.UTF_8);
        byte[] expected = new ReferenceMasker(scenario.secrets, 4).mask(input);

        assertThat(masker.mask(input)).isEqualTo(expected);
        assertThat(streamed(masker, input, scenario.splits)).isEqualTo(expected);
    }

    /** Secrets of 8+ single-line code points: no short patterns, so the prefilter probes every 1–4 positions. */
    @Property(tries = 300)
    void maskWhenOnlyLongPatternsThenStreamEqualsReference(@ForAll("longScenarios") Scenario scenario)
            throws IOException {
        Masker masker = scenario.masker();
        byte[] input = scenario.text.getBytes(StandardCharsets.UTF_8);
        byte[] expected = new ReferenceMasker(scenario.secrets, 4).mask(input);

        assertThat(masker.mask(input)).isEqualTo(expected);
        assertThat(streamed(masker, input, scenario.splits)).isEqualTo(expected);
    }

    @Property(tries = 300)
    void maskWhenSecretsWithoutAsteriskThenNoFormSurvives(@ForAll("scenarios") Scenario scenario) throws IOException {
        // A secret containing '*' can be re-formed by the mask itself next to text; the equality property covers it.
        net.jqwik.api.Assume.that(scenario.secrets.stream().noneMatch(s -> s.contains("*")));
        Masker masker = scenario.masker();
        byte[] input = scenario.text.getBytes(StandardCharsets.UTF_8);
        String output = new String(streamed(masker, input, scenario.splits), StandardCharsets.UTF_8);

        for (String secret : scenario.secrets) {
            for (String form : SecretVariants.of(secret, 4)) {
                assertThat(output).doesNotContain(form);
            }
        }
    }

    @Property(tries = 200)
    void maskWhenNoSecretOccursThenOutputEqualsInput(@ForAll("scenarios") Scenario scenario) throws IOException {
        byte[] input = scenario.noise.getBytes(StandardCharsets.UTF_8);
        ReferenceMasker reference = new ReferenceMasker(scenario.secrets, 4);
        net.jqwik.api.Assume.that(java.util.Arrays.equals(reference.mask(input), input));

        assertThat(streamed(scenario.masker(), input, scenario.splits)).isEqualTo(input);
    }

    static byte[] streamed(Masker masker, byte[] input, List<Integer> splits) throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (MaskingOutputStream out = new MaskingOutputStream(sink, masker)) {
            int at = 0;
            for (int size : splits) {
                int n = Math.min(size, input.length - at);
                if (n == 1) {
                    out.write(input[at]);
                } else {
                    out.write(input, at, n);
                }
                at += n;
                if (size % 5 == 0) {
                    out.flush();
                }
            }
            out.write(input, at, input.length - at);
        }
        return sink.toByteArray();
    }

    @Provide
    Arbitrary<Scenario> scenarios() {
        return scenarios(Arbitraries.oneOf(strings(ATOMS, 4, 14), strings(NARROW_ATOMS, 4, 8)));
    }

    @Provide
    Arbitrary<Scenario> longScenarios() {
        List<String> singleLine = ATOMS.stream().filter(a -> !a.equals("\n") && !a.equals("\r")).toList();
        return scenarios(Arbitraries.oneOf(strings(singleLine, 8, 20), strings(List.of("a", "b", "="), 8, 12)));
    }

    private Arbitrary<Scenario> scenarios(Arbitrary<String> secret) {
        Arbitrary<List<String>> secrets = secret.list().ofMinSize(1).ofMaxSize(5);
        return secrets.flatMap(list -> {
            List<String> forms = new ArrayList<>();
            for (String s : list) {
                forms.addAll(SecretVariants.of(s, 4));
            }
            Arbitrary<String> fragment = Arbitraries.frequencyOf(
                    Tuple.of(3, strings(ATOMS, 0, 12)),
                    Tuple.of(2, strings(NARROW_ATOMS, 0, 10)),
                    Tuple.of(3, Arbitraries.of(forms)),
                    Tuple.of(1, Arbitraries.of(forms).map(f -> f.substring(0, f.length() / 2))));
            Arbitrary<String> text = fragment.list().ofMaxSize(12).map(l -> String.join("", l));
            Arbitrary<String> noise = strings(ATOMS, 0, 200);
            Arbitrary<List<Integer>> splits = Arbitraries.integers().between(0, 17).list().ofMaxSize(40);
            return Combinators.combine(text, noise, splits).as((t, n, sp) -> new Scenario(list, t, n, sp));
        });
    }

    private static Arbitrary<String> strings(List<String> atoms, int min, int max) {
        return Arbitraries.of(atoms).list().ofMinSize(min).ofMaxSize(max).map(l -> String.join("", l));
    }

    record Scenario(List<String> secrets, String text, String noise, List<Integer> splits) {
        Masker masker() {
            Masker.Builder builder = Masker.builder();
            for (int i = 0; i < secrets.size(); i++) {
                builder.add("test/secret-" + i, secrets.get(i));
            }
            return builder.build();
        }
    }
}
