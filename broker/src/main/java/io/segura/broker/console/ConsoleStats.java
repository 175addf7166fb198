// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.console;

import io.segura.broker.audit.AuditEventType;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Mono;

/**
 * The console overview ({@code GET /api/v2/admin/overview}): exchanges, denials and leases per minute over the last
 * {@code minutes}, the open sessions and active leases now, and the denials of the window by reason. Counted from the
 * audit log, the same record the events API serves, so the two cannot disagree. The per-minute counts are grouped in
 * Java over the window's matching events (type, time and reason only), which keeps the SQL portable to H2.
 */
public final class ConsoleStats {

    public static final int MAX_MINUTES = 24 * 60;

    /** Counted as a denial: a refused token exchange or a refused lease. */
    static final List<String> DENIALS = List.of(AuditEventType.TOKEN_REJECTED.wireName(),
            AuditEventType.LEASE_DENIED.wireName());
    static final String EXCHANGED = AuditEventType.TOKEN_EXCHANGED.wireName();
    static final String LEASED = AuditEventType.LEASE_ISSUED.wireName();

    private final DatabaseClient db;
    private final Clock clock;

    public ConsoleStats(DatabaseClient db, Clock clock) {
        this.db = Objects.requireNonNull(db, "db cannot be null");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    }

    /** One minute of the chart, starting at {@code minute}. */
    public record Minute(Instant minute, int exchanges, int denials, int leases) {
    }

    /** The overview: the chart, the counts now and the window's denials by reason (most frequent first). */
    public record Overview(Instant from, Instant to, List<Minute> minutes, long activeSessions, long activeLeases,
            Map<String, Integer> denialsByReason) {
        public Overview {
            minutes = List.copyOf(minutes);
            denialsByReason = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(denialsByReason));
        }
    }

    private record Row(String type, Instant at, String reason) {
    }

    public Mono<Overview> overview(int minutes) {
        if (minutes < 1 || minutes > MAX_MINUTES) {
            throw new IllegalArgumentException("minutes must be from 1 to " + MAX_MINUTES);
        }
        Instant now = clock.instant();
        Instant to = now.truncatedTo(ChronoUnit.MINUTES).plus(1, ChronoUnit.MINUTES);
        Instant from = to.minus(minutes, ChronoUnit.MINUTES);
        List<String> types = new ArrayList<>(DENIALS);
        types.add(EXCHANGED);
        types.add(LEASED);
        Mono<List<Row>> rows = db.sql("SELECT type, occurred_at, reason FROM audit_events"
                        + " WHERE occurred_at >= :from AND type IN (:types)")
                .bind("from", utc(from)).bind("types", types)
                .map(row -> new Row(row.get("type", String.class),
                        row.get("occurred_at", OffsetDateTime.class).toInstant(), row.get("reason", String.class)))
                .all().collectList();
        Mono<Long> sessions = db.sql("SELECT count(*) AS n FROM sessions WHERE revoked_at IS NULL"
                        + " AND expires_at > :now")
                .bind("now", utc(now)).map(row -> ((Number) row.get("n")).longValue()).one();
        Mono<Long> leases = db.sql("SELECT count(*) AS n FROM leases WHERE revoked_at IS NULL AND expires_at > :now")
                .bind("now", utc(now)).map(row -> ((Number) row.get("n")).longValue()).one();
        return Mono.zip(rows, sessions, leases).map(t -> summarise(from, to, minutes, t.getT1(), t.getT2(),
                t.getT3()));
    }

    private static Overview summarise(Instant from, Instant to, int minutes, List<Row> rows, long sessions,
            long leases) {
        int[] exchanges = new int[minutes];
        int[] denials = new int[minutes];
        int[] leased = new int[minutes];
        Map<String, Integer> byReason = new TreeMap<>();
        for (Row r : rows) {
            int i = (int) ChronoUnit.MINUTES.between(from, r.at());
            if (i < 0 || i >= minutes) {
                continue;
            }
            if (EXCHANGED.equals(r.type())) {
                exchanges[i]++;
            } else if (LEASED.equals(r.type())) {
                leased[i]++;
            } else {
                denials[i]++;
                byReason.merge(reasonKey(r.reason()), 1, Integer::sum);
            }
        }
        List<Minute> chart = new ArrayList<>(minutes);
        for (int i = 0; i < minutes; i++) {
            chart.add(new Minute(from.plus(i, ChronoUnit.MINUTES), exchanges[i], denials[i], leased[i]));
        }
        Map<String, Integer> sorted = new LinkedHashMap<>();
        byReason.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return new Overview(from, to, chart, sessions, leases, sorted);
    }

    /**
     * A denial's reason code: a refused exchange records {@code "<reason>: <message>"}, and the message can name the
     * caller's own claim values, so only the code before the first {@code ": "} is grouped on.
     */
    static String reasonKey(String reason) {
        if (reason == null || reason.isBlank()) {
            return "unspecified";
        }
        int colon = reason.indexOf(": ");
        return colon < 0 ? reason : reason.substring(0, colon);
    }

    private static OffsetDateTime utc(Instant i) {
        return OffsetDateTime.ofInstant(i, ZoneOffset.UTC);
    }
}
