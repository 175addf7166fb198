// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segura.broker.vault.InvalidSecretException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AuditEventTests {

    @Test
    void buildWhenCtxOrDetailsHoldAnUnsupportedValueThenTheRefusalNamesItsPath() {
        assertThatThrownBy(() -> AuditEvent.builder(AuditEventType.LEASE_ISSUED)
                .details(Map.of("a", List.of(Map.of("b", new Object())))).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("details.a[].b must be a string, number, boolean, map or list, got Object");
        Map<Object, Object> numberKey = new HashMap<>();
        numberKey.put(1, "x");
        assertThatThrownBy(() -> AuditEvent.builder(AuditEventType.LEASE_ISSUED)
                .ctx(Map.of("x", numberKey)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("ctx.x keys must be strings");
    }

    @Test
    void consoleAuditFilterWhenReadThenListsEveryEventTypeInOrder() throws java.io.IOException {
        // The console's type filter is a literal list in its TypeScript: a type added here and not there could not be
        // filtered by in the console.
        String ts = java.nio.file.Files.readString(java.nio.file.Path.of("..", "console", "src", "audit.ts"));
        java.util.regex.Matcher list = java.util.regex.Pattern.compile("EVENT_TYPES = \\[([^\\]]*)\\]").matcher(ts);
        assertThat(list.find()).as("EVENT_TYPES in console/src/audit.ts").isTrue();
        List<String> listed = java.util.regex.Pattern.compile("\"([^\"]+)\"").matcher(list.group(1)).results()
                .map(m -> m.group(1)).toList();
        assertThat(listed).containsExactlyElementsOf(
                Arrays.stream(AuditEventType.values()).map(AuditEventType::wireName).toList());
    }

    @Test
    void wireNamesWhenListedThenExactlyDesignSection8MasterKeyRotationAndSync() {
        assertThat(Arrays.stream(AuditEventType.values()).map(AuditEventType::wireName)).containsExactly(
                "token.exchanged", "token.rejected", "session.revoked", "lease.issued", "lease.denied",
                "lease.renewed", "lease.revoked", "lease.expired", "secret.written", "secret.rotated",
                "secret.exposed", "policy.warned", "vault.rekey_started", "vault.rekeyed", "vault.rekey_failed",
                "dynamic.issued", "dynamic.revoked", "dynamic.revoke_failed", "sync.written", "sync.deleted", "sync.failed", "sync.drifted",
                "anomaly.detected", "anomaly.blocked", "anomaly.block_lifted", "webhook.registered",
                "webhook.deleted", "console.signed_in", "console.sign_in_failed", "console.signed_out", "admin.denied",
                "exposure.rejected");
        for (AuditEventType t : AuditEventType.values()) {
            assertThat(AuditEventType.fromWireName(t.wireName())).isSameAs(t);
        }
        assertThatThrownBy(() -> AuditEventType.fromWireName("lease.stolen"))
                .hasMessageContaining("lease.stolen").hasMessageContaining("lease.issued");
    }

    @Test
    void builderWhenMapsGivenThenSortedDeepCopiesKeepingNulls() {
        Map<String, Object> ctx = new HashMap<>();
        ctx.put("ref", "refs/heads/main");
        ctx.put("environment", null);
        ctx.put("platform", "github-actions");
        AuditEvent e = AuditEvent.builder(AuditEventType.LEASE_ISSUED).ctx(ctx)
                .occurredAt(Instant.parse("2026-01-02T03:04:05.123456789Z"))
                .details(Map.of("violations", List.of(Map.of("kind", "outdated")))).build();
        ctx.put("ref", "changed");
        assertThat(e.ctx().keySet()).containsExactly("environment", "platform", "ref");
        assertThat(e.ctx()).containsEntry("ref", "refs/heads/main").containsEntry("environment", null);
        assertThat(e.occurredAt()).isEqualTo(Instant.parse("2026-01-02T03:04:05.123456Z"));
        assertThat(e.id()).matches("[0-9a-f-]{36}");
        assertThatThrownBy(() -> e.ctx().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void builderWhenSecretsNotPathAtVersionThenRejected() {
        assertThat(AuditEvent.builder(AuditEventType.LEASE_ISSUED).secrets(List.of("db/prod@3", "api/key")).build()
                .secrets()).containsExactly("db/prod@3", "api/key");
        assertThatThrownBy(() -> AuditEvent.builder(AuditEventType.LEASE_ISSUED).secrets(List.of("DB/x@1")).build())
                .isInstanceOf(InvalidSecretException.class);
        assertThatThrownBy(() -> AuditEvent.builder(AuditEventType.LEASE_ISSUED).secrets(List.of("db/x@one"))
                .build()).isInstanceOf(InvalidSecretException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "sgs_Qm9ndXNUb2tlblZhbHVlMTIzNDU2Nzg5MA",
        "bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOng6cmVmIn0.c2lnbmF0dXJl"
    })
    void checkWhenRawTokenInAnyTextThenRejected(String token) {
        // made without the builder, which redacts token-shaped text (AuditTextTests): the guard is the last line
        AuditEvent inReason = unbuilt("bad: " + token, Map.of());
        AuditEvent inCtx = unbuilt(null, Map.of("nested", List.of(Map.of("token", token))));
        for (AuditEvent e : List.of(inReason, inCtx)) {
            assertThatThrownBy(() -> RawTokenGuard.check(e)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("raw token").message().doesNotContain(token);
        }
        // the refusal says where the token is, so the caller's bug is found without the value
        assertThatThrownBy(() -> RawTokenGuard.check(inReason)).hasMessageStartingWith("audit field reason ");
        assertThatThrownBy(() -> RawTokenGuard.check(inCtx))
                .hasMessageStartingWith("audit field details.nested[].token ");
        AuditEvent inKey = unbuilt(null, Map.of("a", Map.of(token, 1)));
        assertThatThrownBy(() -> RawTokenGuard.check(inKey)).hasMessageStartingWith("audit field details.a key ");
        RawTokenGuard.check(AuditEvent.builder(AuditEventType.TOKEN_EXCHANGED)
                .subject("repo:octo-org/octo-repo:ref:refs/heads/main").reason("ok").build());
    }

    private static AuditEvent unbuilt(String reason, Map<String, Object> details) {
        return new AuditEvent(java.util.UUID.randomUUID().toString(), Instant.now(), AuditEventType.TOKEN_REJECTED,
                null, null, null, null, null, null, null, reason, details, null, null, null, null);
    }

    @Test
    void chainHashWhenAFixedRowThenThePinnedValue() {
        // Chains already stored must keep verifying: the canonical form and the hash may never change.
        StoredAuditRow row = new StoredAuditRow(42, "5f0c1a52-8d7e-4c1b-9a43-2b1f4e0d9c11",
                Instant.parse("2026-01-02T03:04:05.123456Z"), "lease.issued", "deploy-prod", "github",
                "repo:octo-org/octo-repo:ref:refs/heads/main", "10.0.0.7", "{\"platform\":\"github-actions\"}",
                "lease-1", "[\"db/prod/password@3\"]", "granted", null, 7L, "ignored", "ignored");
        // also computed outside Java from the form documented on StoredAuditRow#canonical
        assertThat(ChainHash.link(ChainHash.GENESIS, row))
                .isEqualTo("334d5db48aadb004299cd7f189c44931e6ebf86dc6d4833460340d00f1a0799e");
    }
}
