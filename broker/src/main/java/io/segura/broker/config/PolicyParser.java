// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads one {@code policies[i]} entry (DESIGN §7). Freeze windows are absolute ({@code from}/{@code to} ISO-8601
 * instants, {@code from < to}) or weekly ({@code days}, {@code from}/{@code to} as {@code HH:mm} in {@code zone});
 * a weekly window whose {@code to} is earlier than its {@code from} crosses midnight and is kept as written — the
 * gate evaluates it. CEL expressions are kept as text with their position; the gate compiles them.
 */
final class PolicyParser {

    static final Set<String> KEYS = Set.of("name", "mode", "max-secret-age", "block-exposed",
            "require-latest-version", "freeze-windows", "deny-if");
    static final Set<String> WINDOW_KEYS = Set.of("from", "to", "reason", "days", "zone");
    static final Set<String> DENY_KEYS = Set.of("expr", "message");
    static final int MAX_FREEZE_WINDOWS = 64;
    static final int MAX_DENY_IF = 64;
    static final int MAX_EXPR_LENGTH = 4096;

    private static final Map<String, DayOfWeek> DAYS = Map.of("MON", DayOfWeek.MONDAY, "TUE", DayOfWeek.TUESDAY,
            "WED", DayOfWeek.WEDNESDAY, "THU", DayOfWeek.THURSDAY, "FRI", DayOfWeek.FRIDAY,
            "SAT", DayOfWeek.SATURDAY, "SUN", DayOfWeek.SUNDAY);
    private static final Pattern HH_MM = Pattern.compile("^([01][0-9]|2[0-3]):[0-5][0-9]$");

    private PolicyParser() {
    }

    static PolicySpec parse(YamlMap m) {
        Problems p = m.problems();
        String name = m.string("name", true);
        String modeText = m.string("mode", false);
        PolicySpec.Mode mode = PolicySpec.Mode.ENFORCE;
        if ("warn".equals(modeText)) {
            mode = PolicySpec.Mode.WARN;
        } else if (modeText != null && !modeText.equals("enforce")) {
            p.add(m.value("mode"), m.path("mode"), "expected enforce or warn, got `" + modeText + "`");
        }
        Duration maxAge = m.duration("max-secret-age", Duration.ZERO, true, null);
        Boolean blockExposed = m.bool("block-exposed");
        Boolean requireLatest = m.bool("require-latest-version");

        List<YamlMap> windowMaps = m.maps("freeze-windows", WINDOW_KEYS);
        if (windowMaps.size() > MAX_FREEZE_WINDOWS) {
            p.add(m.at("freeze-windows"), m.path("freeze-windows"), "at most " + MAX_FREEZE_WINDOWS + " windows");
        }
        List<PolicySpec.FreezeWindow> windows = new ArrayList<>();
        for (YamlMap w : windowMaps) {
            PolicySpec.FreezeWindow fw = window(w);
            if (fw != null) {
                windows.add(fw);
            }
        }

        List<YamlMap> denyMaps = m.maps("deny-if", DENY_KEYS);
        if (denyMaps.size() > MAX_DENY_IF) {
            p.add(m.at("deny-if"), m.path("deny-if"), "at most " + MAX_DENY_IF + " rules");
        }
        List<PolicySpec.DenyIf> denyIf = new ArrayList<>();
        for (YamlMap d : denyMaps) {
            String expr = d.string("expr", true);
            String message = d.string("message", true);
            if (expr != null && expr.length() > MAX_EXPR_LENGTH) {
                p.add(d.value("expr"), d.path("expr"), "at most " + MAX_EXPR_LENGTH + " characters");
            } else if (expr != null && message != null) {
                denyIf.add(new PolicySpec.DenyIf(expr, message, p.at(d.value("expr"))));
            }
        }
        return new PolicySpec(name, mode, maxAge, Boolean.TRUE.equals(blockExposed),
                Boolean.TRUE.equals(requireLatest), windows, denyIf, m.at());
    }

    /** One window: weekly with {@code days}, else absolute; also a role's {@code access-window}. */
    static PolicySpec.FreezeWindow window(YamlMap w) {
        return w.has("days") ? weekly(w) : absolute(w);
    }

    private static PolicySpec.FreezeWindow absolute(YamlMap w) {
        Problems p = w.problems();
        if (w.has("zone")) {
            p.add(w.at("zone"), w.path("zone"), "zone applies to weekly windows (with days) only; "
                    + "absolute windows are instants such as 2026-12-20T00:00:00Z");
        }
        Instant from = instant(w, "from");
        Instant to = instant(w, "to");
        String reason = w.string("reason", false);
        if (from != null && to != null && !from.isBefore(to)) {
            p.add(w.value("to"), w.path("to"), "must be after from");
            return null;
        }
        return from == null || to == null ? null
                : new PolicySpec.FreezeWindow(from, to, null, null, null, null, reason, w.at());
    }

    private static Instant instant(YamlMap w, String key) {
        String text = w.string(key, true);
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            w.problems().add(w.value(key), w.path(key), "expected an ISO-8601 instant like 2026-12-20T00:00:00Z, "
                    + "got `" + text + "` (weekly windows need days)");
            return null;
        }
    }

    private static PolicySpec.FreezeWindow weekly(YamlMap w) {
        Problems p = w.problems();
        List<String> dayNames = w.strings("days", true);
        Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
        boolean ok = dayNames != null;
        for (int i = 0; dayNames != null && i < dayNames.size(); i++) {
            DayOfWeek d = DAYS.get(dayNames.get(i));
            if (d == null) {
                p.add(w.element("days", i), w.path("days") + "[" + i + "]", "expected one of MON, TUE, WED, THU, "
                        + "FRI, SAT, SUN, got `" + dayNames.get(i) + "`");
                ok = false;
            } else if (!days.add(d)) {
                p.add(w.element("days", i), w.path("days") + "[" + i + "]", "duplicate day");
            }
        }
        LocalTime from = time(w, "from");
        LocalTime to = time(w, "to");
        String zoneText = w.string("zone", true);
        ZoneId zone = null;
        if (zoneText != null) {
            try {
                zone = ZoneId.of(zoneText);
            } catch (DateTimeException e) {
                p.add(w.value("zone"), w.path("zone"), "unknown time zone `" + zoneText
                        + "` (use a region id such as Europe/Berlin, or UTC)");
            }
        }
        if (from != null && from.equals(to)) {
            p.add(w.value("to"), w.path("to"), "must differ from from (to earlier than from crosses midnight)");
            return null;
        }
        String reason = w.string("reason", false);
        return ok && from != null && to != null && zone != null
                ? new PolicySpec.FreezeWindow(null, null, days, from, to, zone, reason, w.at()) : null;
    }

    private static LocalTime time(YamlMap w, String key) {
        String text = w.string(key, true);
        if (text == null) {
            return null;
        }
        if (!HH_MM.matcher(text).matches()) {
            w.problems().add(w.value(key), w.path(key), "expected a time of day HH:mm (00:00 to 23:59), got `"
                    + text + "`" + (text.contains("T") ? " (absolute windows have no days)" : ""));
            return null;
        }
        return LocalTime.parse(text);
    }
}
