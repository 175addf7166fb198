// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.trust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ClaimPatternTests {

    static Stream<Arguments> rows() {
        return Stream.of(
                // exact
                Arguments.of("exact", "refs/heads/main", "refs/heads/main", true),
                Arguments.of("exact is not prefix", "refs/heads/main", "refs/heads/main-evil", false),
                Arguments.of("exact is not suffix", "refs/heads/main", "x/refs/heads/main", false),
                Arguments.of("exact empty value", "main", "", false),
                // glob
                Arguments.of("trailing star", "refs/heads/release/*", "refs/heads/release/1.2", true),
                Arguments.of("star spans slashes", "refs/heads/*", "refs/heads/feature/a/b", true),
                Arguments.of("star matches empty run", "refs/heads/release/*", "refs/heads/release/", true),
                Arguments.of("leading star", "*@example.com", "ci@example.com", true),
                Arguments.of("inner star", "repo:octo-org/*:environment:prod", "repo:octo-org/x:environment:prod",
                        true),
                Arguments.of("inner star wrong suffix", "repo:octo-org/*:environment:prod",
                        "repo:octo-org/x:environment:staging", false),
                Arguments.of("several stars", "a*b*c", "aXbYc", true),
                Arguments.of("several stars overlap", "a*b*c", "abc", true),
                Arguments.of("several stars order", "a*b*c", "acb", false),
                Arguments.of("prefix and suffix must not overlap", "ab*ba", "aba", false),
                Arguments.of("double star is one star", "a**c", "abbc", true),
                Arguments.of("only star matches anything", "*", "anything/at/all", true),
                Arguments.of("only star matches empty", "*", "", true),
                // documented: a trailing * after a name is a prefix match and crosses separators
                Arguments.of("documented over-match of main*", "refs/heads/main*", "refs/heads/main-evil", true),
                Arguments.of("separator written out does not over-match", "refs/heads/main/*",
                        "refs/heads/main-evil", false),
                Arguments.of("org glob does not reach a look-alike org", "repo:octo-org/*", "repo:octo-org-evil/x",
                        false),
                // bypass ideas: every character but * is literal, and matching is case-sensitive
                Arguments.of("dot is literal", "a.b", "axb", false),
                Arguments.of("dot matches dot", "a.b", "a.b", true),
                Arguments.of("question mark is literal", "ma?n", "main", false),
                Arguments.of("brackets are literal", "[mx]ain", "main", false),
                Arguments.of("regex star-plus is literal", "a.+", "abc", false),
                Arguments.of("alternation is literal", "prod|dev", "dev", false),
                Arguments.of("anchors are literal", "^main$", "main", false),
                Arguments.of("backslash is literal", "a\\*", "a\\anything", true),
                Arguments.of("backslash does not escape star", "a\\*", "a*", false),
                Arguments.of("regex quote is literal", "\\Qa\\E*", "a", false),
                Arguments.of("case-sensitive exact", "Main", "main", false),
                Arguments.of("case-sensitive glob", "refs/heads/*", "REFS/heads/main", false),
                Arguments.of("no unicode case folding", "stra\u00dfe", "STRASSE", false),
                Arguments.of("newline is not skipped", "main", "main\n", false),
                Arguments.of("null byte is literal", "main*", "mai\u0000n", false));
    }

    @ParameterizedTest(name = "{0}: {1} ~ {2} = {3}")
    @MethodSource("rows")
    void matchesWhenPatternAndValueThenExpected(String name, String pattern, String value, boolean expected) {
        assertThat(ClaimPattern.compile(pattern).matches(value)).isEqualTo(expected);
    }

    @Test
    void matchesWhenValueNullThenFalseEvenForStar() {
        assertThat(ClaimPattern.compile("*").matches(null)).isFalse();
    }

    @Test
    void matchesWhenPathologicalInputThenLinearTime() {
        ClaimPattern p = ClaimPattern.compile("*a*a*a*a*a*a*a*a*a*a*b");
        String value = "a".repeat(200_000);
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> assertThat(p.matches(value)).isFalse());
    }

    @Test
    void toStringWhenCompiledThenSourceForAdmins() {
        assertThat(ClaimPattern.compile("refs/heads/*")).hasToString("refs/heads/*");
        assertThat(ClaimPattern.compile("a").isExact()).isTrue();
        assertThat(ClaimPattern.compile("a*").isExact()).isFalse();
    }
}
