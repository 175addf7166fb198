// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the secret path syntax (README "Fuzzing"): any string is either a valid path — and then
 * a plain, relative, slash-separated name — or an {@link InvalidSecretException} for field {@code path}; the same for
 * list prefixes. Regression inputs: {@code src/test/resources/io/segura/broker/vault/SecretPathFuzzTestInputs/}.
 */
class SecretPathFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void pathIsValidOrRefusedWithInvalidSecret(FuzzedDataProvider data) {
        String path = data.consumeString(400);
        String prefix = data.consumeRemainingAsString();

        boolean valid = SecretPath.isValid(path);
        try {
            assertThat(SecretPath.requireValid(path)).isEqualTo(path);
            assertThat(valid).as("requireValid accepted what isValid refuses").isTrue();
            assertThat(path.length()).isBetween(1, SecretPath.MAX_LENGTH);
            assertThat(path).matches("[a-z0-9._/-]+").doesNotStartWith("/").doesNotEndWith("/")
                    .doesNotContain("//").doesNotContain("/.").doesNotStartWith(".");
        } catch (InvalidSecretException e) {
            assertThat(valid).as("requireValid refused what isValid accepts").isFalse();
            assertThat(e.field()).isEqualTo("path");
        }
        try {
            assertThat(SecretPath.requireValidPrefix(prefix)).isEqualTo(prefix);
            assertThat(prefix.length()).isLessThanOrEqualTo(SecretPath.MAX_LENGTH);
        } catch (InvalidSecretException e) {
            assertThat(e.field()).isEqualTo("prefix");
        }
        String escaped = SecretPath.likeEscape(path);
        // every % and _ of the escaped pattern is escaped: it matches literally
        assertThat(escaped.replace("\\\\", "").replace("\\%", "").replace("\\_", "")).doesNotContain("%", "_");
    }
}
