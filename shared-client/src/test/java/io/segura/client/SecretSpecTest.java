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

    static Stream<Arguments> dynamicValid() {
        return Stream.of(
                Arguments.of("dynamic:db/prod-readonly > DATABASE_URL", "db/prod-readonly", null, "DATABASE_URL"),
                Arguments.of(" dynamic: db/prod-readonly.username>DB_USER", "db/prod-readonly", "username", "DB_USER"),
                Arguments.of("dynamic:db/prod-readonly.password", "db/prod-readonly", "password",
                        "DB_PROD_READONLY_PASSWORD"),
                Arguments.of("dynamic:db/prod-readonly", "db/prod-readonly", null, "DB_PROD_READONLY"),
                Arguments.of("dynamic:db/prod.v2 > X", "db/prod.v2", null, "X"),
                Arguments.of("dynamic:db/app.readonly.port > PGPORT", "db/app.readonly", "port", "PGPORT"),
                Arguments.of("dynamic:ssh/deploy > SSH_KEY", "ssh/deploy", null, "SSH_KEY"),
                Arguments.of("dynamic:ssh/deploy.certificate > SSH_CERT", "ssh/deploy", "certificate", "SSH_CERT"),
                Arguments.of("dynamic:ssh/deploy.key", "ssh/deploy", "key", "SSH_DEPLOY_KEY"),
                Arguments.of("dynamic:ssh/deploy.serial", "ssh/deploy", "serial", "SSH_DEPLOY_SERIAL"),
                Arguments.of("dynamic:ssh/deploy.principals > P", "ssh/deploy", "principals", "P"),
                // a database field is no SSH field: part of the name (which the broker then does not know)
                Arguments.of("dynamic:ssh/deploy.password > X", "ssh/deploy.password", null, "X"),
                Arguments.of("dynamic:db/x.key > X", "db/x.key", null, "X"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dynamicValid")
    void parseWhenDynamicThenNameFieldAndVariable(String text, String name, String field, String env) {
        SecretSpec s = SecretSpec.parse(text);
        assertThat(s).isEqualTo(new SecretSpec(name, null, env, true, field));
        assertThat(s.ref()).isEqualTo("dynamic:" + name + (field == null ? "" : "." + field));
    }

    static Stream<Arguments> dynamicInvalid() {
        return Stream.of(
                Arguments.of("dynamic: > X", "no dynamic secret name after 'dynamic:'"),
                Arguments.of("dynamic:db/x@2 > X", "a dynamic secret has no versions"),
                Arguments.of("dynamic:DB/X", "dynamic secret name \"DB/X\" is not valid"),
                Arguments.of("dynamic:db/x.password > 1X", "\"1X\" is not a valid environment variable"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dynamicInvalid")
    void parseWhenDynamicInvalidThenPreciseError(String text, String message) {
        assertThatThrownBy(() -> SecretSpec.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void valueOfWhenFieldOrNoneThenThatFieldOrTheUrl() {
        DynamicCredential c = new DynamicCredential("l-1", "db/x", "postgresql", java.time.Instant.EPOCH,
                java.util.Map.of("username", "v_u", "password", "pw-123", "url", "postgresql://v_u:pw-123@h:5432/d"),
                java.util.List.of());
        assertThat(SecretSpec.parse("dynamic:db/x").valueOf(c)).isEqualTo("postgresql://v_u:pw-123@h:5432/d");
        assertThat(SecretSpec.parse("dynamic:db/x.username").valueOf(c)).isEqualTo("v_u");
        assertThatThrownBy(() -> SecretSpec.parse("dynamic:db/x.host").valueOf(c))
                .hasMessageContaining("has no field \"host\"");
        assertThat(c.toString()).doesNotContain("pw-123").doesNotContain("v_u");
        assertThat(c.secretValues()).containsExactlyInAnyOrder("pw-123", "postgresql://v_u:pw-123@h:5432/d");
    }

    @Test
    void valueOfWhenSshCertificateThenTheKeyByDefaultAndNothingIsMasked() {
        DynamicCredential c = new DynamicCredential("l-2", "ssh/deploy", "ssh", java.time.Instant.EPOCH,
                java.util.Map.of("key", "/tmp/s/id_ed25519", "certificate", "/tmp/s/id_ed25519-cert.pub",
                        "serial", "42", "principals", "deploy-74,ci"), java.util.List.of());
        assertThat(SecretSpec.parse("dynamic:ssh/deploy > K").valueOf(c)).isEqualTo("/tmp/s/id_ed25519");
        assertThat(SecretSpec.parse("dynamic:ssh/deploy.certificate").valueOf(c))
                .isEqualTo("/tmp/s/id_ed25519-cert.pub");
        assertThat(SecretSpec.parse("dynamic:ssh/deploy.principals").valueOf(c)).isEqualTo("deploy-74,ci");
        assertThatThrownBy(() -> SecretSpec.parse("dynamic:ssh/deploy.valid_before").valueOf(c))
                .hasMessageContaining("has no field \"valid_before\"");
        assertThat(c.ssh()).isTrue();
        assertThat(c.secretValues()).isEmpty();
        assertThatThrownBy(() -> new SecretSpec("ssh/deploy", null, "X", true, "password"))
                .hasMessageContaining("is not one of [key, certificate, serial, principals, valid_before]");
    }

    @Test
    void parseListWhenOneDynamicSecretGivesTwoVariablesThenBothKept() {
        assertThat(SecretSpec.parseList("dynamic:db/x > DATABASE_URL; dynamic:db/x.username > DB_USER; api/key"))
                .extracting(SecretSpec::envName).containsExactly("DATABASE_URL", "DB_USER", "API_KEY");
        assertThatThrownBy(() -> SecretSpec.parseList("dynamic:db/x > A; dynamic:db/y > A"))
                .hasMessageContaining("both dynamic:db/x and dynamic:db/y set A");
    }
}
