// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins.core;

import static io.segura.jenkins.core.LiveBroker.ALL_SECRETS;
import static io.segura.jenkins.core.LiveBroker.KEY;
import static io.segura.jenkins.core.LiveBroker.PASSWORD;
import static io.segura.jenkins.core.LiveBroker.TOKEN;
import static io.segura.jenkins.core.LiveBroker.VALUES;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A {@code withSegura} block per identity kind the Jenkins plugin accepts, against the live https broker: the values
 * arrive as the named variables, the block's log is masked, and closing the block revokes the lease.
 */
@ExtendWith(LiveBroker.Resolver.class)
class IdentityKindsTest {

    @Test
    void openWhenClientSecretThenVariablesSetLogMaskedAndCloseRevokes(LiveBroker b) throws Exception {
        BuildLog log = new BuildLog();
        BindingSession block = BindingSession.open(b.settings(),
                BindingRequest.parse("deploy", ALL_SECRETS, "segura-client", null), null, b.credentials(),
                log.stream);
        String leaseId = block.leaseId();
        try (block) {
            assertThat(block.environment()).containsEntry("DB_PASSWORD", PASSWORD).containsEntry("TLS_KEY", KEY)
                    .containsEntry("API_TOKEN", TOKEN);
            assertThat(block.sensitiveVariables()).containsExactly("DB_PASSWORD", "TLS_KEY", "API_TOKEN");
            assertThat(b.active(leaseId)).isTrue();
            assertThat(b.lease(leaseId)).containsEntry("role", "deploy")
                    .containsEntry("subject", "client:" + LiveBroker.CLIENT_ID);
            assertThat(masked(block, "user=admin password=" + PASSWORD + "\n" + KEY + "\n"))
                    .isEqualTo("user=admin password=***\n***\n");
        }
        assertThat(b.active(leaseId)).as("active after the block").isFalse();
        assertThat(log.text()).contains("lease " + leaseId, "DB_PASSWORD, TLS_KEY, API_TOKEN",
                "revoked lease " + leaseId);
        log.assertNoneOf(VALUES);
        assertThat(log.text().contains(LiveBroker.CLIENT_SECRET)).as("the client secret in the log").isFalse();
    }

    @Test
    void openWhenCertificateKeyStoreThenBrokerKnowsTheClientBySubject(LiveBroker b) throws Exception {
        BuildLog log = new BuildLog();
        String leaseId;
        try (BindingSession block = BindingSession.open(b.settings(),
                BindingRequest.parse("deploy", "db/prod/password > DB_PASSWORD", "segura-cert", null), null,
                b.credentials(), log.stream)) {
            leaseId = block.leaseId();
            assertThat(block.environment()).containsEntry("DB_PASSWORD", PASSWORD);
            assertThat(b.lease(leaseId)).containsEntry("subject", "client:jenkins-mtls");
            assertThat(b.active(leaseId)).isTrue();
        }
        assertThat(b.active(leaseId)).isFalse();
        log.assertNoneOf(VALUES);
    }

    @Test
    void openWhenOidcProviderIdTokenThenFreshTokenExchangedForTheJobsRole(LiveBroker b) throws Exception {
        BuildLog log = new BuildLog();
        int mintsBefore = b.mints.get();
        String leaseId;
        try (BindingSession block = BindingSession.open(b.settings(),
                BindingRequest.parse("deploy-oidc", "db/prod/password > DB_PASSWORD; api/token", null, null),
                "segura-id-token", b.credentials(), log.stream)) {
            leaseId = block.leaseId();
            assertThat(block.environment()).containsEntry("DB_PASSWORD", PASSWORD).containsEntry("API_TOKEN", TOKEN);
            assertThat(b.lease(leaseId)).containsEntry("role", "deploy-oidc")
                    .containsEntry("subject", LiveBroker.JOB_URL);
        }
        assertThat(b.mints.get() - mintsBefore).as("one token minted for the exchange").isEqualTo(1);
        assertThat(b.active(leaseId)).isFalse();
        assertThat(b.broker.events("session.revoked", LiveBroker.JOB_URL)).isNotEmpty();
        log.assertNoneOf(VALUES);
    }

    static String masked(BindingSession block, String text) throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (OutputStream out = block.mask(sink)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return sink.toString(StandardCharsets.UTF_8);
    }
}
