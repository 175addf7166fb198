// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.testkit.postgres.PostgresExtension;
import io.segura.testkit.tls.TestCa;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Server certificate reload without a restart ({@code SEGURA_TLS_CERT}/{@code SEGURA_TLS_KEY}): a broker serving
 * certificate A gets B written over its files; new handshakes present B within the poll interval, while a
 * connection opened before keeps working with A. A broken replacement keeps B in service and is logged as an error
 * naming the file; a later good one is still picked up (the poller survived).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@ExtendWith(OutputCaptureExtension.class)
class TlsReloadTest {

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    /** Generous: the machine is shared and loaded; the broker polls every 200 ms here. */
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    static final TestCa CA = TestCa.create("CN=Segura reload test CA");
    static final TestCa.Issued A = CA.server("CN=127.0.0.1,O=A");
    static Path dir;

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void broker(DynamicPropertyRegistry registry) throws Exception {
        dir = Files.createTempDirectory("segura-tls-reload");
        A.writeChain(dir.resolve("tls.crt"), dir.resolve("tls.key"));
        Path config = dir.resolve("trust.yaml");
        Files.writeString(config, """
                roles:
                  - name: nightly
                    clients: [bamboo]
                    secrets: ["db/staging/*"]
                clients:
                  - id: bamboo
                    mtls-subject: "CN=bamboo,O=Acme"
                """);
        registry.add("segura.config", config::toString);
        registry.add("segura.database-url", PG::r2dbcUrl);
        registry.add("segura.master-key", () -> ClientCertificateTest.MASTER_KEY);
        registry.add("segura.tls.cert", () -> dir.resolve("tls.crt").toString());
        registry.add("segura.tls.key", () -> dir.resolve("tls.key").toString());
        registry.add("segura.tls.reload-interval", () -> "200ms");
    }

    /** The serial of the certificate a fresh TLS handshake gets. */
    private BigInteger servedSerial() throws Exception {
        try (SSLSocket socket = (SSLSocket) CA.trustingContext().getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.startHandshake();
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    private HttpResponse<String> discovery(HttpClient http) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/.well-known/segura"))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static BigInteger serialOf(HttpResponse<?> response) throws Exception {
        return ((X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0]).getSerialNumber();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + DEADLINE + ": " + what);
            }
            Thread.sleep(50);
        }
    }

    private boolean serves(BigInteger serial) {
        try {
            return servedSerial().equals(serial);
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void certificateFilesWhenReplacedThenNewHandshakesGetTheNewOneAndOpenConnectionsKeepWorking(
            CapturedOutput output) throws Exception {
        assertThat(servedSerial()).isEqualTo(A.serial());
        // one keep-alive connection, opened with A
        HttpClient open = HttpClient.newBuilder().sslContext(CA.trustingContext()).build();
        HttpResponse<String> before = discovery(open);
        assertThat(before.statusCode()).isEqualTo(200);
        assertThat(serialOf(before)).isEqualTo(A.serial());

        // B written over A, certificate first: for a moment the files hold B's certificate with A's key
        TestCa.Issued b = CA.server("CN=127.0.0.1,O=B");
        b.writeChain(dir.resolve("tls.crt"), dir.resolve("tls.key"));
        await("new handshakes present B", () -> serves(b.serial()));

        HttpResponse<String> after = discovery(open);
        assertThat(after.statusCode()).isEqualTo(200);
        assertThat(serialOf(after)).as("the connection opened before the reload").isEqualTo(A.serial());
        HttpResponse<String> fresh = discovery(HttpClient.newBuilder().sslContext(CA.trustingContext()).build());
        assertThat(fresh.statusCode()).isEqualTo(200);
        assertThat(serialOf(fresh)).isEqualTo(b.serial());
        assertThat(output.getAll()).contains("TLS: reloaded, new connections get certificate serial "
                + b.serial().toString(16));

        // a broken replacement: B stays, the error names the file and what is wrong
        Files.writeString(dir.resolve("tls.crt"), "-----BEGIN CERTIFICATE-----\nnot a certificate\n"
                + "-----END CERTIFICATE-----\n");
        await("the broken replacement is logged", () -> output.getAll().contains(
                "TLS: the replacement is not used, certificate serial " + b.serial().toString(16)));
        assertThat(output.getAll()).contains("SEGURA_TLS_CERT " + dir.resolve("tls.crt")
                + " is not a PEM certificate file");
        assertThat(servedSerial()).isEqualTo(b.serial());
        assertThat(discovery(open).statusCode()).isEqualTo(200);

        // and the next good replacement is still seen
        TestCa.Issued c = CA.server("CN=127.0.0.1,O=C");
        c.writeChain(dir.resolve("tls.crt"), dir.resolve("tls.key"));
        await("new handshakes present C", () -> serves(c.serial()));

        // no key material in the log, whatever went wrong
        for (TestCa.Issued issued : new TestCa.Issued[] {A, b, c}) {
            String key = Base64.getEncoder().encodeToString(issued.keys().getPrivate().getEncoded());
            assertThat(output.getAll()).doesNotContain(key.substring(key.length() / 2 - 16, key.length() / 2 + 16));
        }
        assertThat(output.getAll()).doesNotContain("PRIVATE KEY");
    }
}
