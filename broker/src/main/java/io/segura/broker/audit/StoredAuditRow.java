// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.audit;

import io.r2dbc.spi.Readable;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;

/**
 * An {@code audit_events} row exactly as stored (JSON columns as their text), the input of the chain hash: hashing the
 * stored text rather than a re-serialization means the hash cannot drift with a JSON library. The chain fields come
 * from the event's {@code audit_links} row, {@code null} until the chainer has linked it.
 */
record StoredAuditRow(long seq, String id, Instant occurredAt, String type, String role, String issuer,
        String subject, String clientIp, String ctx, String leaseId, String secrets, String reason, String details,
        Long chainPos, String prevHash, String hash) {

    /** The event's own columns, of {@code audit_events e}: what {@link #unlinked} reads. */
    static final String EVENT_COLUMNS = "e.seq, e.id, e.occurred_at, e.type, e.role, e.issuer, e.subject, "
            + "e.client_ip, e.ctx, e.lease_id, e.secrets, e.reason, e.details";
    /** The event's and its link's columns, of {@link #EVENTS_WITH_LINKS}: what {@link #from} reads. */
    static final String COLUMNS = EVENT_COLUMNS + ", l.chain_pos, l.prev_hash, l.hash";
    /** Every event, with its link when it has one. */
    static final String EVENTS_WITH_LINKS = "audit_events e LEFT JOIN audit_links l ON l.seq = e.seq";

    /** A row of {@link #COLUMNS}. */
    static StoredAuditRow from(Readable row) {
        return event(row, row.get("chain_pos", Long.class), row.get("prev_hash", String.class),
                row.get("hash", String.class));
    }

    /** A row of {@link #EVENT_COLUMNS} only. */
    static StoredAuditRow unlinked(Readable row) {
        return event(row, null, null, null);
    }

    private static StoredAuditRow event(Readable row, Long chainPos, String prevHash, String hash) {
        OffsetDateTime at = row.get("occurred_at", OffsetDateTime.class);
        return new StoredAuditRow(row.get("seq", Long.class), row.get("id", String.class),
                at == null ? null : at.toInstant(), row.get("type", String.class), row.get("role", String.class),
                row.get("issuer", String.class), row.get("subject", String.class), row.get("client_ip", String.class),
                row.get("ctx", String.class), row.get("lease_id", String.class), row.get("secrets", String.class),
                row.get("reason", String.class), row.get("details", String.class), chainPos, prevHash, hash);
    }

    /**
     * The canonical serialization hashed into the chain (version {@code v1}): every stored field except the chain
     * fields, in this fixed order, one per line as {@code name=-} for SQL NULL or {@code name=s<n>:<value>} where
     * {@code n} is the UTF-8 byte length of the value — so no value can be confused with a field boundary. The time
     * is ISO-8601 UTC ({@link Instant#toString()}) at the stored microsecond precision.
     */
    byte[] canonical() {
        StringBuilder b = new StringBuilder(256).append("segura-audit-v1\n");
        field(b, "seq", Long.toString(seq));
        field(b, "id", id);
        field(b, "occurred_at", occurredAt == null ? null : occurredAt.toString());
        field(b, "type", type);
        field(b, "role", role);
        field(b, "issuer", issuer);
        field(b, "subject", subject);
        field(b, "client_ip", clientIp);
        field(b, "ctx", ctx);
        field(b, "lease_id", leaseId);
        field(b, "secrets", secrets);
        field(b, "reason", reason);
        field(b, "details", details);
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void field(StringBuilder b, String name, String value) {
        b.append(name).append('=');
        if (value == null) {
            b.append('-');
        } else {
            b.append('s').append(value.getBytes(StandardCharsets.UTF_8).length).append(':').append(value);
        }
        b.append('\n');
    }

    AuditEvent toEvent() {
        return new AuditEvent(id, occurredAt, AuditEventType.fromWireName(type), role, issuer, subject, clientIp,
                AuditJson.readMap(ctx), leaseId, AuditJson.readStrings(secrets), reason, AuditJson.readMap(details),
                seq, chainPos, prevHash, hash);
    }
}
