// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AgesTests {

    @ParameterizedTest
    @CsvSource({"PT0S, 0 seconds", "PT61S, 61 seconds", "PT60S, 1 minute", "PT5M, 5 minutes", "PT90M, 90 minutes",
            "PT1H, 1 hour", "PT36H, 36 hours", "P1D, 1 day", "P97DT3H, 97 days", "P90D, 90 days"})
    void humanWhenDurationThenLargestUnitShowingAtLeastTwo(Duration d, String expected) {
        assertThat(Ages.human(d)).isEqualTo(expected);
    }
}
