// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.testkit.postgres.PostgresExtension;
import io.segura.testkit.tls.TestCa;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * RFC 8705 client authentication by certificate for the client-credentials grant, over the broker's own TLS
 * ({@code SEGURA_TLS_*}, client certificates "want"), with certificates made at test time by BouncyCastle: a valid
 * registered certificate gets a session; an expired one, one from another CA with the registered subject, and one
 * with an unregistered subject are each refused as {@code invalid_client} naming the reason, and audited as
 * {@code token.rejected} with that reason and without any key material.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class ClientCertificateTest {

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    static final String MASTER_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    static final String ADMIN_TOKEN = "test-admin-token-0123456789abcdef0123456789";
    static final String SUBJECT = "CN=bamboo-mtls,O=Acme";

    static final TestCa SERVER_CA = TestCa.create("CN=Segura test server CA");
    static final TestCa CLIENT_CA = TestCa.create("CN=Segura test client CA");
    static final TestCa OTHER_CA = TestCa.create("CN=Somebody else's CA");
    static final TestCa.Issued VALID = CLIENT_CA.client(SUBJECT);
    static final TestCa.Issued EXPIRED = CLIENT_CA.client(SUBJECT, Instant.now().minus(Duration.ofDays(3)),
            Instant.now().minus(Duration.ofDays(1)));
    static final TestCa.Issued WRONG_CA = OTHER_CA.client(SUBJECT);
    static final TestCa.Issued WRONG_SUBJECT = CLIENT_CA.client("CN=intruder,O=Acme");

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void broker(DynamicPropertyRegistry registry) throws Exception {
        Path dir = Files.createTempDirectory("segura-client-cert");
        SERVER_CA.server("CN=127.0.0.1").writeChain(dir.resolve("tls.crt"), dir.resolve("tls.key"));
        CLIENT_CA.writeCertificate(dir.resolve("client-ca.crt"));
        Path config = dir.resolve("trust.yaml");
        Files.writeString(config, """
                roles:
                  - name: nightly
                    clients: [bamboo-mtls]
                    secrets: ["db/staging/*"]
                clients:
                  - id: bamboo-mtls
                    mtls-subject: "CN=bamboo-mtls, O=Acme"
                """);
        registry.add("segura.config", config::toString);
        registry.add("segura.database-url", PG::r2dbcUrl);
        registry.add("segura.master-key", () -> MASTER_KEY);
        registry.add("segura.admin-token", () -> ADMIN_TOKEN);
        registry.add("segura.tls.cert", () -> dir.resolve("tls.crt").toString());
        registry.add("segura.tls.key", () -> dir.resolve("tls.key").toString());
        registry.add("segura.tls.client-ca", () -> dir.resolve("client-ca.crt").toString());
    }

    private HttpResponse<String> token(SSLContext tls, String clientId) throws Exception {
        String form = "grant_type=client_credentials&scope=role:nightly"
                + (clientId == null ? "" : "&client_id=" + clientId);
        return HttpClient.newBuilder().sslContext(tls).build().send(
                HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/oauth2/token"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(form)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String rejections() throws Exception {
        return HttpClient.newBuilder().sslContext(SERVER_CA.trustingContext()).build().send(
                HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port
                                + "/api/v2/a2a/events?limit=1000&type=token.rejected"))
                        .header("Authorization", "Bearer " + ADMIN_TOKEN).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void clientCredentialsWhenValidRegisteredCertificateThenSession() throws Exception {
        HttpResponse<String> response = token(VALID.clientContext(SERVER_CA), "bamboo-mtls");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"scope\":\"role:nightly\"", "sgs_");
        // RFC 8705 §2 has the client send client_id (the shared client always does); the broker also finds the
        // client by its certificate alone, as the Jenkins plugin's key-store credential relies on
        assertThat(token(VALID.clientContext(SERVER_CA), null).statusCode()).isEqualTo(200);
    }

    @Test
    void clientCredentialsWhenExpiredCertificateThenInvalidClientSayingExpired() throws Exception {
        HttpResponse<String> response = token(EXPIRED.clientContext(SERVER_CA), "bamboo-mtls");
        assertRefused(response, "client-certificate-expired", "expired at "
                + EXPIRED.certificate().getNotAfter().toInstant(), EXPIRED);
    }

    @Test
    void clientCredentialsWhenRegisteredSubjectFromAnotherCaThenInvalidClientSayingUntrusted() throws Exception {
        HttpResponse<String> response = token(WRONG_CA.clientContext(SERVER_CA), "bamboo-mtls");
        assertRefused(response, "client-certificate-untrusted", "does not chain to a CA in SEGURA_TLS_CLIENT_CA",
                WRONG_CA);
        assertThat(response.body()).contains("Somebody else's CA");
    }

    @Test
    void clientCredentialsWhenUnregisteredSubjectThenInvalidClientSayingNotRegistered() throws Exception {
        HttpResponse<String> response = token(WRONG_SUBJECT.clientContext(SERVER_CA), null);
        assertRefused(response, "client-certificate-unknown-subject", "is not a registered client", WRONG_SUBJECT);
        assertThat(response.body()).contains("CN=intruder");
    }

    @Test
    void clientCredentialsWhenNoCertificateAndNoSecretThenInvalidClient() throws Exception {
        HttpResponse<String> response = token(SERVER_CA.trustingContext(), null);
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).contains("invalid_client", "client authentication is required");
    }

    private void assertRefused(HttpResponse<String> response, String reason, String detail, TestCa.Issued used)
            throws Exception {
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).contains("\"error\":\"invalid_client\"", detail)
                .doesNotContain("sgs_");
        String serial = used.serial().toString(16);
        String audit = rejections();
        assertThat(audit).contains(reason + ": ").contains(serial);
        // the key never travels, but the audit record and the answer must not carry any encoding of it either
        String key = Base64.getEncoder().encodeToString(used.keys().getPrivate().getEncoded());
        String keyMiddle = key.substring(key.length() / 2 - 16, key.length() / 2 + 16);
        assertThat(audit + response.body()).doesNotContain(keyMiddle).doesNotContain("PRIVATE KEY");
    }
}
