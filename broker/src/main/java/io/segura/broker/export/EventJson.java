// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.export;

import io.segura.broker.audit.AuditEvent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON shape of an exported event: the same fields as {@code GET /api/v2/a2a/events} serves. */
public final class EventJson {

    private EventJson() {
    }

    public static Map<String, Object> view(AuditEvent e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seq", e.seq());
        m.put("id", e.id());
        m.put("time", e.occurredAt().toString());
        m.put("type", e.type().wireName());
        m.put("role", e.role());
        m.put("issuer", e.issuer());
        m.put("subject", e.subject());
        m.put("client_ip", e.clientIp());
        m.put("ctx", e.ctx());
        m.put("lease_id", e.leaseId());
        m.put("secrets", e.secrets() == null ? List.of() : e.secrets());
        m.put("reason", e.reason());
        m.put("details", e.details());
        m.put("chain_pos", e.chainPos());
        m.put("hash", e.hash());
        return m;
    }
}
