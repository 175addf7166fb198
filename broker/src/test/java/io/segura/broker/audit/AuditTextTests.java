// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.segura.broker.vault.MigratedDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Caller-controlled text made to fit an audit record, and a record that still cannot be written reported. */
class AuditTextTests {

    @Test
    void buildWhenFieldsAreOverLongThenCutWithLengthAndSha256() {
        String subject = "s".repeat(5000);
        AuditEvent e = AuditEvent.builder(AuditEventType.TOKEN_REJECTED).role("r".repeat(129)).subject(subject)
                .clientIp("1".repeat(100)).build();
        assertThat(e.role()).hasSize(128).startsWith("rrr").contains("…[cut 129 chars, sha256:"
                + AuditText.sha256("r".repeat(129)) + "]");
        assertThat(e.subject()).hasSize(1024).endsWith("…[cut 5000 chars, sha256:" + AuditText.sha256(subject) + "]");
        assertThat(e.clientIp()).hasSize(64).contains("…[cut");
    }

    @Test
    void buildWhenTextLooksLikeATokenThenRedactedEverywhere() {
        String jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
        String session = "sgs_" + "A".repeat(43);
        AuditEvent e = AuditEvent.builder(AuditEventType.TOKEN_EXCHANGED).issuer(jwt).reason("bad " + session)
                .ctx(Map.of("ref", "refs/heads/" + session, "list", List.of(jwt)))
                .details(Map.of(session, "key too")).build();
        String all = e.toString();
        assertThat(all).doesNotContain("eyJhbGci", "sgs_AAAA").contains("[redacted token sha256:"
                + AuditText.sha256(jwt).substring(0, 16) + "]");
        // what the builder produces is what the guard accepts
        AuditLog.row(e);
    }

    @Test
    void buildWhenFieldsFitThenUnchanged() {
        AuditEvent e = AuditEvent.builder(AuditEventType.LEASE_ISSUED).role("deploy").subject("repo:acme/app")
                .ctx(Map.of("ref", "refs/heads/main")).build();
        assertThat(e.role()).isEqualTo("deploy");
        assertThat(e.ctx()).containsEntry("ref", "refs/heads/main");
    }

    @Test
    void appendRefusalWhenTheEventCannotBeWrittenThenCountedAndTheRefusalStands() {
        MigratedDatabase db = MigratedDatabase.h2("audit-drop");
        db.db().sql("DROP TABLE audit_events CASCADE").then().block(Duration.ofSeconds(10));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AuditLog log = new AuditLog(db.db(), registry);
        log.appendRefusal(AuditEvent.builder(AuditEventType.TOKEN_REJECTED).reason("x"), "req-1")
                .block(Duration.ofSeconds(10));
        assertThat(registry.get("segura.audit.dropped").tag("type", "token.rejected").counter().count())
                .isEqualTo(1.0);
    }
}
