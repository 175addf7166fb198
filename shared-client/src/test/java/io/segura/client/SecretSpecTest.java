// SPDX-License-Identifier: Apache-2.0
package io.segura.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SecretSpecTest {

    static Stream<Arguments> valid() {
        return Stream.of(
                Arguments.of("db/prod/password > DB_PASSWORD", "db/prod/password", null, "DB_PASSWORD"),
                Arguments.of("db/prod/password>DB_PASSWORD", "db/prod/password", null, "DB_PASSWORD"),
                Arguments.of("  api/key@3 > KEY ", "api/key", 3, "KEY"),
                Arguments.of("db/prod/password", "db/prod/password", null, "DB_PROD_PASSWORD"),
                Arguments.of("a.b-c/x_y@12", "a.b-c/x_y", 12, "A_B_C_X_Y"),
                Arguments.of("9lives/key", "9lives/key", null, "_9LIVES_KEY"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void parseWhenValidThenFields(String text, String path, Integer version, String env) {
        SecretSpec s = SecretSpec.parse(text);
        assertThat(s).isEqualTo(new SecretSpec(path, version, env));
        assertThat(s.ref()).isEqualTo(version == null ? path : path + "@" + version);
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of("", "is empty"),
                Arguments.of("> X", "no secret path"),
                Arguments.of("db/x >", "nothing after '>'"),
                Arguments.of("db/x > A > B", "more than one '>'"),
                Arguments.of("db/x@v2 > X", "version \"v2\" is not a positive integer"),
                Arguments.of("db/x@0", "version \"0\" is not a positive integer"),
                Arguments.of("DB/X", "path \"DB/X\" is not valid"),
                Arguments.of("db//x", "path \"db//x\" is not valid"),
                Arguments.of("/db/x", "is not valid"),
                Arguments.of("db/x > 1X", "\"1X\" is not a valid environment variable"),
                Arguments.of("db/x > MY-VAR", "\"MY-VAR\" is not a valid environment variable"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void parseWhenInvalidThenPreciseError(String text, String message) {
        assertThatThrownBy(() -> SecretSpec.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void parseListWhenLinesAndSemicolonsThenAllSpecs() {
        String text = "# deploy secrets\ndb/prod/password > DB_PASSWORD; api/key@2\n\n  tls/cert > CERT  \r\n";
        assertThat(SecretSpec.parseList(text)).containsExactly(
                new SecretSpec("db/prod/password", null, "DB_PASSWORD"), new SecretSpec("api/key", 2, "API_KEY"),
                new SecretSpec("tls/cert", null, "CERT"));
    }

    @Test
    void parseListWhenEntryInvalidThenErrorNamesEntry() {
        assertThatThrownBy(() -> SecretSpec.parseList("a/b; C/D")).hasMessageStartingWith("entry 2: ");
    }

    @Test
    void parseListWhenTwoSpecsSetSameVariableThenError() {
        assertThatThrownBy(() -> SecretSpec.parseList("a/b > X\nc/d > X"))
                .hasMessageContaining("both a/b and c/d set X");
    }
}
