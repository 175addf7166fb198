// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class RateLimiterTests {

    /** A clock the test moves by hand. */
    private static final class ManualClock extends Clock {
        private Instant now = Instant.parse("2026-11-29T10:00:00Z");

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

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    @Test
    void acquireWhenBurstUsedThenRefusedWithWaitUntilNextToken() {
        ManualClock clock = new ManualClock();
        RateLimiter limiter = new RateLimiter(10, 5, clock);
        for (int i = 0; i < 5; i++) {
            assertThat(limiter.acquire("ip:1")).isEmpty();
        }
        assertThat(limiter.acquire("ip:1")).contains(Duration.ofMillis(100));
    }

    @Test
    void acquireWhenTimePassesThenRefilledAtTheRate() {
        ManualClock clock = new ManualClock();
        RateLimiter limiter = new RateLimiter(10, 5, clock);
        for (int i = 0; i < 5; i++) {
            limiter.acquire("ip:1");
        }
        clock.advance(Duration.ofMillis(250));
        assertThat(limiter.acquire("ip:1")).isEmpty();
        assertThat(limiter.acquire("ip:1")).isEmpty();
        assertThat(limiter.acquire("ip:1")).isPresent();
    }

    @Test
    void acquireWhenOtherKeyThenIndependentBucket() {
        ManualClock clock = new ManualClock();
        RateLimiter limiter = new RateLimiter(1, 1, clock);
        assertThat(limiter.acquire("ip:1")).isEmpty();
        assertThat(limiter.acquire("ip:1")).isPresent();
        assertThat(limiter.acquire("ip:2")).isEmpty();
    }

    @Test
    void constructWhenRateNotPositiveThenRefused() {
        assertThatThrownBy(() -> new RateLimiter(0, 1, Clock.systemUTC())).isInstanceOf(IllegalArgumentException.class);
    }
}
