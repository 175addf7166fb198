// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.audit;

import io.segura.broker.vault.MigratedDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Shared fixtures of the audit tests. */
final class AuditTestSupport {

    static final Duration TIMEOUT = Duration.ofSeconds(60);

    private AuditTestSupport() {
    }

    static AuditEvent leaseIssued(String subject, String... secrets) {
        return AuditEvent.builder(AuditEventType.LEASE_ISSUED).role("deploy-prod").issuer("github").subject(subject)
                .clientIp("10.0.0.7").ctx(Map.of("platform", "github-actions", "ref", "refs/heads/main"))
                .leaseId("lease-" + subject.hashCode()).secrets(List.of(secrets)).reason("granted").build();
    }

    static void reset(MigratedDatabase database) {
        database.db().sql("DELETE FROM audit_events").fetch().rowsUpdated().block(TIMEOUT);
        database.db().sql("UPDATE audit_chain_head SET chain_pos = 0, hash = :h WHERE id = 1")
                .bind("h", ChainHash.GENESIS).fetch().rowsUpdated().block(TIMEOUT);
    }
}
