// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.tls;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segura.broker.Refusal;
import io.segura.testkit.tls.TestCa;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The checks of a presented client certificate, each failure with its own reason (no TLS needed). */
class ClientCertificateCheckTest {

    static final TestCa CA = TestCa.create("CN=Check test CA");
    final ClientCertificateCheck check = new ClientCertificateCheck(() -> List.of(CA.certificate()),
            Clock.systemUTC());

    @Test
    void verifyWhenIssuedByTheCaThenPassesWithOrWithoutTheRootInTheChain() {
        TestCa.Issued ok = CA.client("CN=ok");
        assertThatCode(() -> check.verify(List.of(ok.certificate()))).doesNotThrowAnyException();
        assertThatCode(() -> check.verify(List.of(ok.certificate(), CA.certificate()))).doesNotThrowAnyException();
    }

    @Test
    void verifyWhenNotYetValidThenRefusedSayingSo() {
        TestCa.Issued future = CA.client("CN=future", Instant.now().plus(Duration.ofHours(2)),
                Instant.now().plus(Duration.ofDays(2)));
        assertThatThrownBy(() -> check.verify(List.of(future.certificate()))).isInstanceOf(Refusal.class)
                .hasMessageContaining("is not valid before")
                .extracting(e -> ((Refusal) e).reason()).isEqualTo("client-certificate-not-yet-valid");
    }

    @Test
    void verifyWhenIssuedForServersOnlyThenRefusedSayingWrongUsage() {
        TestCa.Issued server = CA.server("CN=127.0.0.1");
        assertThatThrownBy(() -> check.verify(List.of(server.certificate()))).isInstanceOf(Refusal.class)
                .hasMessageContaining("not issued for TLS client authentication")
                .extracting(e -> ((Refusal) e).reason()).isEqualTo("client-certificate-wrong-usage");
    }

    @Test
    void verifyWhenChainEndsInAnotherRootThenUntrusted() {
        TestCa other = TestCa.create("CN=Other");
        TestCa.Issued foreign = other.client("CN=ok");
        assertThatThrownBy(() -> check.verify(List.of(foreign.certificate(), other.certificate())))
                .isInstanceOf(Refusal.class).hasMessageContaining("\"CN=Other\" does not chain to a CA")
                .extracting(e -> ((Refusal) e).reason()).isEqualTo("client-certificate-untrusted");
    }

    @Test
    void verifyWhenHandshakeVerifiedThenOnlyDatesAndUsage() {
        ClientCertificateCheck lenient = ClientCertificateCheck.handshakeVerified(Clock.systemUTC());
        assertThatCode(() -> lenient.verify(List.of(TestCa.create("CN=Any").client("CN=x").certificate())))
                .doesNotThrowAnyException();
        TestCa.Issued expired = CA.client("CN=old", Instant.now().minus(Duration.ofDays(2)),
                Instant.now().minus(Duration.ofDays(1)));
        assertThatThrownBy(() -> lenient.verify(List.of(expired.certificate())))
                .hasMessageContaining("expired at");
    }
}
