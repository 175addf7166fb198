// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.usage;

import java.time.Instant;

/**
 * A usage window cut at whole UTC days (V11's {@code epoch_day}): the raw uses of its partial first day
 * {@code [since, headEnd)}, the day counts of the whole days {@code [firstDay, endDay)} (whose uses all lie in
 * {@code [headEnd, tailStart)}), and the raw uses of its partial last day {@code [tailStart, until)}. A window without
 * a whole day is all head: {@code headEnd = tailStart = until}, no days. Each use of the window is in exactly one part.
 */
record DaySplit(Instant since, Instant headEnd, int firstDay, int endDay, Instant tailStart, Instant until) {

    static DaySplit of(UsageWindow w) {
        long first = Math.floorDiv(w.since().getEpochSecond(), SecretUses.SECONDS_PER_DAY);
        if (!start(first).equals(w.since())) {
            first++;
        }
        long end = Math.floorDiv(w.until().getEpochSecond(), SecretUses.SECONDS_PER_DAY);
        if (first >= end) {
            return new DaySplit(w.since(), w.until(), 0, 0, w.until(), w.until());
        }
        return new DaySplit(w.since(), start(first), Math.toIntExact(first), Math.toIntExact(end), start(end),
                w.until());
    }

    private static Instant start(long day) {
        return Instant.ofEpochSecond(day * SecretUses.SECONDS_PER_DAY);
    }
}
