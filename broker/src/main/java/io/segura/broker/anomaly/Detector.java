// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.anomaly;

import io.segura.broker.anomaly.State.Baseline;
import io.segura.broker.audit.AuditEventType;
import io.segura.broker.config.AnomalySpec;
import io.segura.broker.config.RoleSpec;
import io.segura.broker.policy.FreezeWindow;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The anomaly rules (docs/EXPORTS.md): explainable thresholds over per-identity baselines, evaluated on committed
 * audit events in chain order. Each rule compares what the event adds with the baseline <em>before</em> it, then the
 * event is folded into the baseline. Pure: the state comes in, the hits go out; time is the events' own
 * ({@code occurred_at}), so a round that runs late judges each event as of when it happened.
 */
final class Detector {

    static final int HOURS_OF_WEEK = 168;

    /** The events the rules read; the detector's own events (anomaly.*, session.revoked) never feed back. */
    static final Set<AuditEventType> OBSERVED = Set.of(AuditEventType.TOKEN_EXCHANGED, AuditEventType.LEASE_ISSUED,
            AuditEventType.TOKEN_REJECTED, AuditEventType.LEASE_DENIED, AuditEventType.ADMIN_DENIED,
            AuditEventType.CONSOLE_SIGN_IN_FAILED, AuditEventType.EXPOSURE_REJECTED);

    /**
     * The refusals a burst of which is an anomaly: of CI tokens, of session tokens, of the admin token and of exposure
     * webhook deliveries.
     */
    private static final Set<AuditEventType> DENIALS = Set.of(AuditEventType.TOKEN_REJECTED,
            AuditEventType.LEASE_DENIED, AuditEventType.ADMIN_DENIED, AuditEventType.CONSOLE_SIGN_IN_FAILED,
            AuditEventType.EXPOSURE_REJECTED);

    private final AnomalySpec spec;
    private final Map<String, List<FreezeWindow>> windows;

    Detector(AnomalySpec spec, List<RoleSpec> roles) {
        this.spec = Objects.requireNonNull(spec, "spec cannot be null");
        Map<String, List<FreezeWindow>> w = new LinkedHashMap<>();
        for (RoleSpec r : roles) {
            if (!r.accessWindows().isEmpty()) {
                w.put(r.name(), r.accessWindows().stream().map(FreezeWindow::new).toList());
            }
        }
        this.windows = Map.copyOf(w);
    }

    /** The keys the rules will read for these events, so one round loads each table once. */
    record Keys(Set<String> baselines, Set<String> roles, Set<String> workloads, Set<String> counters) {
    }

    Keys keys(List<Observed> events) {
        Set<String> baselines = new java.util.LinkedHashSet<>();
        Set<String> roles = new java.util.LinkedHashSet<>();
        Set<String> workloads = new java.util.LinkedHashSet<>();
        Set<String> counters = new java.util.LinkedHashSet<>();
        for (Observed e : events) {
            if (isAccess(e)) {
                baselines.add(State.id(State.SUBJECT, e.role(), e.subject()));
                if (e.repository() != null) {
                    baselines.add(State.id(State.REPOSITORY, e.role(), e.repository()));
                }
                if (e.type() == AuditEventType.TOKEN_EXCHANGED) {
                    roles.add(e.role());
                    workloads.add(State.id(State.SUBJECT, e.role(), e.subject()));
                    if (e.repository() != null) {
                        workloads.add(State.id(State.REPOSITORY, e.role(), e.repository()));
                    }
                }
            } else if (isDenial(e)) {
                burstNames(e).forEach(n -> counters.add(State.id("counter", null, n)));
            }
        }
        return new Keys(baselines, roles, workloads, counters);
    }

    /** The rules' hits on one event, the state updated with it. */
    List<Hit> observe(Observed e, State s) {
        List<Hit> hits = new ArrayList<>();
        if (isAccess(e)) {
            access(e, s, hits);
        } else if (isDenial(e)) {
            denial(e, s, hits);
        }
        return hits;
    }

    private static boolean isAccess(Observed e) {
        return (e.type() == AuditEventType.TOKEN_EXCHANGED || e.type() == AuditEventType.LEASE_ISSUED)
                && e.role() != null && e.subject() != null;
    }

    private static boolean isDenial(Observed e) {
        return DENIALS.contains(e.type());
    }

    // ---- accesses: off-hours, outside-window, unknown-workload, excessive-retrieval ---------------------------

    private void access(Observed e, State s, List<Hit> hits) {
        Baseline sub = baseline(s, State.SUBJECT, e.role(), e.subject(), e.at());
        Baseline repo = e.repository() == null ? null : baseline(s, State.REPOSITORY, e.role(), e.repository(), e.at());
        long epochHour = Math.floorDiv(e.at().getEpochSecond(), 3600);
        outsideWindow(e, sub, epochHour, hits);
        if (e.type() == AuditEventType.TOKEN_EXCHANGED) {
            unknownWorkload(e, s, hits);
        }
        for (Baseline b : repo == null ? List.of(sub) : List.of(sub, repo)) {
            offHours(e, b, epochHour, hits);
            if (e.type() == AuditEventType.LEASE_ISSUED) {
                excessive(e, b, hits);
            }
            b.lastSeen = e.at().isAfter(b.lastSeen) ? e.at() : b.lastSeen;
            s.changedBaselines.add(b.id);
        }
    }

    private static Baseline baseline(State s, String kind, String role, String name, Instant at) {
        String id = State.id(kind, role, name);
        return s.baselines.computeIfAbsent(id, k -> new Baseline(k, kind, role, name, at, new int[HOURS_OF_WEEK]));
    }

    private void outsideWindow(Observed e, Baseline sub, long epochHour, List<Hit> hits) {
        List<FreezeWindow> approved = windows.get(e.role());
        AnomalySpec.Rule rule = spec.outsideWindow();
        if (approved == null || !rule.enabled() || approved.stream().anyMatch(w -> w.covers(e.at()))) {
            return;
        }
        if (sub.outsideAlerted == epochHour) {
            return; // one event per subject and hour, not one per access
        }
        sub.outsideAlerted = epochHour;
        hits.add(new Hit(Hit.OUTSIDE_WINDOW, rule.risk(), "role×subject", e.subject(), e.role(), e.subject(),
                e.at().toString(), approved.size() + " approved window(s)", "inside one of them",
                e.type().wireName() + " at " + e.at() + " is outside every access-window of role " + e.role(), e));
    }

    private void offHours(Observed e, Baseline b, long epochHour, List<Hit> hits) {
        AnomalySpec.OffHours rule = spec.offHours();
        int bucket = bucket(e.at());
        int seen = b.hours[bucket];
        boolean learned = !Duration.between(b.firstSeen, e.at()).minus(rule.learning()).isNegative()
                && b.total >= rule.minEvents();
        if (rule.enabled() && learned && seen <= rule.rare() && b.offHoursAlerted != epochHour) {
            b.offHoursAlerted = epochHour;
            hits.add(new Hit(Hit.OFF_HOURS, rule.risk(), identity(b), b.name, e.role(),
                    State.SUBJECT.equals(b.kind) ? b.name : null, seen, b.total, rule.rare(),
                    bucketName(bucket) + " UTC: seen " + seen + " times in " + b.total + " accesses since "
                            + b.firstSeen + " (at most " + rule.rare() + " is off-hours)", e));
        }
        b.hours[bucket]++;
        b.total++;
    }

    private void excessive(Observed e, Baseline b, List<Hit> hits) {
        AnomalySpec.Excessive rule = spec.excessiveRetrieval();
        long window = Math.floorDiv(e.at().toEpochMilli(), rule.window().toMillis());
        if (window < b.windowIndex) {
            // committed after a later window's events (a slow transaction at a window's edge): counting it in the
            // current window would overstate that one; it is left out of the rate instead
            return;
        }
        if (window > b.windowIndex) {
            if (b.windowCount > 0) {
                // the baseline is the count of the windows the identity was active in: a quiet night does not make
                // the morning's first job look like a burst
                b.rateEwma = b.activeWindows == 0 ? b.windowCount
                        : rule.smoothing() * b.windowCount + (1 - rule.smoothing()) * b.rateEwma;
                b.activeWindows++;
            }
            b.windowIndex = window;
            b.windowCount = 0;
            b.windowAlerted = false;
        }
        b.windowCount++;
        if (!rule.enabled() || b.windowAlerted) {
            return;
        }
        double base = Math.max(b.rateEwma, rule.minBaseline());
        double limit = rule.factor() * base;
        String per = " leases in " + config(rule.window());
        if (b.windowCount > rule.ceiling()) {
            b.windowAlerted = true;
            hits.add(new Hit(Hit.EXCESSIVE_RETRIEVAL, rule.risk(), identity(b), b.name, e.role(), subjectOf(b),
                    b.windowCount, round(b.rateEwma), rule.ceiling(), b.windowCount + per + ", above the ceiling of "
                    + rule.ceiling(), e));
        } else if (b.activeWindows >= rule.learningWindows() && b.windowCount > limit) {
            b.windowAlerted = true;
            hits.add(new Hit(Hit.EXCESSIVE_RETRIEVAL, rule.risk(), identity(b), b.name, e.role(), subjectOf(b),
                    b.windowCount, round(b.rateEwma), round(limit), b.windowCount + per + ", above " + rule.factor()
                    + " × the baseline of " + round(base) + " per window", e));
        }
    }

    private void unknownWorkload(Observed e, State s, List<Hit> hits) {
        AnomalySpec.UnknownWorkload rule = spec.unknownWorkload();
        Instant roleFirst = s.roles.get(e.role());
        if (roleFirst == null) {
            roleFirst = e.at();
            s.roles.put(e.role(), roleFirst);
            s.newRoles.put(e.role(), roleFirst);
        }
        boolean learned = !Duration.between(roleFirst, e.at()).minus(rule.learning()).isNegative();
        List<String[]> workloads = new ArrayList<>();
        if (e.repository() != null) {
            workloads.add(new String[] {State.REPOSITORY, e.repository()});
        }
        workloads.add(new String[] {State.SUBJECT, e.subject()});
        for (String[] w : workloads) {
            String id = State.id(w[0], e.role(), w[1]);
            if (!s.seenWorkloads.add(id)) {
                continue;
            }
            s.newWorkloads.put(id, new State.Workload(id, e.role(), w[0], w[1], e.at()));
            if (rule.enabled() && learned) {
                hits.add(new Hit(Hit.UNKNOWN_WORKLOAD, rule.risk(), "role×" + w[0], w[1], e.role(), e.subject(),
                        w[1], "the " + w[0] + "s seen since " + roleFirst, "seen before",
                        "first token for role " + e.role() + " from " + w[0] + " " + w[1], e));
            }
        }
    }

    // ---- refusals: denial-burst (per client IP and subject), role-mismatch (per issuer) -----------------------

    private void denial(Observed e, State s, List<Hit> hits) {
        AnomalySpec.Burst denials = spec.denialBurst();
        if (e.clientIp() != null) {
            burst(s, "denials:ip:" + e.clientIp(), denials, e, Hit.DENIAL_BURST, "ip", e.clientIp(), null, hits);
        }
        if (e.subject() != null) {
            burst(s, "denials:subject:" + e.subject(), denials, e, Hit.DENIAL_BURST, "subject", e.subject(),
                    e.subject(), hits);
        }
        if (isRoleMismatch(e)) {
            burst(s, "mismatch:issuer:" + e.issuer(), spec.roleMismatch(), e, Hit.ROLE_MISMATCH, "issuer",
                    e.issuer(), null, hits);
        }
    }

    private static boolean isRoleMismatch(Observed e) {
        return e.type() == AuditEventType.TOKEN_REJECTED && e.issuer() != null && e.reason() != null
                && e.reason().startsWith("role-mismatch");
    }

    private static List<String> burstNames(Observed e) {
        List<String> names = new ArrayList<>();
        if (e.clientIp() != null) {
            names.add("denials:ip:" + e.clientIp());
        }
        if (e.subject() != null) {
            names.add("denials:subject:" + e.subject());
        }
        if (isRoleMismatch(e)) {
            names.add("mismatch:issuer:" + e.issuer());
        }
        return names;
    }

    private static void burst(State s, String name, AnomalySpec.Burst rule, Observed e, String ruleName,
            String identity, String key, String subject, List<Hit> hits) {
        String id = State.id("counter", null, name);
        long window = Math.floorDiv(e.at().toEpochMilli(), rule.window().toMillis());
        State.Counter c = s.counters.computeIfAbsent(id, k -> new State.Counter(k, name, window, 0, false));
        if (window > c.windowIndex) {
            c.windowIndex = window;
            c.count = 0;
            c.alerted = false;
        }
        c.count++;
        s.changedCounters.add(id);
        if (rule.enabled() && !c.alerted && c.count > rule.max()) {
            c.alerted = true;
            String what = ruleName.equals(Hit.ROLE_MISMATCH) ? " role mismatches from issuer " : " refusals for "
                    + identity + " ";
            hits.add(new Hit(ruleName, rule.risk(), identity, key, e.role(), subject, c.count, rule.max(), rule.max(),
                    c.count + what + key + " in " + config(rule.window()) + ", more than " + rule.max(), e));
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    private static String identity(Baseline b) {
        return "role×" + b.kind;
    }

    private static String subjectOf(Baseline b) {
        return State.SUBJECT.equals(b.kind) ? b.name : null;
    }

    /** Hour of the week in UTC, Monday 00:00–01:00 first. */
    static int bucket(Instant at) {
        ZonedDateTime t = at.atZone(ZoneOffset.UTC);
        return (t.getDayOfWeek().getValue() - 1) * 24 + t.getHour();
    }

    static String bucketName(int bucket) {
        String day = DayOfWeek.of(bucket / 24 + 1).getDisplayName(TextStyle.SHORT, Locale.ROOT);
        return day + " " + String.format(Locale.ROOT, "%02d:00", bucket % 24);
    }

    private static String config(Duration d) {
        return io.segura.broker.config.Durations.format(d);
    }

    private static double round(double d) {
        return Math.round(d * 100) / 100.0;
    }
}
