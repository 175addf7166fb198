// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.audit;

import io.segura.broker.vault.SecretRef;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * One audit event (DESIGN §8). Carries who (role, issuer, subject, client ip, normalized {@code ctx}), what (type,
 * lease id, {@code path@version} list, reason, details such as policy violations) and when. <strong>Never a secret value
 * or a raw token</strong>: sessions are named by id, tokens by their SHA-256; {@link AuditLog#append} refuses strings
 * shaped like a session token or a JWT. The read-side fields {@code seq}, {@code chainPos}, {@code prevHash} and
 * {@code hash} are assigned by the database and the {@link AuditChainer}; they are {@code null} on events to append.
 * {@code ctx} and {@code details} are deep-copied into sorted maps (null values allowed); {@code occurredAt} is
 * truncated to microseconds, the precision the database keeps.
 */
public record AuditEvent(
        String id,
        Instant occurredAt,
        AuditEventType type,
        String role,
        String issuer,
        String subject,
        String clientIp,
        Map<String, Object> ctx,
        String leaseId,
        List<String> secrets,
        String reason,
        Map<String, Object> details,
        Long seq,
        Long chainPos,
        String prevHash,
        String hash) {

    public AuditEvent {
        Objects.requireNonNull(id, "id cannot be null");
        UUID.fromString(id);
        occurredAt = Objects.requireNonNull(occurredAt, "occurredAt cannot be null").truncatedTo(ChronoUnit.MICROS);
        Objects.requireNonNull(type, "type cannot be null");
        maxLength("role", role, MAX_ROLE);
        maxLength("issuer", issuer, MAX_ISSUER);
        maxLength("subject", subject, MAX_SUBJECT);
        maxLength("clientIp", clientIp, MAX_CLIENT_IP);
        maxLength("leaseId", leaseId, MAX_LEASE_ID);
        ctx = AuditJson.normalizeMap(ctx, "ctx");
        details = AuditJson.normalizeMap(details, "details");
        secrets = secrets == null ? List.of() : List.copyOf(secrets);
        for (String ref : secrets) {
            SecretRef.parse(ref);
        }
    }

    /** Column widths of {@code audit_events}. */
    static final int MAX_ROLE = 128;
    static final int MAX_ISSUER = 128;
    static final int MAX_SUBJECT = 1024;
    static final int MAX_CLIENT_IP = 64;
    static final int MAX_LEASE_ID = 40;

    public static Builder builder(AuditEventType type) {
        return new Builder(type);
    }

    private static void maxLength(String field, String value, int max) {
        if (value != null && value.length() > max) {
            throw new IllegalArgumentException(field + " is longer than " + max + " characters");
        }
    }

    /** Builds an event to append: a random id and the current time unless given. */
    public static final class Builder {

        private final AuditEventType type;
        private String id;
        private Instant occurredAt;
        private String role;
        private String issuer;
        private String subject;
        private String clientIp;
        private Map<String, ?> ctx;
        private String leaseId;
        private List<String> secrets;
        private String reason;
        private Map<String, ?> details;

        private Builder(AuditEventType type) {
            this.type = Objects.requireNonNull(type, "type cannot be null");
        }

        public Builder id(String id) {
            this.id = id;
            return this;
        }

        public Builder occurredAt(Instant occurredAt) {
            this.occurredAt = occurredAt;
            return this;
        }

        public Builder role(String role) {
            this.role = role;
            return this;
        }

        public Builder issuer(String issuer) {
            this.issuer = issuer;
            return this;
        }

        public Builder subject(String subject) {
            this.subject = subject;
            return this;
        }

        public Builder clientIp(String clientIp) {
            this.clientIp = clientIp;
            return this;
        }

        public Builder ctx(Map<String, ?> ctx) {
            this.ctx = ctx;
            return this;
        }

        public Builder leaseId(String leaseId) {
            this.leaseId = leaseId;
            return this;
        }

        /** {@code path@version} (or {@code path} for a request that named no version). */
        public Builder secrets(List<String> secrets) {
            this.secrets = secrets;
            return this;
        }

        public Builder reason(String reason) {
            this.reason = reason;
            return this;
        }

        public Builder details(Map<String, ?> details) {
            this.details = details;
            return this;
        }

        public AuditEventType type() {
            return type;
        }

        /**
         * The event, with caller-controlled text made to fit ({@link AuditText}): token-shaped text redacted, text
         * over a field's width cut with its length and SHA-256 kept. So a refusal is recorded whatever the caller sent.
         */
        @SuppressWarnings("unchecked")
        public AuditEvent build() {
            return new AuditEvent(id == null ? UUID.randomUUID().toString() : id,
                    occurredAt == null ? Instant.now() : occurredAt, type, AuditText.field(role, MAX_ROLE),
                    AuditText.field(issuer, MAX_ISSUER), AuditText.field(subject, MAX_SUBJECT),
                    AuditText.field(clientIp, MAX_CLIENT_IP), (Map<String, Object>) AuditText.tree(ctx),
                    AuditText.field(leaseId, MAX_LEASE_ID), secrets,
                    AuditText.field(reason, AuditText.MAX_REASON), (Map<String, Object>) AuditText.tree(details),
                    null, null, null, null);
        }
    }
}
