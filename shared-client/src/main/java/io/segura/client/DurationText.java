// SPDX-License-Identifier: Apache-2.0
package io.segura.client;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as the broker writes them (DESIGN §9): {@code 60s}, {@code 10m}, {@code 2h}, {@code 90d}. */
public final class DurationText {

    private static final Pattern FORM = Pattern.compile("^(\\d{1,9})(ms|s|m|h|d)$");

    private DurationText() {
    }

    /** Parses {@code 15m}; anything else, zero included, is an {@link IllegalArgumentException}. */
    public static Duration parse(String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("\"" + text + "\" is not a duration like 60s, 15m, 2h or 90d");
        }
        long n = Long.parseLong(m.group(1));
        Duration d;
        switch (m.group(2)) {
            case "ms":
                d = Duration.ofMillis(n);
                break;
            case "s":
                d = Duration.ofSeconds(n);
                break;
            case "m":
                d = Duration.ofMinutes(n);
                break;
            case "h":
                d = Duration.ofHours(n);
                break;
            default:
                d = Duration.ofDays(n);
        }
        if (d.isZero()) {
            throw new IllegalArgumentException("\"" + text + "\" must be more than zero");
        }
        return d;
    }

    /** The broker's wire form, whole seconds ({@code 900s}). */
    public static String format(Duration d) {
        return Math.max(1, d.toSeconds()) + "s";
    }
}
