// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.policy;

import io.segura.broker.config.PolicySpec;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A freeze window compiled for {@link #covers(Instant)}.
 *
 * <p>Absolute windows are {@code [from, to)} in UTC instants. Weekly windows are wall-clock times in their zone: the
 * instant is turned into the zone's local date and time (so daylight-saving changes move the window with the clock on
 * the wall, never by an hour), and a window covers {@code from} through the end of the {@code to} minute — so
 * {@code 00:00}–{@code 23:59} is the whole day. A window whose {@code to} is earlier than its {@code from} crosses
 * midnight: it starts on each listed day and ends on the next one.
 */
public final class FreezeWindow {

    private final PolicySpec.FreezeWindow spec;

    /** Also a role's {@code access-window} (the same grammar), compiled by the anomaly detector. */
    public FreezeWindow(PolicySpec.FreezeWindow spec) {
        this.spec = Objects.requireNonNull(spec, "spec cannot be null");
    }

    public boolean covers(Instant now) {
        if (!spec.weekly()) {
            return !now.isBefore(spec.from()) && now.isBefore(spec.to());
        }
        ZonedDateTime local = now.atZone(spec.zone());
        LocalTime time = local.toLocalTime();
        DayOfWeek day = local.getDayOfWeek();
        LocalTime from = spec.fromTime();
        LocalTime to = spec.toTime();
        if (!to.isBefore(from)) {
            return spec.days().contains(day) && !time.isBefore(from) && beforeEndOf(time, to);
        }
        // Crosses midnight: the evening part belongs to a listed day, the morning part to the day after one.
        return spec.days().contains(day) && !time.isBefore(from)
                || spec.days().contains(day.minus(1)) && beforeEndOf(time, to);
    }

    /** True while {@code time} is before the end of the minute {@code to}. */
    private static boolean beforeEndOf(LocalTime time, LocalTime to) {
        return time.isBefore(to.plusMinutes(1)) || to.equals(LocalTime.of(23, 59));
    }

    public String describe() {
        String reason = spec.reason() == null ? "" : " (" + spec.reason() + ")";
        if (!spec.weekly()) {
            return "freeze from " + spec.from() + " to " + spec.to() + reason;
        }
        return "weekly freeze " + days(spec.days()) + " " + spec.fromTime() + "–" + spec.toTime() + " "
                + zoneName(spec.zone()) + reason;
    }

    private static String days(Set<DayOfWeek> days) {
        return days.stream().sorted()
                .map(d -> d.getDisplayName(TextStyle.SHORT, Locale.ROOT).toUpperCase(Locale.ROOT))
                .collect(Collectors.joining(",", "[", "]"));
    }

    private static String zoneName(ZoneId zone) {
        return zone.getId();
    }
}
