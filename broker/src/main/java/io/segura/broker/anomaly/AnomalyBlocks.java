// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.anomaly;

import static io.segura.broker.database.Timestamps.utc;

import io.segura.broker.Refusal;
import io.segura.broker.audit.AuditEvent;
import io.segura.broker.audit.AuditEventType;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.database.WriteStatements;
import io.segura.broker.database.Writes;
import io.segura.broker.lease.SessionRevocations;
import io.segura.broker.session.SessionStore;
import io.r2dbc.spi.Readable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The anomaly blocks in force, as every replica enforces them. The blocks live in PostgreSQL
 * ({@code anomaly_blocks}); each replica reads the active ones every sweep into an immutable map, and the exchange
 * asks only that map ({@link #blocking}: no database round trip, a single hash lookup, none at all while nothing is
 * blocked). A block made or lifted on this replica takes effect here at once and on the others within one sweep.
 *
 * <p>The subject's sessions in the role are revoked when the block is made and once more after every replica has read
 * it ({@link #settle}), so a session another replica issued in between does not outlive the block either.
 */
public final class AnomalyBlocks {

    private static final Logger log = LoggerFactory.getLogger(AnomalyBlocks.class);
    static final String COLUMNS = "id, role, subject, rule, risk, anomaly_id, created_at, until, lifted_at, "
            + "revoke_passes";

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final SessionRevocations revocations;
    private final Clock clock;
    private final Duration settle;
    private volatile Map<String, Block> active = Map.of();
    /** Blocks made here since the last read of the table began (that read may have missed them). */
    private final Map<String, Block> madeSinceRead = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param settle how long after a block its second session revocation runs: longer than a sweep, so every replica
     *               refuses the subject by then
     */
    public AnomalyBlocks(DatabaseClient db, TransactionalOperator tx, SessionRevocations revocations, Clock clock,
            Duration settle) {
        this.db = Objects.requireNonNull(db, "db cannot be null");
        this.tx = Objects.requireNonNull(tx, "tx cannot be null");
        this.revocations = Objects.requireNonNull(revocations, "revocations cannot be null");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
        this.settle = Objects.requireNonNull(settle, "settle cannot be null");
    }

    /** The block refusing {@code subject} in {@code role} now, if any: memory only, for the exchange path. */
    public Optional<Block> blocking(String role, String subject) {
        Map<String, Block> now = active;
        if (now.isEmpty()) {
            return Optional.empty();
        }
        Block b = now.get(key(role, subject));
        return b != null && b.activeAt(clock.instant()) ? Optional.of(b) : Optional.empty();
    }

    /**
     * The exchange's refusal: 403 {@code anomaly-block} naming the rule and when the block ends (RFC 9457 members
     * {@code rule}, {@code block_id}, {@code blocked_until}). It tells the caller nothing about the baselines.
     */
    public static Refusal refusal(Block b) {
        Map<String, Object> members = new LinkedHashMap<>();
        members.put("reason", "anomaly-block");
        members.put("rule", b.rule());
        members.put("block_id", b.id());
        members.put("blocked_until", b.until().toString());
        return Refusal.forbidden("anomaly-block", "this subject is blocked in role \"" + b.role() + "\" until "
                + b.until() + " after anomaly rule " + b.rule() + " fired; an administrator can lift the block",
                members);
    }

    private static String key(String role, String subject) {
        return role + '\u0000' + subject;
    }

    /** Blocks this replica just made: in force here at once, before the next sweep reads them. */
    void remember(List<Block> made) {
        if (made.isEmpty()) {
            return;
        }
        Map<String, Block> next = new HashMap<>(active);
        made.forEach(b -> {
            next.put(key(b.role(), b.subject()), b);
            madeSinceRead.put(key(b.role(), b.subject()), b);
        });
        active = Map.copyOf(next);
    }

    /** Reads the active blocks into memory and runs their due session revocations. */
    public Mono<Void> refresh() {
        return Mono.defer(this::read);
    }

    private Mono<Void> read() {
        Instant now = clock.instant();
        madeSinceRead.clear();
        return db.sql("SELECT " + COLUMNS + " FROM anomaly_blocks WHERE lifted_at IS NULL AND until > :now")
                .bind("now", utc(now)).map(AnomalyBlocks::block).all().collectList()
                .doOnNext(list -> {
                    Map<String, Block> next = new HashMap<>();
                    list.forEach(b -> next.put(key(b.role(), b.subject()), b));
                    // a block this replica made after the read began may not be in it yet: keep it
                    next.putAll(madeSinceRead);
                    active = Map.copyOf(next);
                })
                .flatMapMany(Flux::fromIterable)
                .filter(b -> b.revokePasses() == 0 || b.revokePasses() == 1
                        && !now.isBefore(b.createdAt().plus(settle)))
                .concatMap(this::revokeSessions)
                .then();
    }

    /** One revocation pass for the block, recorded so that no replica repeats it. */
    Mono<Void> revokeSessions(Block b) {
        return revocations.revokeWhere(b.role(), b.subject(), null, SessionStore.ANOMALY_BLOCK + ": " + b.rule())
                .flatMap(n -> db.sql("UPDATE anomaly_blocks SET revoke_passes = :next WHERE id = :id "
                                + "AND revoke_passes = :prev").bind("next", b.revokePasses() + 1).bind("id", b.id())
                        .bind("prev", b.revokePasses()).fetch().rowsUpdated()
                        .doOnNext(u -> log.info("anomaly block {} ({} in role {}): revoked {} sessions and {} leases",
                                b.id(), b.rule(), b.role(), n.sessions(), n.leases())))
                .then()
                .onErrorResume(e -> {
                    log.warn("anomaly block {}: revoking sessions failed (retried next sweep): {}", b.id(),
                            e.toString());
                    return Mono.empty();
                });
    }

    /** The blocks in force ({@code all}: also the lifted and run-out ones, newest first, at most {@code limit}). */
    public Flux<Block> list(boolean all, int limit) {
        String where = all ? "" : " WHERE lifted_at IS NULL AND until > :now";
        var spec = db.sql("SELECT " + COLUMNS + " FROM anomaly_blocks" + where + " ORDER BY created_at DESC, id LIMIT "
                + Math.max(1, Math.min(limit, 1000)));
        if (!all) {
            spec = spec.bind("now", utc(clock.instant()));
        }
        return spec.map(AnomalyBlocks::block).all();
    }

    /**
     * Lifts a block now, audited ({@code anomaly.block_lifted}) in the same transaction; 404 for an unknown id, 409
     * for a block already lifted or run out.
     */
    public Mono<Block> lift(String id, String clientIp) {
        return Mono.defer(() -> {
            Instant now = clock.instant();
            return db.sql("SELECT " + COLUMNS + " FROM anomaly_blocks WHERE id = :id FOR UPDATE").bind("id", id)
                    .map(AnomalyBlocks::block).one()
                    .switchIfEmpty(Mono.error(() -> Refusal.notFound("unknown-block", "no anomaly block " + id)))
                    .flatMap(b -> {
                        if (!b.activeAt(now)) {
                            return Mono.error(Refusal.conflict("block-ended", "anomaly block " + id + " already "
                                    + (b.liftedAt() != null ? "was lifted at " + b.liftedAt() : "ran out at "
                                    + b.until())));
                        }
                        Map<String, Object> details = new LinkedHashMap<>();
                        details.put("block_id", b.id());
                        details.put("rule", b.rule());
                        details.put("blocked_until", b.until().toString());
                        AuditEvent event = AuditEvent.builder(AuditEventType.ANOMALY_BLOCK_LIFTED).occurredAt(now)
                                .role(b.role()).subject(b.subject()).clientIp(clientIp)
                                .reason("lifted by admin").details(details).build();
                        return db.sql("UPDATE anomaly_blocks SET lifted_at = :now WHERE id = :id")
                                .bind("now", utc(now)).bind("id", id).fetch().rowsUpdated()
                                .then(new WriteStatements(db).execute(Writes.of(AuditLog.row(event))))
                                .thenReturn(new Block(b.id(), b.role(), b.subject(), b.rule(), b.risk(),
                                        b.anomalyId(), b.createdAt(), b.until(), now, b.revokePasses()));
                    })
                    .as(tx::transactional)
                    .doOnNext(lifted -> {
                        Map<String, Block> next = new HashMap<>(active);
                        next.remove(key(lifted.role(), lifted.subject()));
                        madeSinceRead.remove(key(lifted.role(), lifted.subject()));
                        active = Map.copyOf(next);
                    });
        });
    }

    static Block block(Readable row) {
        OffsetDateTime lifted = row.get("lifted_at", OffsetDateTime.class);
        return new Block(row.get("id", String.class), row.get("role", String.class), row.get("subject", String.class),
                row.get("rule", String.class), row.get("risk", String.class), row.get("anomaly_id", String.class),
                row.get("created_at", OffsetDateTime.class).toInstant(),
                row.get("until", OffsetDateTime.class).toInstant(), lifted == null ? null : lifted.toInstant(),
                row.get("revoke_passes", Integer.class));
    }
}
