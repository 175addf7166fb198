// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.audit;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * A cheap last line of defence (DESIGN §14): refuses audit events whose text looks like a raw session token
 * ({@code sgs_…}) or a JWT. Secret values cannot be recognized by shape; callers must only pass paths and versions.
 */
final class RawTokenGuard {

    private static final Pattern TOKEN = Pattern.compile(
            "sgs_[A-Za-z0-9_-]{20,}|eyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]{5,}\\.");

    private RawTokenGuard() {
    }

    static void check(AuditEvent e) {
        text("role", e.role());
        text("issuer", e.issuer());
        text("subject", e.subject());
        text("clientIp", e.clientIp());
        text("leaseId", e.leaseId());
        text("reason", e.reason());
        tree("ctx", e.ctx());
        tree("details", e.details());
    }

    private static void tree(String field, Object value) {
        if (value instanceof String s) {
            text(field, s);
        } else if (value instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> entry : m.entrySet()) {
                text(field + " key", String.valueOf(entry.getKey()));
                tree(field + "." + entry.getKey(), entry.getValue());
            }
        } else if (value instanceof Iterable<?> it) {
            for (Object o : it) {
                tree(field + "[]", o);
            }
        }
    }

    private static void text(String field, String value) {
        if (value != null && TOKEN.matcher(value).find()) {
            throw new IllegalArgumentException("audit field " + field + " looks like a raw token; audit records "
                    + "carry ids and hashes, never tokens");
        }
    }
}
