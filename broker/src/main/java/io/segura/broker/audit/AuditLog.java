// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.audit;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Objects;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Mono;

/**
 * Appends audit events (DESIGN §8, §15): one INSERT without hash, on the caller's R2DBC transaction when there is one,
 * so a lease row, its audit event and the session update commit or roll back together. Nothing here waits on the
 * chain; the {@link AuditChainer} links committed events moments later.
 */
public final class AuditLog {

    private final DatabaseClient db;

    public AuditLog(DatabaseClient db) {
        this.db = Objects.requireNonNull(db, "db cannot be null");
    }

    /** Builds the event when subscribed (a rejected event becomes an error signal) and appends it. */
    public Mono<Void> append(AuditEvent.Builder event) {
        return Mono.defer(() -> append(event.build()));
    }

    public Mono<Void> append(AuditEvent event) {
        return Mono.defer(() -> {
            Objects.requireNonNull(event, "event cannot be null");
            if (event.seq() != null || event.chainPos() != null || event.prevHash() != null || event.hash() != null) {
                throw new IllegalArgumentException("seq and chain fields are assigned by the database and the chainer");
            }
            RawTokenGuard.check(event);
            DatabaseClient.GenericExecuteSpec spec = db.sql("INSERT INTO audit_events (id, occurred_at, type, role, "
                            + "issuer, subject, client_ip, ctx, lease_id, secrets, reason, details) VALUES (:id, "
                            + ":occurredAt, :type, :role, :issuer, :subject, :clientIp, :ctx, :leaseId, :secrets, "
                            + ":reason, :details)")
                    .bind("id", event.id())
                    .bind("occurredAt", OffsetDateTime.ofInstant(event.occurredAt(), ZoneOffset.UTC))
                    .bind("type", event.type().wireName());
            spec = text(spec, "role", event.role());
            spec = text(spec, "issuer", event.issuer());
            spec = text(spec, "subject", event.subject());
            spec = text(spec, "clientIp", event.clientIp());
            spec = text(spec, "ctx", AuditJson.write(event.ctx()));
            spec = text(spec, "leaseId", event.leaseId());
            spec = text(spec, "secrets", AuditJson.write(event.secrets()));
            spec = text(spec, "reason", event.reason());
            spec = text(spec, "details", AuditJson.write(event.details()));
            return spec.fetch().rowsUpdated().then();
        });
    }

    private static DatabaseClient.GenericExecuteSpec text(DatabaseClient.GenericExecuteSpec spec, String name,
            String value) {
        return value == null ? spec.bindNull(name, String.class) : spec.bind(name, value);
    }
}
