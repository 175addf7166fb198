// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.policy;

import java.time.Duration;
import java.time.Instant;

/** Renders ages and limits the way an operator reads them: {@code 97 days}, {@code 5 hours}, {@code 12 minutes}. */
final class Ages {

    private Ages() {
    }

    /** The largest unit that still shows at least 2 of it, so 61 seconds never reads as "1 minute". */
    static String human(Duration d) {
        if (d.toDays() >= 2 || d.toDays() >= 1 && d.toHoursPart() == 0) {
            return plural(d.toDays(), "day");
        }
        if (d.toHours() >= 2 || d.toHours() >= 1 && d.toMinutesPart() == 0) {
            return plural(d.toHours(), "hour");
        }
        if (d.toMinutes() >= 2 || d.toMinutes() >= 1 && d.toSecondsPart() == 0) {
            return plural(d.toMinutes(), "minute");
        }
        return plural(Math.max(0, d.toSeconds()), "second");
    }

    static String ago(Instant then, Instant now) {
        return human(Duration.between(then, now)) + " ago";
    }

    private static String plural(long n, String unit) {
        return n + " " + unit + (n == 1 ? "" : "s");
    }
}
