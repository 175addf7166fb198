// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The duration syntax of the config and the API (DESIGN §9): {@code 60s}, {@code 10m}, {@code 2h}, {@code 90d}, and
 * combinations in descending order such as {@code 1h30m} or {@code 1d12h}. No fractions, signs or spaces; a day is
 * 24 hours (no calendar or time-zone arithmetic).
 */
public final class Durations {

    // Each part has at most 9 digits, so the sum cannot overflow a long number of seconds.
    private static final Pattern SYNTAX =
            Pattern.compile("^(?:(\\d{1,9})d)?(?:(\\d{1,9})h)?(?:(\\d{1,9})m)?(?:(\\d{1,9})s)?$");

    private Durations() {
    }

    /**
     * Parses a duration.
     *
     * @throws IllegalArgumentException with a message fit for a config error (it quotes the input, which is never
     *                                  secret)
     */
    public static Duration parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("expected a duration like 60s, 10m, 2h or 90d, got nothing");
        }
        Matcher m = SYNTAX.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("expected a duration like 60s, 10m, 2h, 90d or 1h30m (an integer and "
                    + "a unit s, m, h or d, largest unit first), got `" + abbreviate(text) + "`");
        }
        long seconds = 0;
        long[] unit = {86_400, 3_600, 60, 1};
        for (int i = 0; i < 4; i++) {
            String part = m.group(i + 1);
            if (part != null) {
                seconds += Long.parseLong(part) * unit[i];
            }
        }
        return Duration.ofSeconds(seconds);
    }

    /** Renders a duration in the same syntax, largest units first ({@code 90m} → {@code 1h30m}). */
    public static String format(Duration duration) {
        long s = duration.getSeconds();
        if (s == 0) {
            return "0s";
        }
        StringBuilder b = new StringBuilder();
        long[] unit = {86_400, 3_600, 60, 1};
        String[] name = {"d", "h", "m", "s"};
        for (int i = 0; i < 4; i++) {
            if (s >= unit[i]) {
                b.append(s / unit[i]).append(name[i]);
                s %= unit[i];
            }
        }
        return b.toString();
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "…";
    }
}
