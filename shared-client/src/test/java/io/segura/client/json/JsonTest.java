// SPDX-License-Identifier: Apache-2.0
package io.segura.client.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class JsonTest {

    static Stream<Arguments> valid() {
        return Stream.of(
                Arguments.of("empty object", "{}", Map.of()),
                Arguments.of("empty array", " [ ] ", List.of()),
                Arguments.of("string", "\"a\"", "a"),
                Arguments.of("escapes", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t"),
                Arguments.of("unicode escape", "\"\\u00e9\\u4e2d\"", "é中"),
                Arguments.of("surrogate pair escape", "\"\\ud83d\\ude00\"", "😀"),
                Arguments.of("raw non-ASCII", "\"grüß 😀\"", "grüß 😀"),
                Arguments.of("zero", "0", 0L),
                Arguments.of("negative", "-42", -42L),
                Arguments.of("long max", "9223372036854775807", Long.MAX_VALUE),
                Arguments.of("beyond long", "9223372036854775808", new BigDecimal("9223372036854775808")),
                Arguments.of("fraction", "-0.5", new BigDecimal("-0.5")),
                Arguments.of("exponent", "1e3", new BigDecimal("1e3")),
                Arguments.of("exponent sign", "2.5E-2", new BigDecimal("2.5E-2")),
                Arguments.of("literals", "[true,false,null]", java.util.Arrays.asList(true, false, null)),
                Arguments.of("nesting", "{\"a\":[{\"b\":{\"c\":[1,2]}}]}",
                        Map.of("a", List.of(Map.of("b", Map.of("c", List.of(1L, 2L)))))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void parseWhenValidThenValue(String name, String text, Object expected) {
        assertThat(Json.parse(text)).isEqualTo(expected);
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of("empty", "", "unexpected end"),
                Arguments.of("trailing comma object", "{\"a\":1,}", "string key"),
                Arguments.of("trailing comma array", "[1,]", "unexpected character"),
                Arguments.of("leading zero", "01", "leading zero"),
                Arguments.of("bare dot", "1.", "expected a digit"),
                Arguments.of("plus sign", "+1", "unexpected character"),
                Arguments.of("single quotes", "'a'", "unexpected character"),
                Arguments.of("raw newline in string", "\"a\nb\"", "control character"),
                Arguments.of("bad escape", "\"\\x\"", "unknown escape"),
                Arguments.of("short unicode", "\"\\u12\"", "short \\u escape"),
                Arguments.of("bad hex unicode", "\"\\u12zz\"", "bad hex digit"),
                Arguments.of("unterminated", "\"abc", "unterminated string"),
                Arguments.of("duplicate key", "{\"a\":1,\"a\":2}", "duplicate key"),
                Arguments.of("two values", "{} {}", "after the JSON value"),
                Arguments.of("bad literal", "tru", "unexpected literal"),
                Arguments.of("NaN", "NaN", "unexpected character"),
                Arguments.of("non-ASCII digit", "\u0661", "unexpected character"),
                Arguments.of("too deep", "[".repeat(Json.MAX_DEPTH + 2) + "]".repeat(Json.MAX_DEPTH + 2),
                        "nesting deeper"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void parseWhenInvalidThenErrorNamesProblem(String name, String text, String message) {
        assertThatThrownBy(() -> Json.parse(text)).isInstanceOf(JsonException.class).hasMessageContaining(message);
    }

    @Test
    void parseWhenErrorThenMessageNeverEchoesInput() {
        assertThatThrownBy(() -> Json.parse("{\"value\": \"hunter2-secret\"")).isInstanceOf(JsonException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
    }

    @Test
    void writeWhenRoundTrippedThenEqual() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("text", "quote\" backslash\\ newline\n tab\t nul\u0000 sep\u2028 é 😀");
        doc.put("n", 12L);
        doc.put("neg", -3L);
        doc.put("dec", new BigDecimal("0.25"));
        doc.put("t", true);
        doc.put("nil", null);
        doc.put("list", List.of("a", List.of(), Map.of()));
        String json = Json.write(doc);
        assertThat(json).doesNotContain("\n").contains("\\u0000").contains("\\u2028");
        assertThat(Json.parse(json)).isEqualTo(doc);
    }

    @Test
    void parseWhenBigStringThenKeptWhole() {
        String big = "x\\n".repeat(400_000) + "é";
        Object v = Json.parse(Json.write(Map.of("v", big)));
        assertThat(((Map<?, ?>) v).get("v")).isEqualTo(big);
        String huge = "a".repeat(2_000_000);
        assertThat(Json.parse("\"" + huge + "\"")).isEqualTo(huge);
    }

    @Test
    void writeWhenUnsupportedValueThenError() {
        assertThatThrownBy(() -> Json.write(Map.of("x", new Object()))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Json.write(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }
}
