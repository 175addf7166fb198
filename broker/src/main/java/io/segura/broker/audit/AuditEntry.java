// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.audit;

import java.util.List;
import java.util.Map;

/**
 * What a capability reports to the audit trail about one decision (DESIGN §8) — the caller-side view; the stored
 * event adds id, time, sequence and chain fields. Never a secret value or a raw token: paths with versions, lease
 * ids, hashes.
 *
 * @param type    wire name of the event type, e.g. {@code lease.issued}
 * @param secrets {@code path@version} entries
 * @param details structured extras (violations, token SHA-256, counts)
 */
public record AuditEntry(
        String type,
        String role,
        String issuer,
        String subject,
        String clientIp,
        Map<String, Object> ctx,
        String leaseId,
        List<String> secrets,
        String reason,
        Map<String, Object> details) {

    public AuditEntry {
        ctx = ctx == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(ctx));
        secrets = secrets == null ? List.of() : List.copyOf(secrets);
        details = details == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(details));
    }

    public static AuditEntry of(String type) {
        return new AuditEntry(type, null, null, null, null, null, null, null, null, null);
    }

    public AuditEntry role(String v) {
        return new AuditEntry(type, v, issuer, subject, clientIp, ctx, leaseId, secrets, reason, details);
    }

    public AuditEntry issuer(String v) {
        return new AuditEntry(type, role, v, subject, clientIp, ctx, leaseId, secrets, reason, details);
    }

    public AuditEntry subject(String v) {
        return new AuditEntry(type, role, issuer, v, clientIp, ctx, leaseId, secrets, reason, details);
    }

    public AuditEntry clientIp(String v) {
        return new AuditEntry(type, role, issuer, subject, v, ctx, leaseId, secrets, reason, details);
    }

    public AuditEntry ctx(Map<String, Object> v) {
        return new AuditEntry(type, role, issuer, subject, clientIp, v, leaseId, secrets, reason, details);
    }

    public AuditEntry leaseId(String v) {
        return new AuditEntry(type, role, issuer, subject, clientIp, ctx, v, secrets, reason, details);
    }

    public AuditEntry secrets(List<String> v) {
        return new AuditEntry(type, role, issuer, subject, clientIp, ctx, leaseId, v, reason, details);
    }

    public AuditEntry reason(String v) {
        return new AuditEntry(type, role, issuer, subject, clientIp, ctx, leaseId, secrets, v, details);
    }

    public AuditEntry details(Map<String, Object> v) {
        return new AuditEntry(type, role, issuer, subject, clientIp, ctx, leaseId, secrets, reason, v);
    }
}
