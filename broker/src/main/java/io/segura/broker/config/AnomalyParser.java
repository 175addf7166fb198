// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads {@code anomaly} and a role's {@code on-anomaly} strictly: an unknown key, a threshold out of its documented
 * range or an unknown risk is reported with its position, like the rest of the trust config.
 */
final class AnomalyParser {

    static final Set<String> KEYS = Set.of("excessive-retrieval", "off-hours", "unknown-workload", "role-mismatch",
            "denial-burst", "outside-window");
    static final Set<String> EXCESSIVE_KEYS = Set.of("enabled", "risk", "window", "factor", "min-baseline", "ceiling",
            "learning-windows", "smoothing");
    static final Set<String> OFF_HOURS_KEYS = Set.of("enabled", "risk", "learning", "min-events", "rare");
    static final Set<String> UNKNOWN_KEYS = Set.of("enabled", "risk", "learning");
    static final Set<String> BURST_KEYS = Set.of("enabled", "risk", "window", "max");
    static final Set<String> RULE_KEYS = Set.of("enabled", "risk");
    static final Set<String> ON_ANOMALY_KEYS = Set.of("min-risk", "action", "for");

    static final Duration MAX_BLOCK = Duration.ofDays(30);

    private AnomalyParser() {
    }

    /** {@code anomaly: null} or {@code anomaly: {}} both enable every rule with its defaults. */
    static AnomalySpec parse(YamlMap m) {
        AnomalySpec.Excessive excessive = AnomalySpec.Excessive.DEFAULT;
        YamlMap e = section(m, "excessive-retrieval", EXCESSIVE_KEYS);
        if (e != null) {
            var d = excessive;
            Duration window = e.duration("window", Duration.ofMinutes(1), false, Duration.ofDays(1));
            Double factor = number(e, "factor", 1.5, 1000);
            Double minBaseline = number(e, "min-baseline", 0.1, 1_000_000);
            Integer ceiling = e.integer("ceiling", 1, 10_000_000);
            Integer learning = e.integer("learning-windows", 1, 10_000);
            Double smoothing = number(e, "smoothing", 0.01, 1);
            excessive = new AnomalySpec.Excessive(enabled(e), risk(e, "risk", d.risk()), or(window, d.window()),
                    or(factor, d.factor()), or(minBaseline, d.minBaseline()), or(ceiling, d.ceiling()),
                    or(learning, d.learningWindows()), or(smoothing, d.smoothing()));
        }
        AnomalySpec.OffHours offHours = AnomalySpec.OffHours.DEFAULT;
        YamlMap o = section(m, "off-hours", OFF_HOURS_KEYS);
        if (o != null) {
            var d = offHours;
            Duration learning = o.duration("learning", Duration.ofHours(1), false, Duration.ofDays(365));
            Integer minEvents = o.integer("min-events", 1, 1_000_000);
            Integer rare = o.integer("rare", 0, 1000);
            offHours = new AnomalySpec.OffHours(enabled(o), risk(o, "risk", d.risk()), or(learning, d.learning()),
                    or(minEvents, d.minEvents()), or(rare, d.rare()));
        }
        AnomalySpec.UnknownWorkload unknown = AnomalySpec.UnknownWorkload.DEFAULT;
        YamlMap u = section(m, "unknown-workload", UNKNOWN_KEYS);
        if (u != null) {
            Duration learning = u.duration("learning", Duration.ZERO, false, Duration.ofDays(365));
            unknown = new AnomalySpec.UnknownWorkload(enabled(u), risk(u, "risk", unknown.risk()),
                    or(learning, unknown.learning()));
        }
        AnomalySpec.Burst mismatch = burst(m, "role-mismatch", AnomalySpec.Burst.ROLE_MISMATCH);
        AnomalySpec.Burst denials = burst(m, "denial-burst", AnomalySpec.Burst.DENIALS);
        AnomalySpec.Rule outside = AnomalySpec.Rule.OUTSIDE_WINDOW;
        YamlMap w = section(m, "outside-window", RULE_KEYS);
        if (w != null) {
            outside = new AnomalySpec.Rule(enabled(w), risk(w, "risk", outside.risk()));
        }
        return new AnomalySpec(true, excessive, offHours, unknown, mismatch, denials, outside);
    }

    /** A role's {@code on-anomaly: {min-risk: HIGH, action: block, for: 1h}}; every key is required. */
    static AnomalySpec.OnAnomaly onAnomaly(YamlMap role) {
        Node node = role.value("on-anomaly");
        if (node == null) {
            return null;
        }
        YamlMap a = YamlMap.open(node, role.path("on-anomaly"), role.problems(), ON_ANOMALY_KEYS);
        if (a == null) {
            return null;
        }
        a.required("min-risk");
        a.required("action");
        AnomalySpec.Risk minRisk = risk(a, "min-risk", null);
        String action = a.string("action", true);
        boolean block = "block".equals(action);
        if (action != null && !block && !"alert".equals(action)) {
            a.problems().add(a.value("action"), a.path("action"), "expected block or alert, got `" + action + "`");
            return null;
        }
        Duration duration = a.duration("for", Duration.ofMinutes(1), false, MAX_BLOCK);
        if (block && !a.has("for")) {
            a.problems().add(a.at(), a.path("for"), "is required with action: block (how long the block lasts, "
                    + "1m to " + Durations.format(MAX_BLOCK) + ")");
            return null;
        }
        if (minRisk == null || action == null || (block && duration == null)) {
            return null;
        }
        return new AnomalySpec.OnAnomaly(minRisk, block, duration == null ? Duration.ZERO : duration);
    }

    private static AnomalySpec.Burst burst(YamlMap m, String key, AnomalySpec.Burst d) {
        YamlMap b = section(m, key, BURST_KEYS);
        if (b == null) {
            return d;
        }
        Duration window = b.duration("window", Duration.ofSeconds(10), false, Duration.ofDays(1));
        Integer max = b.integer("max", 1, 1_000_000);
        return new AnomalySpec.Burst(enabled(b), risk(b, "risk", d.risk()), or(window, d.window()), or(max, d.max()));
    }

    private static YamlMap section(YamlMap m, String key, Set<String> keys) {
        Node v = m.value(key);
        return v == null ? null : YamlMap.open(v, m.path(key), m.problems(), keys);
    }

    private static boolean enabled(YamlMap m) {
        Boolean b = m.bool("enabled");
        return b == null || b;
    }

    private static AnomalySpec.Risk risk(YamlMap m, String key, AnomalySpec.Risk dflt) {
        String text = m.string(key);
        if (text == null) {
            return dflt;
        }
        try {
            return AnomalySpec.Risk.valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            m.problems().add(m.value(key), m.path(key), "expected LOW, MEDIUM or HIGH, got `" + text + "`");
            return null;
        }
    }

    private static Double number(YamlMap m, String key, double min, double max) {
        Node v = m.value(key);
        if (v == null) {
            return null;
        }
        if (v instanceof ScalarNode s && (Tag.INT.equals(v.getTag()) || Tag.FLOAT.equals(v.getTag()))) {
            try {
                double n = Double.parseDouble(s.getValue().replace("_", ""));
                if (n >= min && n <= max) {
                    return n;
                }
                m.problems().add(v, m.path(key), "must be from " + plain(min) + " to " + plain(max) + ", got "
                        + s.getValue());
                return null;
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        m.problems().add(v, m.path(key), "expected a number from " + plain(min) + " to " + plain(max) + ", got "
                + YamlMap.describe(v));
        return null;
    }

    private static String plain(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    private static <T> T or(T value, T dflt) {
        return value == null ? dflt : value;
    }
}
