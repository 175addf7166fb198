// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic.database;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.broker.config.DynamicSpec.PasswordPolicy;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class UserNamesAndPasswordsTests {

    static final SecureRandom RANDOM = new SecureRandom();
    static final String R16 = "0123456789abcdef";

    static Stream<Arguments> renders() {
        return Stream.of(
                Arguments.of("v_{{role}}_{{name}}_{{random}}", 63, "deploy_prod", "db_prod_readonly",
                        "v_deploy_prod_db_prod_readonly_" + R16),
                // MySQL's 32: the role is cut, never the randomness
                Arguments.of("v_{{role}}_{{random}}", 32, "a_very_long_role_name_indeed", "x",
                        "v_a_very_long_r_" + R16),
                // both cut, the longer first, until the whole fits
                Arguments.of("v_{{role}}_{{name}}_{{random}}", 32, "deploy", "db_prod_readonly_replica",
                        "v_deploy_db_pro_" + R16),
                Arguments.of("{{random}}", 32, "r", "n", R16),
                Arguments.of("u{{unix_time}}_{{random}}", 63, "r", "n", "u1700000000_" + R16));
    }

    @ParameterizedTest(name = "{0} in {1}")
    @MethodSource("renders")
    void renderWhenTooLongThenRoleAndNameCutNeverTheRandomness(String template, int limit, String role,
            String name, String expected) {
        String out = new UserNames(template, limit, RANDOM).render(role, name, R16, "1700000000");
        assertThat(out).isEqualTo(expected).hasSizeLessThanOrEqualTo(limit);
    }

    @Test
    void nextWhenCalledOftenThenUniqueSafeAndWithinTheLimit() {
        UserNames names = new UserNames("v_{{role}}_{{random}}", 32, RANDOM);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String n = names.next("Deploy-Prod/ÄÖ", "db/x", Instant.EPOCH);
            assertThat(n).matches("[a-z0-9_]{1,32}");
            assertThat(seen.add(n)).as("duplicate " + n).isTrue();
        }
    }

    @Test
    void sanitizeWhenAnyTextThenLowerCaseAndUnderscores() {
        assertThat(UserNames.sanitize("db/Prod-RO.v2")).isEqualTo("db_prod_ro_v2");
        assertThat(UserNames.sanitize("x'; DROP ROLE y; --")).isEqualTo("x___drop_role_y____");
    }

    @Test
    void nextWhenPolicyThenLengthMinimumsAndOnlySafeCharacters() {
        PasswordPolicy policy = new PasswordPolicy(20, 2, 3, 4, 5);
        Passwords passwords = new Passwords(policy, RANDOM);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 2_000; i++) {
            String p = passwords.next();
            assertThat(p).hasSize(20).matches("[A-Za-z0-9\\-_.~]+");
            assertThat(p.chars().filter(Character::isLowerCase).count()).isGreaterThanOrEqualTo(2);
            assertThat(p.chars().filter(Character::isUpperCase).count()).isGreaterThanOrEqualTo(3);
            assertThat(p.chars().filter(Character::isDigit).count()).isGreaterThanOrEqualTo(4);
            assertThat(p.chars().filter(c -> PasswordPolicy.SYMBOLS.indexOf(c) >= 0).count())
                    .isGreaterThanOrEqualTo(5);
            assertThat(seen.add(p)).isTrue();
        }
        assertThat(new Passwords(PasswordPolicy.DEFAULT, RANDOM).next()).hasSize(32).matches("[A-Za-z0-9]+");
    }

    @Test
    void renderWhenStatementThenPlaceholdersFilledWithOrWithoutSpaces() {
        assertThat(DatabaseEngine.render("CREATE ROLE \"{{name}}\" PASSWORD '{{ password }}' VALID UNTIL "
                + "'{{expiration}}'", java.util.Map.of("name", "v_x", "password", "pw", "expiration",
                "2026-12-03 08:15:00+00:00")))
                .isEqualTo("CREATE ROLE \"v_x\" PASSWORD 'pw' VALID UNTIL '2026-12-03 08:15:00+00:00'");
        assertThat(DatabaseEngine.EXPIRATION.format(Instant.parse("2026-12-03T08:15:00Z")))
                .isEqualTo("2026-12-03 08:15:00+00:00");
    }
}
