// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.testkit.broker.BrokerLauncher;
import io.segura.testkit.tls.TestCa;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI (and the shared client under it) authenticating by mTLS client certificate (RFC 8705) against a live broker
 * process serving https from PEM files with client certificates "want" ({@code SEGURA_TLS_*}): the
 * {@code --client-id/--client-cert/--client-key} flags and their variables get a secret; an expired certificate and
 * one from another CA are refused with the broker's reason on stderr, and no key material is printed.
 */
class CliMutualTlsTest {

    static final String PASSWORD = "mtls-pa55-w0rd-4-cli";

    static final TestCa SERVER_CA = TestCa.create("CN=CLI test server CA");
    static final TestCa CLIENT_CA = TestCa.create("CN=CLI test client CA");

    @TempDir
    static Path dir;

    static BrokerLauncher broker;

    @TempDir
    Path work;

    @BeforeAll
    static void startBroker() throws Exception {
        SERVER_CA.server("CN=127.0.0.1").writeChain(dir.resolve("tls.crt"), dir.resolve("tls.key"));
        SERVER_CA.writeCertificate(dir.resolve("server-ca.crt"));
        broker = BrokerLauncher.builder().owner("CliMutualTlsTest")
                .tlsPem(dir.resolve("tls.crt"), dir.resolve("tls.key"),
                        CLIENT_CA.writeCertificate(dir.resolve("client-ca.crt")), SERVER_CA)
                .config("""
                        roles:
                          - name: nightly
                            clients: [bamboo-mtls]
                            secrets: ["db/staging/*"]
                        clients:
                          - id: bamboo-mtls
                            mtls-subject: "CN=bamboo-mtls,O=Acme"
                        """).start();
        broker.putSecret("db/staging/password", PASSWORD);
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    private static Map<String, String> env(String... kv) {
        Map<String, String> vars = new HashMap<>();
        vars.put("SEGURA_URL", broker.url().toString());
        vars.put("SEGURA_CA_CERT", dir.resolve("server-ca.crt").toString());
        vars.put("SEGURA_PLATFORM", "local");
        for (int i = 0; i < kv.length; i += 2) {
            vars.put(kv[i], kv[i + 1]);
        }
        return CliHarness.env(vars);
    }

    private static void write(TestCa.Issued issued, Path certFile, Path keyFile) throws Exception {
        issued.writeChain(certFile, keyFile);
    }

    @Test
    void getWhenClientCertificateFlagsThenSecretAndAuditedAsTheClient() throws Exception {
        write(CLIENT_CA.client("CN=bamboo-mtls,O=Acme"), work.resolve("client.crt"), work.resolve("client.key"));
        // relative file flags resolve against the working directory, like --ca-cert
        var r = CliHarness.run(env(), "", work, "get", "--client-id", "bamboo-mtls", "--client-cert", "client.crt",
                "--client-key", "client.key", "db/staging/password");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(PASSWORD + "\n");
        assertThat(broker.events("token.exchanged", "client:bamboo-mtls")).isNotEmpty();
    }

    @Test
    void getWhenClientCertificateVariablesThenSecret() throws Exception {
        write(CLIENT_CA.client("CN=bamboo-mtls,O=Acme"), work.resolve("c.crt"), work.resolve("c.key"));
        var r = CliHarness.run(env("SEGURA_CLIENT_ID", "bamboo-mtls",
                "SEGURA_CLIENT_CERT", work.resolve("c.crt").toString(),
                "SEGURA_CLIENT_KEY", work.resolve("c.key").toString()), "", work, "get", "db/staging/password");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(PASSWORD + "\n");
    }

    @Test
    void getWhenExpiredCertificateThenRefusedSayingExpired() throws Exception {
        TestCa.Issued expired = CLIENT_CA.client("CN=bamboo-mtls,O=Acme",
                Instant.now().minus(Duration.ofDays(3)), Instant.now().minus(Duration.ofDays(1)));
        write(expired, work.resolve("old.crt"), work.resolve("old.key"));
        var r = CliHarness.run(env(), "", work, "get", "--client-id", "bamboo-mtls", "--client-cert", "old.crt",
                "--client-key", "old.key", "db/staging/password");
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.out()).doesNotContain(PASSWORD);
        assertThat(r.err()).contains("invalid_client", "expired at");
        assertNoKey(r, expired);
    }

    @Test
    void getWhenCertificateFromAnotherCaThenRefusedSayingUntrusted() throws Exception {
        TestCa.Issued foreign = TestCa.create("CN=Not our CA").client("CN=bamboo-mtls,O=Acme");
        write(foreign, work.resolve("f.crt"), work.resolve("f.key"));
        var r = CliHarness.run(env(), "", work, "get", "--client-id", "bamboo-mtls", "--client-cert", "f.crt",
                "--client-key", "f.key", "db/staging/password");
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.err()).contains("invalid_client", "does not chain to a CA in SEGURA_TLS_CLIENT_CA");
        assertNoKey(r, foreign);
    }

    @Test
    void getWhenClientCertWithoutKeyThenConfigErrorNamingTheFlag() throws Exception {
        write(CLIENT_CA.client("CN=bamboo-mtls,O=Acme"), work.resolve("k.crt"), work.resolve("k.key"));
        var r = CliHarness.run(env(), "", work, "get", "--client-id", "bamboo-mtls", "--client-cert", "k.crt",
                "db/staging/password");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--client-cert and SEGURA_CLIENT_KEY go together");
    }

    private static void assertNoKey(CliHarness.Result r, TestCa.Issued issued) throws Exception {
        String key = Base64.getEncoder().encodeToString(issued.keys().getPrivate().getEncoded());
        assertThat(r.out() + r.err()).doesNotContain(key.substring(key.length() / 2 - 16, key.length() / 2 + 16))
                .doesNotContain("PRIVATE KEY");
        assertThat(broker.log()).doesNotContain("PRIVATE KEY");
    }
}
