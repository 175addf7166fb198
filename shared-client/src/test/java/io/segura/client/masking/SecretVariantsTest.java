// SPDX-License-Identifier: Apache-2.0
package io.segura.client.masking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SecretVariantsTest {

    static Stream<Arguments> forms() {
        return Stream.of(
                Arguments.of("value itself", "plain-token", "plain-token"),
                Arguments.of("json quote and backslash", "a\"b\\c", "a\\\"b\\\\c"),
                Arguments.of("json short newline", "ab\ncd", "ab\\ncd"),
                Arguments.of("json \\u newline upper", "ab\ncd", "ab\\u000Acd"),
                Arguments.of("json \\u newline lower", "ab\ncd", "ab\\u000acd"),
                Arguments.of("json control char", "ab\u0001cd", "ab\\u0001cd"),
                Arguments.of("json escaped slash", "a/b/c", "a\\/b\\/c"),
                Arguments.of("json ascii-only", "päss", "p\\u00e4ss"),
                Arguments.of("json ascii-only upper", "päss", "p\\u00E4ss"),
                Arguments.of("json gson html-safe", "a=b&c", "a\\u003db\\u0026c"),
                Arguments.of("url rfc3986", "a b~c!", "a%20b~c%21"),
                Arguments.of("url lower hex", "ab/cd", "ab%2fcd"),
                Arguments.of("url form", "a b~c", "a+b%7Ec"),
                Arguments.of("url encodeURIComponent", "a!b'c", "a!b'c"),
                Arguments.of("url utf-8", "päss", "p%C3%A4ss"),
                Arguments.of("shell '\\''", "it's", "it'\\''s"),
                Arguments.of("shell '\"'\"'", "it's", "it'\"'\"'s"),
                Arguments.of("line of multi-line value", "first-line\r\nsecond-line\rthird-line", "second-line"),
                Arguments.of("base64 padded", "secret1", "c2VjcmV0MQ=="),
                Arguments.of("base64 unpadded", "secret1", "c2VjcmV0MQ"),
                Arguments.of("base64 url-safe", "??>>??", "Pz8-Pj8_"),
                Arguments.of("base64 standard", "??>>??", "Pz8+Pj8/"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forms")
    void ofWhenValueHasSpecialCharactersThenContainsEncodedForm(String name, String value, String form) {
        assertThat(SecretVariants.of(value, 4)).contains(form);
    }

    @Test
    void ofWhenShortLinesThenTheyAreDropped() {
        List<String> forms = SecretVariants.of("{\n  \"k\": \"long value\"\n}", 4);

        assertThat(forms).contains("  \"k\": \"long value\"").doesNotContain("{", "}", "");
        assertThat(forms).allMatch(f -> f.codePointCount(0, f.length()) >= 4);
        assertThat(forms).doesNotHaveDuplicates();
        assertThat(forms.get(0)).isEqualTo("{\n  \"k\": \"long value\"\n}");
    }

    @Test
    void ofWhenValueShorterThanMinimumThenEmpty() {
        assertThat(SecretVariants.of("abc", 4)).isEmpty();
        assertThat(SecretVariants.of("日本語", 4)).isEmpty();
        assertThatThrownBy(() -> SecretVariants.of("abcd", 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Property(tries = 500)
    void ofWhenSecretInsideAnyBase64BlobThenOneCoreOccurs(@ForAll @Size(min = 1, max = 8) byte[] before,
            @ForAll @Size(min = 4, max = 40) byte[] secret, @ForAll @Size(max = 8) byte[] after,
            @ForAll @IntRange(min = 0, max = 1) int alphabet) {
        byte[] blob = new byte[before.length + secret.length + after.length];
        System.arraycopy(before, 0, blob, 0, before.length);
        System.arraycopy(secret, 0, blob, before.length, secret.length);
        System.arraycopy(after, 0, blob, before.length + secret.length, after.length);
        Base64.Encoder encoder = alphabet == 0 ? Base64.getEncoder() : Base64.getUrlEncoder();
        String encoded = encoder.encodeToString(blob);

        List<String> forms = SecretVariants.base64(secret);
        assertThat(forms).anyMatch(core -> !core.isEmpty() && encoded.contains(core)
                && core.length() >= (secret.length * 4 - 8) / 3);
    }
}
