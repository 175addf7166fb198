// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segura.testkit.tls.TestCa;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start-up with unusable TLS files fails naming the variable, the file and the reason, never the key's content. */
class ServerTlsTest {

    static final TestCa CA = TestCa.create("CN=ServerTls test CA");

    @TempDir
    Path dir;

    private TlsSettings settings() {
        return new TlsSettings(dir.resolve("tls.crt"), dir.resolve("tls.key"), null, Duration.ofHours(1));
    }

    @Test
    void startWhenKeyBelongsToAnotherCertificateThenRefusedNamingBothFiles() throws Exception {
        CA.server("CN=127.0.0.1").writeChain(dir.resolve("tls.crt"), dir.resolve("other.key"));
        CA.server("CN=127.0.0.1").writeChain(dir.resolve("other.crt"), dir.resolve("tls.key"));
        assertThatThrownBy(() -> new ServerTls(settings(), Clock.systemUTC()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("SEGURA_TLS_KEY " + dir.resolve("tls.key") + " is not the key of the"
                        + " certificate in SEGURA_TLS_CERT " + dir.resolve("tls.crt"));
    }

    @Test
    void startWhenKeyFileHoldsNoKeyThenRefusedWithoutEchoingIt() throws Exception {
        CA.server("CN=127.0.0.1").writeChain(dir.resolve("tls.crt"), dir.resolve("unused.key"));
        Files.writeString(dir.resolve("tls.key"), "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWJ1dC1ub3QtYS1rZXk=\n"
                + "-----END PRIVATE KEY-----\n");
        assertThatThrownBy(() -> new ServerTls(settings(), Clock.systemUTC()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("SEGURA_TLS_KEY " + dir.resolve("tls.key"))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("c2VjcmV0LWJ1dC1ub3QtYS1rZXk"));
    }

    @Test
    void startWhenCertificateFileMissingThenRefusedNamingIt() {
        assertThatThrownBy(() -> new ServerTls(settings(), Clock.systemUTC()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("tls.crt");
    }

    @Test
    void settingsWhenKeyWithoutCertificateOrCaWithoutServerTlsThenRefused() {
        assertThatThrownBy(() -> new TlsSettings(null, dir.resolve("k"), null, null))
                .hasMessageContaining("SEGURA_TLS_CERT and SEGURA_TLS_KEY go together");
        assertThatThrownBy(() -> new TlsSettings(null, null, dir.resolve("ca"), null))
                .hasMessageContaining("SEGURA_TLS_CLIENT_CA needs server TLS");
    }
}
