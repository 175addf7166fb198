// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@code anomaly} section and a role's {@code access-window} / {@code on-anomaly}: every bad value refused at start
 * with FILE:LINE:COLUMN, thresholds out of range included; absent means off; given means the documented defaults.
 */
class AnomalyConfigTests {

    private static final String ISSUERS = "issuers:\n  - name: ci\n    issuer: https://ci.example\n"
            + "    audiences: [a]\n";
    private static final String ROLE = "roles:\n  - name: deploy\n    issuers: [ci]\n"
            + "    bound-claims: {repository: acme/app}\n    secrets: [\"db/*\"]\n";

    static Stream<Arguments> badAnomaly() {
        return Stream.of(
                Arguments.of("factor below range", "  excessive-retrieval: {factor: 1}\n",
                        "t.yaml:11:33: anomaly.excessive-retrieval.factor", "must be from 1.5 to 1000, got 1"),
                Arguments.of("ceiling zero", "  excessive-retrieval:\n    ceiling: 0\n",
                        "t.yaml:12:14: anomaly.excessive-retrieval.ceiling", "must be from 1 to 10000000"),
                Arguments.of("smoothing above 1", "  excessive-retrieval:\n    smoothing: 1.5\n",
                        "t.yaml:12:16: anomaly.excessive-retrieval.smoothing", "must be from 0.01 to 1"),
                Arguments.of("window too short", "  excessive-retrieval:\n    window: 10s\n",
                        "t.yaml:12:13: anomaly.excessive-retrieval.window", "at least 1m"),
                Arguments.of("factor not a number", "  excessive-retrieval:\n    factor: lots\n",
                        "t.yaml:12:13: anomaly.excessive-retrieval.factor", "expected a number"),
                Arguments.of("rare out of range", "  off-hours:\n    rare: -1\n",
                        "t.yaml:12:11: anomaly.off-hours.rare", "must be from 0 to 1000"),
                Arguments.of("learning too long", "  off-hours:\n    learning: 400d\n",
                        "t.yaml:12:15: anomaly.off-hours.learning", "at most 365d"),
                Arguments.of("burst max zero", "  denial-burst:\n    max: 0\n",
                        "t.yaml:12:10: anomaly.denial-burst.max", "must be from 1 to 1000000"),
                Arguments.of("unknown risk", "  role-mismatch:\n    risk: SEVERE\n",
                        "t.yaml:12:11: anomaly.role-mismatch.risk", "expected LOW, MEDIUM or HIGH"),
                Arguments.of("unknown rule", "  off-hour: {rare: 1}\n", "t.yaml:11:3: anomaly", "off-hour"),
                Arguments.of("unknown rule key", "  unknown-workload:\n    learn: 7d\n",
                        "t.yaml:12:5: anomaly.unknown-workload", "learn"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badAnomaly")
    void parseWhenAnAnomalyThresholdIsBadThenRefusedWithFileLineAndColumn(String name, String yaml, String at,
            String message) {
        assertThatThrownBy(() -> TrustConfigLoader.parse(ISSUERS + ROLE + "anomaly:\n" + yaml, "t.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(at)
                .hasMessageContaining(message);
    }

    static Stream<Arguments> badRoles() {
        return Stream.of(
                Arguments.of("on-anomaly unknown action", "    on-anomaly: {min-risk: HIGH, action: kill, for: 1h}\n",
                        "t.yaml:10:42: roles[0].on-anomaly.action", "expected block or alert"),
                Arguments.of("on-anomaly unknown risk", "    on-anomaly: {min-risk: CRITICAL, action: block, for: 1h}\n",
                        "t.yaml:10:28: roles[0].on-anomaly.min-risk", "expected LOW, MEDIUM or HIGH"),
                Arguments.of("block without for", "    on-anomaly: {min-risk: HIGH, action: block}\n",
                        "t.yaml:10:17: roles[0].on-anomaly.for", "is required with action: block"),
                Arguments.of("block too long", "    on-anomaly: {min-risk: HIGH, action: block, for: 60d}\n",
                        "t.yaml:10:54: roles[0].on-anomaly.for", "at most 30d"),
                Arguments.of("on-anomaly unknown key",
                        "    on-anomaly: {min-risk: HIGH, action: block, for: 1h, notify: x}\n",
                        "t.yaml:10:58: roles[0].on-anomaly.notify", "unknown key"),
                Arguments.of("access-window bad day",
                        "    access-window: {days: [MON, FUNDAY], from: \"08:00\", to: \"18:00\", zone: UTC}\n",
                        "t.yaml:10:33: roles[0].access-window.days[1]", "expected one of MON"),
                Arguments.of("access-window bad zone",
                        "    access-window:\n      - {days: [MON], from: \"08:00\", to: \"18:00\", zone: Mars/Base}\n",
                        "t.yaml:11:57: roles[0].access-window[0].zone", "unknown time zone"),
                Arguments.of("access-window bad time",
                        "    access-window: {days: [MON], from: \"8am\", to: \"18:00\", zone: UTC}\n",
                        "t.yaml:10:40: roles[0].access-window.from", "expected a time of day HH:mm"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRoles")
    void parseWhenARoleAnomalySettingIsBadThenRefusedWithFileLineAndColumn(String name, String yaml, String at,
            String message) {
        assertThatThrownBy(() -> TrustConfigLoader.parse(ISSUERS + ROLE + yaml, "t.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(at)
                .hasMessageContaining(message);
    }

    @Test
    void parseWhenNoAnomalySectionThenDetectionIsOff() {
        TrustConfig c = TrustConfigLoader.parse(ISSUERS + ROLE, "t.yaml");
        assertThat(c.anomaly().enabled()).isFalse();
        assertThat(c.roles().get(0).accessWindows()).isEmpty();
        assertThat(c.roles().get(0).onAnomaly()).isNull();
    }

    @Test
    void parseWhenAnEmptyAnomalySectionThenEveryRuleHasItsDocumentedDefault() {
        AnomalySpec a = TrustConfigLoader.parse(ISSUERS + ROLE + "anomaly: {}\n", "t.yaml").anomaly();
        assertThat(a.enabled()).isTrue();
        assertThat(a.excessiveRetrieval()).isEqualTo(new AnomalySpec.Excessive(true, AnomalySpec.Risk.HIGH,
                Duration.ofMinutes(10), 5.0, 3.0, 1000, 6, 0.2));
        assertThat(a.offHours()).isEqualTo(new AnomalySpec.OffHours(true, AnomalySpec.Risk.MEDIUM,
                Duration.ofDays(14), 50, 0));
        assertThat(a.unknownWorkload()).isEqualTo(new AnomalySpec.UnknownWorkload(true, AnomalySpec.Risk.MEDIUM,
                Duration.ofDays(7)));
        assertThat(a.roleMismatch()).isEqualTo(new AnomalySpec.Burst(true, AnomalySpec.Risk.MEDIUM,
                Duration.ofMinutes(10), 5));
        assertThat(a.denialBurst()).isEqualTo(new AnomalySpec.Burst(true, AnomalySpec.Risk.HIGH,
                Duration.ofMinutes(1), 20));
        assertThat(a.outsideWindow()).isEqualTo(new AnomalySpec.Rule(true, AnomalySpec.Risk.HIGH));
    }

    @Test
    void parseWhenEverySettingIsGivenThenTheSpecHoldsThem() {
        TrustConfig c = TrustConfigLoader.parse(ISSUERS + """
                roles:
                  - name: deploy
                    issuers: [ci]
                    bound-claims: {repository: acme/app}
                    secrets: ["db/*"]
                    access-window:
                      - {days: [MON, TUE, WED, THU, FRI], from: "07:00", to: "19:00", zone: Europe/Paris}
                      - {from: "2026-12-24T00:00:00Z", to: "2026-12-25T00:00:00Z"}
                    on-anomaly: {min-risk: MEDIUM, action: block, for: 2h}
                anomaly:
                  excessive-retrieval: {window: 5m, factor: 4.5, min-baseline: 2, ceiling: 300, learning-windows: 12,
                                        smoothing: 0.3, risk: MEDIUM}
                  off-hours: {learning: 21d, min-events: 100, rare: 2, risk: LOW}
                  unknown-workload: {learning: 3d, enabled: false}
                  role-mismatch: {window: 5m, max: 3}
                  denial-burst: {window: 2m, max: 50, risk: MEDIUM}
                  outside-window: {risk: MEDIUM}
                """, "t.yaml");
        AnomalySpec a = c.anomaly();
        assertThat(a.excessiveRetrieval()).isEqualTo(new AnomalySpec.Excessive(true, AnomalySpec.Risk.MEDIUM,
                Duration.ofMinutes(5), 4.5, 2.0, 300, 12, 0.3));
        assertThat(a.offHours()).isEqualTo(new AnomalySpec.OffHours(true, AnomalySpec.Risk.LOW, Duration.ofDays(21),
                100, 2));
        assertThat(a.unknownWorkload().enabled()).isFalse();
        assertThat(a.roleMismatch()).isEqualTo(new AnomalySpec.Burst(true, AnomalySpec.Risk.MEDIUM,
                Duration.ofMinutes(5), 3));
        assertThat(a.denialBurst().max()).isEqualTo(50);
        assertThat(a.outsideWindow().risk()).isEqualTo(AnomalySpec.Risk.MEDIUM);
        RoleSpec r = c.roles().get(0);
        assertThat(r.accessWindows()).hasSize(2);
        assertThat(r.accessWindows().get(0).weekly()).isTrue();
        assertThat(r.onAnomaly()).isEqualTo(new AnomalySpec.OnAnomaly(AnomalySpec.Risk.MEDIUM, true,
                Duration.ofHours(2)));
    }
}
