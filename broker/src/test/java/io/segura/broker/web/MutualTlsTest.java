// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.testkit.postgres.PostgresExtension;
import io.segura.testkit.tls.TestIdentity;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Client credentials by mTLS certificate subject, over a real TLS server with {@code client-auth: want}: the right
 * certificate gets a session, an unknown subject or no certificate gets {@code invalid_client}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class MutualTlsTest {

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    static Path dir;
    static TestIdentity server;
    static TestIdentity client;
    static TestIdentity stranger;

    @LocalServerPort
    int port;

    @BeforeAll
    static void identities() throws Exception {
        if (dir == null) {
            init();
        }
    }

    private static synchronized void init() throws Exception {
        if (dir != null) {
            return;
        }
        dir = Files.createTempDirectory("segura-mtls");
        server = TestIdentity.create("server", "CN=127.0.0.1", dir);
        client = TestIdentity.create("bamboo", "CN=bamboo-mtls,O=Acme", dir);
        stranger = TestIdentity.create("stranger", "CN=stranger,O=Elsewhere", dir);
        // the broker trusts the registered client's certificate and the stranger's: the subject decides
        TestIdentity.trusting(dir.resolve("trust.p12"), "trustpass", client, stranger);
    }

    @DynamicPropertySource
    static void broker(DynamicPropertyRegistry registry) throws Exception {
        init();
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
        registry.add("segura.master-key", () -> BrokerHttpTest.MASTER_KEY);
        registry.add("server.ssl.enabled", () -> "true");
        registry.add("server.ssl.key-store", () -> "file:" + server.keyStore());
        registry.add("server.ssl.key-store-password", server::password);
        registry.add("server.ssl.key-store-type", () -> "PKCS12");
        registry.add("server.ssl.client-auth", () -> "want");
        registry.add("server.ssl.trust-store", () -> "file:" + dir.resolve("trust.p12"));
        registry.add("server.ssl.trust-store-password", () -> "trustpass");
        registry.add("server.ssl.trust-store-type", () -> "PKCS12");
    }

    private HttpResponse<String> token(HttpClient http) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/oauth2/token"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&scope=role:nightly"))
                        .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void clientCredentialsWhenRegisteredCertificateThenSession() throws Exception {
        HttpResponse<String> response = token(HttpClient.newBuilder().sslContext(client.clientContext(server)).build());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"scope\":\"role:nightly\"", "sgs_");
    }

    @Test
    void clientCredentialsWhenUnknownSubjectThenInvalidClient() throws Exception {
        HttpResponse<String> response = token(HttpClient.newBuilder().sslContext(stranger.clientContext(server))
                .build());
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).contains("invalid_client", "CN=stranger");
    }

    @Test
    void clientCredentialsWhenNoCertificateAndNoSecretThenInvalidClient() throws Exception {
        HttpResponse<String> response = token(HttpClient.newBuilder()
                .sslContext(TestIdentity.anonymousContext(server)).build());
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).contains("invalid_client");
    }
}
