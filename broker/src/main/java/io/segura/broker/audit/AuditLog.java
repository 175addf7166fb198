// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.audit;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import io.segura.broker.database.WriteStatements;
import io.segura.broker.database.Table;
import io.segura.broker.database.Writes;
import java.util.Objects;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Mono;

/**
 * Appends audit events (DESIGN §8, §15): one INSERT without hash, on the caller's R2DBC transaction when there is one,
 * or as a {@link #row} in the request's group commit, so a lease row, its audit event and the session update commit or
 * roll back together. Nothing here waits on the
 * chain; the {@link AuditChainer} links committed events moments later.
 */
public final class AuditLog {

    /** The columns an append writes; {@code seq} is the database's, the chain fields the chainer's (audit_links). */
    public static final Table TABLE = Table.of("audit_events", "id", String.class, "occurred_at",
            OffsetDateTime.class, "type", String.class, "role", String.class, "issuer", String.class, "subject",
            String.class, "client_ip", String.class, "ctx", String.class, "lease_id", String.class, "secrets",
            String.class, "reason", String.class, "details", String.class);

    private static final Logger log = LoggerFactory.getLogger(AuditLog.class);

    private final WriteStatements statements;
    private final MeterRegistry registry;

    public AuditLog(DatabaseClient db, MeterRegistry registry) {
        this.statements = new WriteStatements(Objects.requireNonNull(db, "db cannot be null"));
        this.registry = Objects.requireNonNull(registry, "registry cannot be null");
    }

    /** Builds the event when subscribed (a rejected event becomes an error signal) and appends it. */
    public Mono<Void> append(AuditEvent.Builder event) {
        return Mono.defer(() -> append(event.build()));
    }

    /**
     * Appends a refusal's event. Its fields come from the caller's own strings, which the builder bounds and redacts;
     * should it still not be written (the database refused it), the loss is logged at ERROR with the event's type and
     * the request id — nothing of the event itself — and counted ({@code segura_audit_dropped_total{type}}). The
     * refusal stands either way: an audit failure must not turn a "no" into a "yes" or a 500.
     */
    public Mono<Void> appendRefusal(AuditEvent.Builder event, String requestId) {
        return append(event).onErrorResume(e -> {
            String type = event.type().wireName();
            log.error("audit event {} of request {} could not be written ({}); the refusal stands", type, requestId,
                    e.getClass().getSimpleName());
            registry.counter("segura.audit.dropped", "type", type).increment();
            return Mono.empty();
        });
    }

    public Mono<Void> append(AuditEvent event) {
        return Mono.defer(() -> statements.execute(Writes.of(row(event))));
    }

    /**
     * The event as a row for a {@link io.segura.broker.database.GroupCommit} with the request's other writes.
     *
     * @throws IllegalArgumentException when the event carries chain fields or something that looks like a raw token
     */
    public static Table.Row row(AuditEvent event) {
        Objects.requireNonNull(event, "event cannot be null");
        if (event.seq() != null || event.chainPos() != null || event.prevHash() != null || event.hash() != null) {
            throw new IllegalArgumentException("seq and chain fields are assigned by the database and the chainer");
        }
        RawTokenGuard.check(event);
        return TABLE.row(event.id(), OffsetDateTime.ofInstant(event.occurredAt(), ZoneOffset.UTC),
                event.type().wireName(), event.role(), event.issuer(), event.subject(), event.clientIp(),
                AuditJson.write(event.ctx()), event.leaseId(), AuditJson.write(event.secrets()), event.reason(),
                AuditJson.write(event.details()));
    }
}
