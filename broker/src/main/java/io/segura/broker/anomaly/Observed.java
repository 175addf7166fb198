// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.anomaly;

import io.segura.broker.audit.AuditEvent;
import io.segura.broker.audit.AuditEventType;
import java.time.Instant;
import java.util.Map;

/**
 * The part of a committed audit event the rules look at. Built from {@link AuditEvent}s read after the detector's
 * cursor, or directly by tests.
 *
 * @param repository {@code ctx.repository} (a GitHub repository, a GitLab project path), or {@code null}
 */
public record Observed(String id, Long seq, Instant at, AuditEventType type, String role, String issuer,
        String subject, String clientIp, String repository, String reason, Map<String, Object> ctx) {

    public Observed {
        ctx = ctx == null ? Map.of() : ctx;
    }

    static Observed of(AuditEvent e) {
        Object repo = e.ctx() == null ? null : e.ctx().get("repository");
        return new Observed(e.id(), e.seq(), e.occurredAt(), e.type(), e.role(), e.issuer(), e.subject(),
                e.clientIp(), repo == null ? null : String.valueOf(repo), e.reason(), e.ctx());
    }
}
