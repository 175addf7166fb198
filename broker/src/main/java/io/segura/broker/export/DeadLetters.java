// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.export;

import io.segura.broker.Refusal;
import io.segura.broker.audit.AuditQuery;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Objects;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Events a sink refused {@code max-attempts} times ({@code GET /api/v2/admin/exports/dead-letters}); an operator
 * replays one (delivered again now, and removed once the sink took it) or drops it.
 */
public final class DeadLetters {

    private final DatabaseClient db;
    private final AuditQuery events;
    private final ExportSinks sinks;
    private final Clock clock;

    DeadLetters(DatabaseClient db, AuditQuery events, ExportSinks sinks, Clock clock) {
        this.db = Objects.requireNonNull(db, "db cannot be null");
        this.events = Objects.requireNonNull(events, "events cannot be null");
        this.sinks = Objects.requireNonNull(sinks, "sinks cannot be null");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    }

    /** One dead letter as listed. */
    public record DeadLetter(String id, String sink, long seq, long chainPos, String eventId, int attempts,
            String lastError, Instant failedAt) {
    }

    public Flux<DeadLetter> list(String sink, int limit) {
        String sql = "SELECT id, sink, seq, chain_pos, event_id, attempts, last_error, failed_at FROM "
                + "export_dead_letters" + (sink == null ? "" : " WHERE sink = :sink")
                + " ORDER BY failed_at, chain_pos LIMIT " + Math.max(1, Math.min(limit, 1000));
        DatabaseClient.GenericExecuteSpec spec = db.sql(sql);
        if (sink != null) {
            spec = spec.bind("sink", sink);
        }
        return spec.map(r -> new DeadLetter(r.get("id", String.class), r.get("sink", String.class),
                r.get("seq", Long.class), r.get("chain_pos", Long.class), r.get("event_id", String.class),
                r.get("attempts", Integer.class), r.get("last_error", String.class),
                r.get("failed_at", OffsetDateTime.class).toInstant())).all();
    }

    private Mono<DeadLetter> find(String id) {
        return db.sql("SELECT id, sink, seq, chain_pos, event_id, attempts, last_error, failed_at FROM "
                        + "export_dead_letters WHERE id = :id").bind("id", id)
                .map(r -> new DeadLetter(r.get("id", String.class), r.get("sink", String.class),
                        r.get("seq", Long.class), r.get("chain_pos", Long.class), r.get("event_id", String.class),
                        r.get("attempts", Integer.class), r.get("last_error", String.class),
                        r.get("failed_at", OffsetDateTime.class).toInstant())).one()
                .switchIfEmpty(Mono.error(Refusal.notFound("unknown-dead-letter", "no dead letter " + id)));
    }

    /** Delivers the event to its sink now; removes the dead letter when the sink took it. */
    public Mono<DeadLetter> replay(String id) {
        return find(id).flatMap(d -> sinks.find(d.sink())
                .switchIfEmpty(Mono.error(Refusal.conflict("sink-gone", "sink " + d.sink()
                        + " is no longer configured; drop the dead letter")))
                .flatMap(sink -> events.byId(d.eventId())
                        .switchIfEmpty(Mono.error(Refusal.conflict("event-gone", "event " + d.eventId()
                                + " is no longer in the audit log")))
                        .flatMap(e -> Mono.fromCallable(() -> {
                            try {
                                sink.deliver(List.of(e), clock.instant().plus(Duration.ofMinutes(1)));
                                return true;
                            } catch (DeliveryFailure f) {
                                throw Refusal.unavailable("sink-unavailable", "sink " + d.sink()
                                        + " refused the event again: " + f.getMessage(), Duration.ofSeconds(30));
                            }
                        }).subscribeOn(Schedulers.boundedElastic())))
                .then(drop(id)).thenReturn(d));
    }

    public Mono<Void> drop(String id) {
        return db.sql("DELETE FROM export_dead_letters WHERE id = :id").bind("id", id).fetch().rowsUpdated()
                .flatMap(n -> n == 0 ? Mono.error(Refusal.notFound("unknown-dead-letter", "no dead letter " + id))
                        : Mono.empty());
    }
}
