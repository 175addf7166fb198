// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segura.testkit.time.MutableClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RateLimiterTests {

    @Test
    void acquireWhenBurstUsedThenRefusedWithWaitUntilNextToken() {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
        RateLimiter limiter = new RateLimiter(10, 5, clock);
        for (int i = 0; i < 5; i++) {
            assertThat(limiter.acquire("ip:1")).isEmpty();
        }
        assertThat(limiter.acquire("ip:1")).contains(Duration.ofMillis(100));
    }

    @Test
    void acquireWhenTimePassesThenRefilledAtTheRate() {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
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
        MutableClock clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
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
