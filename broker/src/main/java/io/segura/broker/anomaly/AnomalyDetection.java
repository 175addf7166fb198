// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.anomaly;

import io.segura.broker.BackgroundLoop;
import static io.segura.broker.database.Timestamps.utc;

import io.segura.broker.anomaly.State.Baseline;
import io.segura.broker.audit.AuditEvent;
import io.segura.broker.audit.AuditEventType;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.audit.AuditQuery;
import io.segura.broker.config.AnomalySpec;
import io.segura.broker.config.RoleSpec;
import io.segura.broker.config.TrustConfig;
import io.segura.broker.database.Table;
import io.segura.broker.database.WriteStatements;
import io.segura.broker.database.Writes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Anomaly detection off the audit outbox (docs/EXPORTS.md): like an export sink, a cursor over the linked audit
 * events. A round, in one transaction that holds the cursor row ({@code FOR UPDATE SKIP LOCKED}: one replica at a
 * time, the others skip), reads the events after the cursor, loads the baselines they touch, runs the
 * {@link Detector}, writes the baselines back, an {@code anomaly.detected} event per hit and the blocks the roles'
 * {@code on-anomaly} asks for, and moves the cursor. A crash before the commit redoes the round; after it nothing is
 * redone, so no update is lost or counted twice. The exchange path pays nothing for any of this beyond the audit event
 * it already writes, and an in-memory lookup of the blocks ({@link AnomalyBlocks#blocking}).
 */
public final class AnomalyDetection {

    private static final Logger log = LoggerFactory.getLogger(AnomalyDetection.class);
    /**
     * Events per round: read in pages of the audit query's limit. A round writes each identity it touched once,
     * whatever its number of events, so a larger round writes less per event.
     */
    static final int BATCH = 4000;

    static final Table BASELINES = Table.of("anomaly_baselines", "id", String.class, "kind", String.class, "role",
            String.class, "name", String.class, "first_seen", OffsetDateTime.class, "last_seen", OffsetDateTime.class,
            "rate_ewma", Double.class, "active_windows", Integer.class, "window_index", Long.class, "window_count",
            Integer.class, "window_alerted", Boolean.class, "hours", String.class, "total", Long.class,
            "off_hours_alerted", Long.class, "outside_alerted", Long.class);
    static final Table ROLES = Table.of("anomaly_roles", "role", String.class, "first_seen", OffsetDateTime.class);
    static final Table WORKLOADS = Table.of("anomaly_workloads", "id", String.class, "role", String.class, "kind",
            String.class, "name", String.class, "first_seen", OffsetDateTime.class);
    static final Table COUNTERS = Table.of("anomaly_counters", "id", String.class, "name", String.class,
            "window_index", Long.class, "count", Integer.class, "alerted", Boolean.class);
    static final Table BLOCKS = Table.of("anomaly_blocks", "id", String.class, "role", String.class, "subject",
            String.class, "rule", String.class, "risk", String.class, "anomaly_id", String.class, "created_at",
            OffsetDateTime.class, "until", OffsetDateTime.class, "lifted_at", OffsetDateTime.class, "revoke_passes",
            Integer.class);

    private final boolean enabled;
    private final Detector detector;
    private final Map<String, AnomalySpec.OnAnomaly> onAnomaly;
    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final WriteStatements statements;
    private final AuditQuery events;
    private final AnomalyBlocks blocks;
    private final Clock clock;
    private BackgroundLoop loop;

    public AnomalyDetection(TrustConfig config, DatabaseClient db, TransactionalOperator tx, AuditQuery events,
            AnomalyBlocks blocks, Clock clock) {
        Objects.requireNonNull(config, "config cannot be null");
        this.db = Objects.requireNonNull(db, "db cannot be null");
        this.tx = Objects.requireNonNull(tx, "tx cannot be null");
        this.statements = new WriteStatements(db);
        this.events = Objects.requireNonNull(events, "events cannot be null");
        this.blocks = Objects.requireNonNull(blocks, "blocks cannot be null");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
        this.detector = new Detector(config.anomaly(), config.roles());
        Map<String, AnomalySpec.OnAnomaly> on = new LinkedHashMap<>();
        for (RoleSpec r : config.roles()) {
            if (r.onAnomaly() != null) {
                on.put(r.name(), r.onAnomaly());
            }
        }
        this.onAnomaly = Map.copyOf(on);
        // a role's access-window or on-anomaly means nothing without detection: either turns it on, with the defaults
        this.enabled = config.anomaly().enabled() || !on.isEmpty()
                || config.roles().stream().anyMatch(r -> !r.accessWindows().isEmpty());
    }

    public boolean enabled() {
        return enabled;
    }

    /** Creates the cursor at the chain head when there is none (events from now on are judged), then runs. */
    public void start(Duration interval) {
        if (!enabled) {
            return;
        }
        ensureCursor().block(Duration.ofSeconds(60));
        loop = BackgroundLoop.start(Flux.interval(interval, interval, Schedulers.parallel()),
                tick -> detectAll().then(blocks.refresh()),
                e -> log.warn("anomaly detection round failed (will retry): {}", e.toString()));
    }

    public void stop() {
        if (loop != null) {
            loop.stop();
        }
    }

    Mono<Void> ensureCursor() {
        return db.sql("SELECT COUNT(*) AS n FROM anomaly_cursor WHERE id = 1").map(r -> r.get("n", Long.class)).one()
                .flatMap(n -> n > 0 ? Mono.<Void>empty() : db.sql("INSERT INTO anomaly_cursor (id, chain_pos, "
                        + "updated_at) SELECT 1, chain_pos, :now FROM audit_chain_head WHERE id = 1")
                        .bind("now", utc(clock.instant())).fetch().rowsUpdated()
                        .onErrorResume(org.springframework.dao.DataIntegrityViolationException.class,
                                e -> Mono.just(0L))
                        .then());
    }

    /** Rounds until the linked events are all judged (or another replica holds the cursor); returns events read. */
    public Mono<Long> detectAll() {
        return round().expand(r -> r.events() >= BATCH ? round() : Mono.empty())
                .concatMap(r -> Flux.fromIterable(r.blocks()).concatMap(blocks::revokeSessions)
                        .then(Mono.just((long) r.events())))
                .reduce(0L, Long::sum);
    }

    /** What one round judged and the blocks it made (in force here once it committed). */
    record Round(int events, List<Hit> hits, List<Block> blocks) {
    }

    Mono<Round> round() {
        return db.sql("SELECT chain_pos FROM anomaly_cursor WHERE id = 1 FOR UPDATE SKIP LOCKED")
                .map(r -> r.get("chain_pos", Long.class)).one()
                .flatMap(pos -> read(pos).flatMap(this::judge))
                .defaultIfEmpty(new Round(0, List.of(), List.of()))
                .as(tx::transactional)
                .doOnNext(r -> blocks.remember(r.blocks()));
    }

    /** Up to {@link #BATCH} linked events after {@code pos}, page by page. */
    private Mono<List<AuditEvent>> read(long pos) {
        int page = AuditQuery.MAX_LIMIT;
        return events.linkedAfter(pos, page).collectList()
                .expand(got -> got.size() < page ? Mono.empty()
                        : events.linkedAfter(got.get(got.size() - 1).chainPos(), page).collectList())
                .take(BATCH / page)
                .collect(ArrayList<AuditEvent>::new, List::addAll)
                .map(l -> (List<AuditEvent>) l);
    }

    private Mono<Round> judge(List<AuditEvent> batch) {
        if (batch.isEmpty()) {
            return Mono.just(new Round(0, List.of(), List.of()));
        }
        List<Observed> observed = batch.stream().filter(e -> Detector.OBSERVED.contains(e.type()))
                .map(Observed::of).toList();
        long last = batch.get(batch.size() - 1).chainPos();
        Detector.Keys keys = detector.keys(observed);
        State state = new State();
        return load(keys, state).then(Mono.defer(() -> {
            List<Hit> hits = new ArrayList<>();
            for (Observed e : observed) {
                hits.addAll(detector.observe(e, state));
            }
            return activeBlockKeys(hits).flatMap(blocked -> write(state, hits, blocked, last, batch.size()));
        }));
    }

    // ---- load ---------------------------------------------------------------------------------------------------

    private Mono<Void> load(Detector.Keys keys, State s) {
        Mono<Void> baselines = keys.baselines().isEmpty() ? Mono.empty()
                : db.sql("SELECT * FROM anomaly_baselines WHERE id IN (:ids)").bind("ids", List.copyOf(keys.baselines()))
                        .map(r -> {
                            Baseline b = new Baseline(r.get("id", String.class), r.get("kind", String.class),
                                    r.get("role", String.class), r.get("name", String.class),
                                    r.get("first_seen", OffsetDateTime.class).toInstant(),
                                    State.hours(r.get("hours", String.class)));
                            b.lastSeen = r.get("last_seen", OffsetDateTime.class).toInstant();
                            b.rateEwma = r.get("rate_ewma", Double.class);
                            b.activeWindows = r.get("active_windows", Integer.class);
                            b.windowIndex = r.get("window_index", Long.class);
                            b.windowCount = r.get("window_count", Integer.class);
                            b.windowAlerted = r.get("window_alerted", Boolean.class);
                            b.total = r.get("total", Long.class);
                            b.offHoursAlerted = r.get("off_hours_alerted", Long.class);
                            b.outsideAlerted = r.get("outside_alerted", Long.class);
                            return b;
                        }).all().doOnNext(b -> {
                            s.baselines.put(b.id, b);
                            s.storedBaselines.add(b.id);
                        }).then();
        Mono<Void> roles = keys.roles().isEmpty() ? Mono.empty()
                : db.sql("SELECT role, first_seen FROM anomaly_roles WHERE role IN (:roles)")
                        .bind("roles", List.copyOf(keys.roles()))
                        .map(r -> Map.entry(r.get("role", String.class),
                                r.get("first_seen", OffsetDateTime.class).toInstant()))
                        .all().doOnNext(e -> s.roles.put(e.getKey(), e.getValue())).then();
        Mono<Void> workloads = keys.workloads().isEmpty() ? Mono.empty()
                : db.sql("SELECT id FROM anomaly_workloads WHERE id IN (:ids)")
                        .bind("ids", List.copyOf(keys.workloads())).map(r -> r.get("id", String.class)).all()
                        .doOnNext(s.seenWorkloads::add).then();
        Mono<Void> counters = keys.counters().isEmpty() ? Mono.empty()
                : db.sql("SELECT id, name, window_index, count, alerted FROM anomaly_counters WHERE id IN (:ids)")
                        .bind("ids", List.copyOf(keys.counters()))
                        .map(r -> new State.Counter(r.get("id", String.class), r.get("name", String.class),
                                r.get("window_index", Long.class), r.get("count", Integer.class),
                                r.get("alerted", Boolean.class)))
                        .all().doOnNext(c -> {
                            s.counters.put(c.id, c);
                            s.storedCounters.add(c.id);
                        }).then();
        return baselines.then(roles).then(workloads).then(counters);
    }

    /** (role, subject) pairs already blocked, for the roles and subjects the hits would block. */
    private Mono<Set<String>> activeBlockKeys(List<Hit> hits) {
        if (hits.stream().noneMatch(this::blocks)) {
            return Mono.just(Set.of());
        }
        return db.sql("SELECT role, subject FROM anomaly_blocks WHERE lifted_at IS NULL AND until > :now")
                .bind("now", utc(clock.instant()))
                .map(r -> r.get("role", String.class) + '\u0000' + r.get("subject", String.class)).all()
                .collect(HashSet::new, Set::add);
    }

    private boolean blocks(Hit h) {
        AnomalySpec.OnAnomaly on = h.role() == null ? null : onAnomaly.get(h.role());
        return on != null && on.block() && h.subject() != null && h.risk().compareTo(on.minRisk()) >= 0;
    }

    // ---- write --------------------------------------------------------------------------------------------------

    private Mono<Round> write(State s, List<Hit> hits, Set<String> alreadyBlocked, long last, int read) {
        Instant now = clock.instant();
        List<Table.Row> rows = new ArrayList<>();
        for (String id : s.changedBaselines) {
            Baseline b = s.baselines.get(id);
            rows.add(BASELINES.row(b.id, b.kind, b.role, b.name, utc(b.firstSeen), utc(b.lastSeen), b.rateEwma,
                    b.activeWindows, b.windowIndex, b.windowCount, b.windowAlerted, State.hours(b.hours), b.total,
                    b.offHoursAlerted, b.outsideAlerted));
        }
        s.newRoles.forEach((role, at) -> rows.add(ROLES.row(role, utc(at))));
        s.newWorkloads.values().forEach(w -> rows.add(WORKLOADS.row(w.id(), w.role(), w.kind(), w.name(),
                utc(w.firstSeen()))));
        for (String id : s.changedCounters) {
            State.Counter c = s.counters.get(id);
            rows.add(COUNTERS.row(c.id, c.name, c.windowIndex, c.count, c.alerted));
        }
        List<Block> made = new ArrayList<>();
        Set<String> blocked = new HashSet<>(alreadyBlocked);
        for (Hit h : hits) {
            AuditEvent anomaly = anomalyEvent(h, now);
            rows.add(AuditLog.row(anomaly));
            if (blocks(h) && blocked.add(h.role() + '\u0000' + h.subject())) {
                AnomalySpec.OnAnomaly on = onAnomaly.get(h.role());
                Block b = new Block(UUID.randomUUID().toString(), h.role(), h.subject(), h.rule(), h.risk().name(),
                        anomaly.id(), now, now.plus(on.duration()), null, 0);
                made.add(b);
                rows.add(BLOCKS.row(b.id(), b.role(), b.subject(), b.rule(), b.risk(), b.anomalyId(),
                        utc(b.createdAt()), utc(b.until()), null, 0));
                rows.add(AuditLog.row(blockedEvent(b, h, now)));
            }
        }
        // a baseline or counter row is replaced whole: the cursor's lock makes this round its only writer
        Mono<Void> clear = deleteWhere("anomaly_baselines", intersect(s.storedBaselines, s.changedBaselines))
                .then(deleteWhere("anomaly_counters", intersect(s.storedCounters, s.changedCounters)));
        return clear
                .then(rows.isEmpty() ? Mono.empty() : statements.execute(new Writes(rows, List.of())))
                .then(db.sql("UPDATE anomaly_cursor SET chain_pos = :pos, updated_at = :now WHERE id = 1")
                        .bind("pos", last).bind("now", utc(now)).fetch().rowsUpdated())
                .thenReturn(new Round(read, hits, made));
    }

    private Mono<Void> deleteWhere(String table, List<String> ids) {
        return ids.isEmpty() ? Mono.empty() : db.sql("DELETE FROM " + table + " WHERE id IN (:ids)")
                .bind("ids", ids).fetch().rowsUpdated().then();
    }

    private static List<String> intersect(Set<String> a, Set<String> b) {
        return a.stream().filter(b::contains).toList();
    }

    private static AuditEvent anomalyEvent(Hit h, Instant now) {
        Observed e = h.event();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("rule", h.rule());
        details.put("risk", h.risk().name());
        details.put("identity", h.identity());
        details.put("key", h.key());
        details.put("observed", h.observed());
        details.put("baseline", h.baseline());
        details.put("threshold", h.threshold());
        details.put("trigger_event_id", e.id());
        details.put("trigger_seq", e.seq());
        details.put("trigger_type", e.type().wireName());
        return AuditEvent.builder(AuditEventType.ANOMALY_DETECTED).occurredAt(now).role(h.role())
                .issuer(e.issuer()).subject(e.subject()).clientIp(e.clientIp()).ctx(e.ctx())
                .reason(h.rule() + ": " + h.explanation()).details(details).build();
    }

    private static AuditEvent blockedEvent(Block b, Hit h, Instant now) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("block_id", b.id());
        details.put("rule", b.rule());
        details.put("risk", b.risk());
        details.put("anomaly_id", b.anomalyId());
        details.put("blocked_until", b.until().toString());
        return AuditEvent.builder(AuditEventType.ANOMALY_BLOCKED).occurredAt(now).role(b.role())
                .issuer(h.event().issuer()).subject(b.subject()).clientIp(h.event().clientIp())
                .reason("anomaly-block: " + b.rule()).details(details).build();
    }
}
