// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segura.testkit.time.MutableClock;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class ConsoleSessionsTest {

    static final String ADMIN = "an-admin-token-of-at-least-32-characters";

    final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T10:00:00Z"));
    final ConsoleSessions sessions = new ConsoleSessions(ADMIN, Duration.ofMinutes(15), clock, new SecureRandom());

    @Test
    void signInWhenAdminTokenThenCookieVerifiesWithTheSameCsrfToken() {
        ConsoleSessions.Session s = sessions.signIn(ADMIN).orElseThrow();
        assertThat(s.expiresAt()).isEqualTo(Instant.parse("2026-12-03T10:15:00Z"));
        ConsoleSessions.Verdict v = sessions.verify(s.cookie());
        assertThat(v.session()).isNotNull();
        assertThat(v.session().csrfToken()).isEqualTo(s.csrfToken());
        assertThat(ConsoleSessions.csrfMatches(v.session(), s.csrfToken())).isTrue();
        assertThat(ConsoleSessions.csrfMatches(v.session(), s.csrfToken() + "x")).isFalse();
        assertThat(ConsoleSessions.csrfMatches(v.session(), null)).isFalse();
        assertThat(s.cookie()).doesNotContain(ADMIN);
        assertThat(s.toString()).doesNotContain(s.cookie()).doesNotContain(s.csrfToken());
    }

    @Test
    void signInWhenNotTheAdminTokenThenRefused() {
        assertThat(sessions.signIn(ADMIN + "x")).isEmpty();
        assertThat(sessions.signIn("")).isEmpty();
        assertThat(sessions.signIn(null)).isEmpty();
        ConsoleSessions closed = new ConsoleSessions(null, Duration.ofMinutes(15), clock, new SecureRandom());
        assertThat(closed.enabled()).isFalse();
        assertThat(closed.signIn(ADMIN)).isEmpty();
    }

    @Test
    void verifyWhenExpiredThenExpired() {
        ConsoleSessions.Session s = sessions.signIn(ADMIN).orElseThrow();
        clock.advance(Duration.ofMinutes(15));
        assertThat(sessions.verify(s.cookie()).rejection()).isEqualTo(ConsoleSessions.Rejection.EXPIRED);
    }

    @Test
    void verifyWhenSignedOutThenSignedOutButOtherSessionsStand() {
        ConsoleSessions.Session a = sessions.signIn(ADMIN).orElseThrow();
        ConsoleSessions.Session b = sessions.signIn(ADMIN).orElseThrow();
        assertThat(a.csrfToken()).isNotEqualTo(b.csrfToken());
        sessions.signOut(a);
        assertThat(sessions.verify(a.cookie()).rejection()).isEqualTo(ConsoleSessions.Rejection.SIGNED_OUT);
        assertThat(sessions.verify(b.cookie()).session()).isNotNull();
    }

    @Test
    void verifyWhenAdminTokenChangedThenInvalid() {
        ConsoleSessions.Session s = sessions.signIn(ADMIN).orElseThrow();
        ConsoleSessions other = new ConsoleSessions(ADMIN + "-rotated", Duration.ofMinutes(15), clock,
                new SecureRandom());
        assertThat(other.verify(s.cookie()).rejection()).isEqualTo(ConsoleSessions.Rejection.INVALID);
    }

    static Stream<Arguments> forgeries() {
        ConsoleSessions s = new ConsoleSessions(ADMIN, Duration.ofMinutes(15),
                new MutableClock(Instant.parse("2026-12-03T10:00:00Z")), new SecureRandom());
        String good = s.signIn(ADMIN).orElseThrow().cookie();
        String[] p = good.split("\\.");
        return Stream.of(
                Arguments.of("later expiry, same mac", p[0] + "." + (Long.parseLong(p[1]) + 3600) + "." + p[2] + "."
                        + p[3]),
                Arguments.of("other nonce, same mac", p[0] + "." + p[1] + ".AAAAAAAAAAAAAAAAAAAAAAAA." + p[3]),
                Arguments.of("no mac", p[0] + "." + p[1] + "." + p[2] + "."),
                Arguments.of("mac not base64", p[0] + "." + p[1] + "." + p[2] + ".!!!"),
                Arguments.of("other version", "v2." + p[1] + "." + p[2] + "." + p[3]),
                Arguments.of("expiry not a number", p[0] + ".x." + p[2] + "." + p[3]),
                Arguments.of("too few parts", p[0] + "." + p[1]),
                Arguments.of("empty", ""),
                Arguments.of("the admin token itself", ADMIN));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forgeries")
    void verifyWhenForgedThenInvalid(String name, String cookie) {
        ConsoleSessions.Verdict v = new ConsoleSessions(ADMIN, Duration.ofMinutes(15),
                new MutableClock(Instant.parse("2026-12-03T10:00:00Z")), new SecureRandom()).verify(cookie);
        assertThat(v.session()).isNull();
        assertThat(v.rejection()).isEqualTo(ConsoleSessions.Rejection.INVALID);
    }

    @Test
    void constructWhenTtlNotPositiveThenRefused() {
        assertThatThrownBy(() -> new ConsoleSessions(ADMIN, Duration.ZERO, clock, new SecureRandom()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SEGURA_CONSOLE_SESSION_TTL");
    }

    @Test
    void reasonKeyWhenExchangeRefusalThenOnlyTheCode() {
        assertThat(ConsoleStats.reasonKey("role-mismatch: role \"deploy\" refused this token: claim repository is "
                + "\"evil/fork\"")).isEqualTo("role-mismatch");
        assertThat(ConsoleStats.reasonKey("session-expired")).isEqualTo("session-expired");
        assertThat(ConsoleStats.reasonKey(null)).isEqualTo("unspecified");
    }
}
