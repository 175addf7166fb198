// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.broker.config.PolicySpec;
import io.segura.broker.config.SourceLocation;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Freeze windows against the wall clock of their zone, across both daylight-saving changes and midnight. */
class FreezeWindowTests {

    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    /** SAT+SUN 00:00–23:59 Europe/Berlin: the whole weekend, whatever the UTC offset that weekend. */
    private static final FreezeWindow WEEKEND = weekly(Set.of(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY), "00:00", "23:59");
    /** FRI 22:00 → SAT 06:00 Europe/Berlin: crosses midnight. */
    private static final FreezeWindow FRIDAY_NIGHT = weekly(Set.of(DayOfWeek.FRIDAY), "22:00", "06:00");
    /** SUN 02:00–02:59 Europe/Berlin: the hour that does not exist in spring and exists twice in autumn. */
    private static final FreezeWindow SUNDAY_TWO = weekly(Set.of(DayOfWeek.SUNDAY), "02:00", "02:59");

    static Stream<Arguments> instants() {
        return Stream.of(
                // Spring forward, Sun 2026-03-29 02:00 CET -> 03:00 CEST. Sat starts 2026-03-27T23:00Z (CET).
                Arguments.of("weekend: Fri 23:59 CET is open", WEEKEND, "2026-03-27T22:59:00Z", false),
                Arguments.of("weekend: Sat 00:00 CET is frozen", WEEKEND, "2026-03-27T23:00:00Z", true),
                Arguments.of("weekend: Sun 01:59 CET frozen", WEEKEND, "2026-03-29T00:59:00Z", true),
                Arguments.of("weekend: Sun 03:00 CEST frozen", WEEKEND, "2026-03-29T01:00:00Z", true),
                Arguments.of("weekend: Sun 23:59:30 CEST still frozen", WEEKEND, "2026-03-29T21:59:30Z", true),
                Arguments.of("weekend: Mon 00:00 CEST open (a fixed +01:00 would say Sun 23:00)", WEEKEND,
                        "2026-03-29T22:00:00Z", false),
                // Fall back, Sun 2026-10-25 03:00 CEST -> 02:00 CET. Sat starts 2026-10-23T22:00Z (CEST).
                Arguments.of("weekend: Fri 23:59 CEST open", WEEKEND, "2026-10-23T21:59:00Z", false),
                Arguments.of("weekend: Sat 00:00 CEST frozen", WEEKEND, "2026-10-23T22:00:00Z", true),
                Arguments.of("weekend: Sun 23:59 CET frozen (a fixed +02:00 would say Mon 00:59)", WEEKEND,
                        "2026-10-25T22:59:00Z", true),
                Arguments.of("weekend: Mon 00:00 CET open", WEEKEND, "2026-10-25T23:00:00Z", false),
                // The missing hour in spring: 02:xx never shows on the wall clock, so nothing is frozen.
                Arguments.of("spring: 01:59 CET before the gap", SUNDAY_TWO, "2026-03-29T00:59:00Z", false),
                Arguments.of("spring: 03:00 CEST right after the gap", SUNDAY_TWO, "2026-03-29T01:00:00Z", false),
                // The doubled hour in autumn: 02:xx happens twice and both are frozen.
                Arguments.of("autumn: first 02:30 (CEST)", SUNDAY_TWO, "2026-10-25T00:30:00Z", true),
                Arguments.of("autumn: second 02:30 (CET)", SUNDAY_TWO, "2026-10-25T01:30:00Z", true),
                Arguments.of("autumn: 03:00 CET after both", SUNDAY_TWO, "2026-10-25T02:00:00Z", false),
                // Crossing midnight (2026-06-05 is a Friday; CEST = UTC+2).
                Arguments.of("friday night: Fri 21:59 open", FRIDAY_NIGHT, "2026-06-05T19:59:00Z", false),
                Arguments.of("friday night: Fri 22:00 frozen", FRIDAY_NIGHT, "2026-06-05T20:00:00Z", true),
                Arguments.of("friday night: Sat 00:00 frozen", FRIDAY_NIGHT, "2026-06-05T22:00:00Z", true),
                Arguments.of("friday night: Sat 06:00:59 frozen (to is inclusive)", FRIDAY_NIGHT,
                        "2026-06-06T04:00:59Z", true),
                Arguments.of("friday night: Sat 06:01 open", FRIDAY_NIGHT, "2026-06-06T04:01:00Z", false),
                Arguments.of("friday night: Sat 22:00 open (Saturday is not listed)", FRIDAY_NIGHT,
                        "2026-06-06T20:00:00Z", false),
                Arguments.of("friday night: Thu 23:00 open", FRIDAY_NIGHT, "2026-06-04T21:00:00Z", false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("instants")
    void coversWhenInstantGivenThenFollowsTheWallClock(String name, FreezeWindow window, String instant,
            boolean frozen) {
        assertThat(window.covers(Instant.parse(instant))).isEqualTo(frozen);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("absolute")
    void coversWhenAbsoluteThenFromInclusiveToExclusive(String instant, boolean frozen) {
        FreezeWindow w = new FreezeWindow(new PolicySpec.FreezeWindow(Instant.parse("2026-12-20T00:00:00Z"),
                Instant.parse("2027-01-04T00:00:00Z"), null, null, null, null, "year-end", SourceLocation.UNKNOWN));
        assertThat(w.covers(Instant.parse(instant))).isEqualTo(frozen);
        assertThat(w.describe()).contains("year-end");
    }

    static Stream<Arguments> absolute() {
        return Stream.of(Arguments.of("2026-12-19T23:59:59Z", false), Arguments.of("2026-12-20T00:00:00Z", true),
                Arguments.of("2027-01-03T23:59:59Z", true), Arguments.of("2027-01-04T00:00:00Z", false));
    }

    private static FreezeWindow weekly(Set<DayOfWeek> days, String from, String to) {
        return new FreezeWindow(new PolicySpec.FreezeWindow(null, null, days, LocalTime.parse(from),
                LocalTime.parse(to), BERLIN, "test", SourceLocation.UNKNOWN));
    }
}
