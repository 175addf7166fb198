// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.policy;

import java.time.Duration;
import java.time.Instant;

/** Renders ages and limits the way an operator reads them: {@code 97 days}, {@code 5 hours}, {@code 12 minutes}. */
final class Ages {

    private Ages() {
    }

    static String human(Duration d) {
        if (d.toDays() >= 1) {
            return plural(d.toDays(), "day");
        }
        if (d.toHours() >= 1) {
            return plural(d.toHours(), "hour");
        }
        if (d.toMinutes() >= 1) {
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
