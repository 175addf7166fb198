// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.audit;

import java.util.Objects;

/** The audit event types of DESIGN §8, with their wire names (stored in {@code audit_events.type}, used in the API). */
public enum AuditEventType {
    TOKEN_EXCHANGED("token.exchanged"),
    TOKEN_REJECTED("token.rejected"),
    SESSION_REVOKED("session.revoked"),
    LEASE_ISSUED("lease.issued"),
    LEASE_DENIED("lease.denied"),
    LEASE_RENEWED("lease.renewed"),
    LEASE_REVOKED("lease.revoked"),
    LEASE_EXPIRED("lease.expired"),
    SECRET_WRITTEN("secret.written"),
    SECRET_ROTATED("secret.rotated"),
    SECRET_EXPOSED("secret.exposed"),
    POLICY_WARNED("policy.warned"),
    /** An operator started (or restarted) a master-key rotation: job id, target and old key ids, how many versions. */
    VAULT_REKEY_STARTED("vault.rekey_started"),
    /** A master-key rotation finished: every version is under the target key; with the counts and key ids. */
    VAULT_REKEYED("vault.rekeyed"),
    /** A master-key rotation stopped at a version it could not re-wrap (named); nothing was half-written. */
    VAULT_REKEY_FAILED("vault.rekey_failed"),
    /** A dynamic-secret engine created a credential under a lease: name, engine, user name (never the password). */
    DYNAMIC_ISSUED("dynamic.issued"),
    /** A dynamic credential's engine confirmed its revocation (the lease ended, was revoked or expired). */
    DYNAMIC_REVOKED("dynamic.revoked"),
    /** A revocation attempt failed; it stays pending and is retried with backoff (listed for admins). */
    DYNAMIC_REVOKE_FAILED("dynamic.revoke_failed"),
    /** A sync target's variable was created or updated from {@code path@version} (docs/SYNC.md); never the value. */
    SYNC_WRITTEN("sync.written"),
    /** A variable the broker had written and no longer maps was deleted ({@code prune: true}). */
    SYNC_DELETED("sync.deleted"),
    /** A sync write failed or was refused (masking rules, remote 4xx/5xx, timeout, rate limit); retried with backoff. */
    SYNC_FAILED("sync.failed"),
    /** The drift check found a target's variables changed, missing or re-flagged outside the broker. */
    SYNC_DRIFTED("sync.drifted"),
    /** An anomaly rule fired (docs/EXPORTS.md): rule, risk, observed value, the baseline and threshold it was held to. */
    ANOMALY_DETECTED("anomaly.detected"),
    /** A role's {@code on-anomaly} blocked a subject: block id, rule, until when; its sessions are revoked. */
    ANOMALY_BLOCKED("anomaly.blocked"),
    /** An operator lifted an anomaly block early ({@code DELETE /api/v2/admin/blocks/{id}}). */
    ANOMALY_BLOCK_LIFTED("anomaly.block_lifted"),
    /** A webhook subscription was registered: id, url, event filter (never its signing secret). */
    WEBHOOK_REGISTERED("webhook.registered"),
    /** A webhook subscription was deleted (its signing secret destroyed). */
    WEBHOOK_DELETED("webhook.deleted"),
    /**
     * An operator signed in to the console with the admin token: client address, the SHA-256 of the session's nonce
     * ({@code details.session_sha256}) and its expiry; never the token or the cookie.
     */
    CONSOLE_SIGNED_IN("console.signed_in"),
    /** A console sign-in was refused (wrong admin token, malformed body): client address and the refusal's code. */
    CONSOLE_SIGN_IN_FAILED("console.sign_in_failed"),
    /** A console session was signed out (on every replica): client address and {@code details.session_sha256}. */
    CONSOLE_SIGNED_OUT("console.signed_out"),
    /**
     * An operator API request was refused: no admin token, a wrong one, or the API is closed. Client address, method
     * and path, and the refusal's code; never what was sent as a token.
     */
    ADMIN_DENIED("admin.denied"),
    /**
     * A delivery to the exposure webhook was refused (a bad or missing signature, a replay, a malformed body, the
     * webhook disabled): client address and why; never the body. Rate-limited deliveries are not audited.
     */
    EXPOSURE_REJECTED("exposure.rejected");

    private final String wireName;

    AuditEventType(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** @throws IllegalArgumentException for an unknown name (the message lists the known ones) */
    public static AuditEventType fromWireName(String name) {
        Objects.requireNonNull(name, "name cannot be null");
        for (AuditEventType t : values()) {
            if (t.wireName.equals(name)) {
                return t;
            }
        }
        StringBuilder known = new StringBuilder();
        for (AuditEventType t : values()) {
            known.append(known.length() == 0 ? "" : ", ").append(t.wireName);
        }
        throw new IllegalArgumentException("unknown audit event type '" + name + "', expected one of " + known);
    }
}
