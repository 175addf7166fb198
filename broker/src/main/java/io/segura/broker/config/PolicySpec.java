// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Set;

/**
 * A deployment gate (DESIGN §7) as written in the config; {@code io.segura.broker.policy.DeploymentGate} compiles
 * and evaluates it.
 */
public record PolicySpec(
        String name,
        Mode mode,
        Duration maxSecretAge,
        boolean blockExposed,
        boolean requireLatestVersion,
        List<FreezeWindow> freezeWindows,
        List<DenyIf> denyIf,
        SourceLocation at) {

    public enum Mode { ENFORCE, WARN }

    public PolicySpec {
        freezeWindows = List.copyOf(freezeWindows);
        denyIf = List.copyOf(denyIf);
    }

    /**
     * Either absolute ({@code from}/{@code to} instants) or weekly ({@code days}, local {@code fromTime}/{@code toTime}
     * in {@code zone}); the other group is null.
     */
    public record FreezeWindow(
            Instant from, Instant to,
            Set<DayOfWeek> days, LocalTime fromTime, LocalTime toTime, ZoneId zone,
            String reason,
            SourceLocation at) {

        public FreezeWindow {
            days = days == null ? null : Set.copyOf(days);
        }

        public boolean weekly() {
            return days != null;
        }
    }

    public record DenyIf(String expr, String message, SourceLocation at) {
    }
}
