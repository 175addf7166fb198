// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.audit;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A cheap last line of defence (DESIGN §14): refuses audit events whose text looks like a raw session token
 * ({@code sgs_…}) or a JWT. Secret values cannot be recognized by shape; callers must only pass paths and versions.
 */
final class RawTokenGuard {

    private static final Pattern TOKEN = Pattern.compile(
            "sgs_[A-Za-z0-9_-]{20,}|eyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]*");

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
        String where = offending(value);
        if (where != null) {
            refuse(field + where);
        }
    }

    /** Where in {@code value} a raw token is ({@code ""} for the value itself, {@code ".key"}, {@code "[]"} …), or null. */
    private static String offending(Object value) {
        if (value instanceof String s) {
            return looksLikeToken(s) ? "" : null;
        }
        if (value instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> entry : m.entrySet()) {
                if (looksLikeToken(String.valueOf(entry.getKey()))) {
                    return " key";
                }
                String inner = offending(entry.getValue());
                if (inner != null) {
                    return "." + entry.getKey() + inner;
                }
            }
        } else if (value instanceof Iterable<?> it) {
            for (Object o : it) {
                String inner = offending(o);
                if (inner != null) {
                    return "[]" + inner;
                }
            }
        }
        return null;
    }

    private static void text(String field, String value) {
        if (looksLikeToken(value)) {
            refuse(field);
        }
    }

    /**
     * {@code value} with every token-shaped run replaced by {@code [redacted token sha256:<first 16 hex>]}: the hash
     * lets an operator match it against a token's recorded SHA-256 without the token ever being stored.
     */
    static String redact(String value) {
        if (!looksLikeToken(value)) {
            return value;
        }
        Matcher m = TOKEN.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement("[redacted token sha256:"
                    + AuditText.sha256(m.group()).substring(0, 16) + "]"));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static boolean looksLikeToken(String value) {
        // indexOf first: every text of every event is scanned, and the regex costs far more per character
        return value != null && (value.contains("sgs_") || value.contains("eyJ")) && TOKEN.matcher(value).find();
    }

    private static void refuse(String field) {
        throw new IllegalArgumentException("audit field " + field + " looks like a raw token; audit records "
                + "carry ids and hashes, never tokens");
    }
}
