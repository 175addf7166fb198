// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTests {

    static Stream<Arguments> valid() {
        return Stream.of(
                Arguments.of("60s", Duration.ofSeconds(60)),
                Arguments.of("10m", Duration.ofMinutes(10)),
                Arguments.of("2h", Duration.ofHours(2)),
                Arguments.of("90d", Duration.ofDays(90)),
                Arguments.of("0s", Duration.ZERO),
                Arguments.of("1h30m", Duration.ofMinutes(90)),
                Arguments.of("1d12h", Duration.ofHours(36)),
                Arguments.of("1d2h3m4s", Duration.ofSeconds(86_400 + 7_200 + 180 + 4)),
                Arguments.of("999999999d", Duration.ofDays(999_999_999)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void parseWhenValidThenDuration(String text, Duration expected) {
        assertThat(Durations.parse(text)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"", "60", "s", "1.5h", "-1m", "+1m", "1 h", "1H", "10ms", "1m1h", "1w", "PT1H", "1h 30m",
            "1000000000d", "1hh", "٣s"})
    void parseWhenInvalidThenIllegalArgument(String text) {
        assertThatThrownBy(() -> Durations.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected a duration like 60s");
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("valid")
    void formatWhenParsedThenRoundTrips(String text, Duration duration) {
        assertThat(Durations.parse(Durations.format(duration))).isEqualTo(duration);
    }
}
