// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The {@code anomaly} section (docs/EXPORTS.md, "Anomaly detection"): the thresholds of the explainable UEBA rules.
 * Detection runs only when the trust YAML has this section ({@code anomaly: {}} takes every default); the per-role
 * parts ({@code access-window}, {@code on-anomaly}) live on the roles.
 */
public record AnomalySpec(boolean enabled, Excessive excessiveRetrieval, OffHours offHours,
        UnknownWorkload unknownWorkload, Burst roleMismatch, Burst denialBurst, Rule outsideWindow) {

    /** No {@code anomaly} section: nothing is detected. */
    public static final AnomalySpec DISABLED = new AnomalySpec(false, Excessive.DEFAULT, OffHours.DEFAULT,
            UnknownWorkload.DEFAULT, Burst.ROLE_MISMATCH, Burst.DENIALS, Rule.OUTSIDE_WINDOW);

    public AnomalySpec {
        Objects.requireNonNull(excessiveRetrieval, "excessiveRetrieval cannot be null");
        Objects.requireNonNull(offHours, "offHours cannot be null");
        Objects.requireNonNull(unknownWorkload, "unknownWorkload cannot be null");
        Objects.requireNonNull(roleMismatch, "roleMismatch cannot be null");
        Objects.requireNonNull(denialBurst, "denialBurst cannot be null");
        Objects.requireNonNull(outsideWindow, "outsideWindow cannot be null");
    }

    /** The risk an anomaly is rated; ordered, so {@code min-risk: MEDIUM} takes MEDIUM and HIGH. */
    public enum Risk { LOW, MEDIUM, HIGH }

    /** A rule with no thresholds of its own: on or off, and the risk of its hits. */
    public record Rule(boolean enabled, Risk risk) {
        public static final Rule OUTSIDE_WINDOW = new Rule(true, Risk.HIGH);
    }

    /**
     * Excessive retrieval: leases of one identity in one {@code window} above {@code factor} × its baseline (an EWMA,
     * weight {@code smoothing}, of its count in the windows it was active in, at least {@code minBaseline}) once it has
     * {@code learningWindows} active windows, or above {@code ceiling} at any time.
     */
    public record Excessive(boolean enabled, Risk risk, Duration window, double factor, double minBaseline,
            int ceiling, int learningWindows, double smoothing) {
        public static final Excessive DEFAULT = new Excessive(true, Risk.HIGH, Duration.ofMinutes(10), 5.0, 3.0,
                1000, 6, 0.2);
    }

    /**
     * Off-hours access: an hour-of-week (UTC) in which the identity was seen at most {@code rare} times before, once it
     * has been known for {@code learning} and seen at least {@code minEvents} times.
     */
    public record OffHours(boolean enabled, Risk risk, Duration learning, int minEvents, int rare) {
        public static final OffHours DEFAULT = new OffHours(true, Risk.MEDIUM, Duration.ofDays(14), 50, 0);
    }

    /** Unknown workload: a role's first token from a repository or subject, once the role has been seen for {@code learning}. */
    public record UnknownWorkload(boolean enabled, Risk risk, Duration learning) {
        public static final UnknownWorkload DEFAULT = new UnknownWorkload(true, Risk.MEDIUM, Duration.ofDays(7));
    }

    /** More than {@code max} events of one key (issuer, client IP, subject) in one fixed {@code window}. */
    public record Burst(boolean enabled, Risk risk, Duration window, int max) {
        public static final Burst ROLE_MISMATCH = new Burst(true, Risk.MEDIUM, Duration.ofMinutes(10), 5);
        public static final Burst DENIALS = new Burst(true, Risk.HIGH, Duration.ofMinutes(1), 20);
    }

    /**
     * A role's {@code on-anomaly}: a hit of at least {@code minRisk} for one of its subjects blocks that subject in the
     * role for {@code duration} ({@code action: block}), or is only reported ({@code action: alert}).
     */
    public record OnAnomaly(Risk minRisk, boolean block, Duration duration) {
        public OnAnomaly {
            Objects.requireNonNull(minRisk, "minRisk cannot be null");
            Objects.requireNonNull(duration, "duration cannot be null");
        }
    }
}
