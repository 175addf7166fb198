// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.anomaly;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The baselines, seen workloads and burst counters one detection round works on: loaded for the round's events,
 * changed in memory event by event (so a batch sees its own earlier events), written back in the round's transaction.
 * Mutable on purpose and confined to one round.
 */
final class State {

    /** One identity's baseline (a row of {@code anomaly_baselines}). */
    static final class Baseline {
        final String id;
        final String kind;
        final String role;
        final String name;
        Instant firstSeen;
        Instant lastSeen;
        double rateEwma;
        int activeWindows;
        long windowIndex;
        int windowCount;
        boolean windowAlerted;
        final int[] hours;
        long total;
        long offHoursAlerted;
        long outsideAlerted;

        Baseline(String id, String kind, String role, String name, Instant firstSeen, int[] hours) {
            this.id = id;
            this.kind = kind;
            this.role = role;
            this.name = name;
            this.firstSeen = firstSeen;
            this.lastSeen = firstSeen;
            this.hours = hours;
            this.windowIndex = Long.MIN_VALUE;
            this.offHoursAlerted = -1;
            this.outsideAlerted = -1;
        }
    }

    /** A fixed-window counter of a burst rule (a row of {@code anomaly_counters}). */
    static final class Counter {
        final String id;
        final String name;
        long windowIndex;
        int count;
        boolean alerted;

        Counter(String id, String name, long windowIndex, int count, boolean alerted) {
            this.id = id;
            this.name = name;
            this.windowIndex = windowIndex;
            this.count = count;
            this.alerted = alerted;
        }
    }

    /** A workload newly seen for a role (a row to insert into {@code anomaly_workloads}). */
    record Workload(String id, String role, String kind, String name, Instant firstSeen) {
    }

    final Map<String, Baseline> baselines = new LinkedHashMap<>();
    final Set<String> storedBaselines = new LinkedHashSet<>();
    final Map<String, Instant> roles = new LinkedHashMap<>();
    final Map<String, Instant> newRoles = new LinkedHashMap<>();
    final Set<String> seenWorkloads = new LinkedHashSet<>();
    final Map<String, Workload> newWorkloads = new LinkedHashMap<>();
    final Map<String, Counter> counters = new LinkedHashMap<>();
    final Set<String> storedCounters = new LinkedHashSet<>();
    final Set<String> changedBaselines = new LinkedHashSet<>();
    final Set<String> changedCounters = new LinkedHashSet<>();

    static final String SUBJECT = "subject";
    static final String REPOSITORY = "repository";

    /** A fixed-width key for (kind, role, name): names are up to 1 KiB of the caller's text. */
    static String id(String kind, String role, String name) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((kind + '\u0000' + (role == null ? "" : role) + '\u0000' + name)
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    static String hours(int[] hours) {
        StringBuilder sb = new StringBuilder(hours.length * 2);
        for (int i = 0; i < hours.length; i++) {
            sb.append(i == 0 ? "" : ",").append(hours[i]);
        }
        return sb.toString();
    }

    static int[] hours(String text) {
        int[] out = new int[Detector.HOURS_OF_WEEK];
        if (text == null || text.isEmpty()) {
            return out;
        }
        String[] parts = text.split(",");
        for (int i = 0; i < Math.min(parts.length, out.length); i++) {
            out[i] = Integer.parseInt(parts[i]);
        }
        return out;
    }
}
