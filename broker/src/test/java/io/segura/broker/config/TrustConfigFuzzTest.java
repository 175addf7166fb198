// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing of the trust-config loader (README "Fuzzing"): any text is a valid {@link TrustConfig} or a
 * {@link ConfigException} whose every problem names the file — never another exception, never a hang (no aliases,
 * 20 levels of nesting, 1 MiB). The seeds are real trust configs, so mutations start from the schema.
 * Regression inputs: {@code src/test/resources/io/segura/broker/config/TrustConfigFuzzTestInputs/}.
 */
class TrustConfigFuzzTest {

    private static final String FILE = "fuzz.yaml";

    /**
     * A hang guard, not a timing assertion (one parse takes milliseconds): per input when replaying; while fuzzing,
     * Jazzer hands it to libFuzzer as the per-input limit (the pom's fuzz execution switches JUnit's own timing of the
     * whole run off).
     */
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    @FuzzTest
    void anyYamlIsAConfigOrAConfigExceptionWithLocations(byte[] input) {
        String yaml = new String(input, StandardCharsets.UTF_8);
        try {
            TrustConfig config = TrustConfigLoader.parse(yaml, FILE);
            assertThat(config.file()).isEqualTo(FILE);
        } catch (ConfigException e) {
            assertThat(e.problems()).isNotEmpty().allSatisfy(p -> {
                assertThat(p.at().file()).isEqualTo(FILE);
                assertThat(p.at().line()).isNotNegative();
                assertThat(p.at().column()).isNotNegative();
            });
        }
    }
}
