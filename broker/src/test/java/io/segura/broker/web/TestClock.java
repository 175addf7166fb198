// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock the gate tests move by hand, shared by the issuer simulator (token times) and the broker (secret ages,
 * freeze windows, sessions). It only moves forward: rate-limit buckets and key caches assume time does not go back.
 */
final class TestClock extends Clock {

    private volatile Instant now;

    TestClock(Instant start) {
        this.now = start;
    }

    synchronized void advance(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("the test clock only moves forward");
        }
        now = now.plus(d);
    }

    synchronized void moveTo(Instant t) {
        if (t.isBefore(now)) {
            throw new IllegalArgumentException("the test clock only moves forward: " + t + " is before " + now);
        }
        now = t;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return now;
    }
}
