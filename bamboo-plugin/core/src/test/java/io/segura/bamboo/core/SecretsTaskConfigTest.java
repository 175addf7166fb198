// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretsTaskConfigTest {

    @Test
    void parseWhenValidThenSpecsRoleTtlAndClient() throws Exception {
        SecretsTaskConfig c = SecretsTaskConfig.parse(Map.of("role", "deploy", "secrets",
                "db/prod/password > DB_PASSWORD; api/key@3 > API_SECRET", "ttl", "15m", "clientId", "bamboo-prod"));

        assertThat(c.role()).isEqualTo("deploy");
        assertThat(c.secrets()).extracting(s -> s.ref() + ">" + s.envName())
                .containsExactly("db/prod/password>DB_PASSWORD", "api/key@3>API_SECRET");
        assertThat(c.ttl()).isEqualTo(Duration.ofMinutes(15));
        assertThat(c.clientId()).isEqualTo("bamboo-prod");
    }

    @Test
    void parseWhenOptionalFieldsBlankThenNull() throws Exception {
        SecretsTaskConfig c = SecretsTaskConfig.parse(Map.of("role", " ", "secrets", "db/prod/password", "ttl", ""));

        assertThat(c.role()).isNull();
        assertThat(c.ttl()).isNull();
        assertThat(c.clientId()).isNull();
        // A derived name: DB_PROD_PASSWORD contains "password", so Bamboo masks it.
        assertThat(c.secrets().get(0).envName()).isEqualTo("DB_PROD_PASSWORD");
    }

    @Test
    void validateWhenEveryFieldWrongThenOneProblemPerField() {
        Map<String, String> errors = SecretsTaskConfig.validate(Map.of("role", "no spaces", "secrets",
                "db/x@v2 > X", "ttl", "soon", "clientId", "a b"));

        assertThat(errors).containsOnlyKeys("role", "secrets", "ttl", "clientId");
        assertThat(errors.get("secrets")).contains("version \"v2\"");
        assertThat(errors.get("ttl")).contains("15m");
    }

    @Test
    void validateWhenNoSecretsThenSaysTheFormat() {
        assertThat(SecretsTaskConfig.validate(Map.of()).get("secrets")).contains("path[@version] > NAME");
    }

    @Test
    void validateWhenNameNotMaskedThenRefusedWithRename() {
        assertThat(SecretsTaskConfig.validate(Map.of("secrets", "api/stripe/key")).get("secrets"))
                .contains("API_STRIPE_KEY", "would not be masked", "api/stripe/key > API_STRIPE_KEY_SECRET");
    }

    @Test
    void validateWhenDynamicUrlOrPasswordUnderUnmaskedNameThenRefusedButPublicFieldsTakeAnyName() {
        assertThat(SecretsTaskConfig.validate(Map.of("secrets", "dynamic:db/app > DATABASE_URL")).get("secrets"))
                .contains("DATABASE_URL", "would not be masked", "dynamic:db/app > DATABASE_URL_SECRET");
        assertThat(SecretsTaskConfig.validate(Map.of("secrets", "dynamic:db/app.password > PGPW")).get("secrets"))
                .contains("would not be masked");
        assertThat(SecretsTaskConfig.validate(Map.of("secrets", "dynamic:db/app > DATABASE_URL_SECRET\n"
                + "dynamic:db/app.username > PGUSER\ndynamic:db/app.host > PGHOST\ndynamic:db/app.port > PGPORT\n"
                + "dynamic:db/app.database > PGDATABASE\ndynamic:db/app.password > PGPASSWORD"))).isEmpty();
    }

    @Test
    void validateWhenSshCertificateThenAnyNameIsAcceptedForItsPathsSerialAndPrincipals() {
        assertThat(SecretsTaskConfig.validate(Map.of("secrets", "dynamic:ssh/deploy > SSH_KEY\n"
                + "dynamic:ssh/deploy.certificate > SSH_CERT\ndynamic:ssh/deploy.serial > SSH_SERIAL\n"
                + "dynamic:ssh/deploy.principals > SSH_PRINCIPALS\ndynamic:ssh/deploy.valid_before > SSH_UNTIL")))
                .isEmpty();
        // a database credential's URL still needs a masked name beside it
        assertThat(SecretsTaskConfig.validate(Map.of("secrets", "dynamic:ssh/deploy > SSH_KEY\n"
                + "dynamic:db/app > DATABASE_URL")).get("secrets")).contains("DATABASE_URL", "would not be masked");
    }

    @Test
    void parseWhenInvalidThenTaskFailureNamesTheField() {
        assertThatThrownBy(() -> SecretsTaskConfig.parse(Map.of("secrets", "db/a > A_SECRET", "ttl", "x")))
                .isInstanceOf(TaskFailure.class).hasMessageStartingWith("Task field ttl:");
    }

    @Test
    void masksWhenNameHasSecretOrPasswordInAnyCaseThenTrue() {
        assertThat(BambooMasking.masks("DB_PASSWORD")).isTrue();
        assertThat(BambooMasking.masks("awsSecretKey")).isTrue();
        assertThat(BambooMasking.masks("segura.secret.mask.X.1")).isTrue();
        assertThat(BambooMasking.masks("API_TOKEN")).isFalse();
        assertThat(BambooMasking.masks("DB_PASS")).isFalse();
    }

    @Test
    void extraFormsWhenMultiLineThenLinesAndEncodingsButNotTheValue() {
        String v = "line-one-value\nline-two-value";
        assertThat(BambooMasking.extraForms(v)).contains("line-one-value", "line-two-value",
                java.util.Base64.getEncoder().encodeToString(v.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .doesNotContain(v);
    }
}
