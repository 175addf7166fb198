// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import io.segura.broker.SeguraBrokerApplication;
import io.segura.testkit.net.TcpProxy;
import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.postgres.PostgresExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.BodyInserters;

/**
 * Base of the HTTP tests: a real broker on a random port, its own PostgreSQL database (reached through a
 * {@link TcpProxy} so a test can take the database down), and an OIDC issuer simulator over real HTTP that mints the
 * CI tokens. The trust config below is what every subclass tests against.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
// Behaviour, not latency, is under test: a loaded 2-core CI machine can take seconds for one request.
@AutoConfigureWebTestClient(timeout = "60s")
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
abstract class BrokerHttpTest {

    static final String AUDIENCE = "https://segura.test";
    static final String ADMIN_TOKEN = "test-admin-token-0123456789abcdef0123456789";
    static final String MASTER_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    static final String CLIENT_SECRET = "bamboo-client-secret-123";
    static final String TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
    static final String JWT_TYPE = "urn:ietf:params:oauth:token-type:jwt";

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    static final IssuerSimulator ISSUER = IssuerSimulator.start();
    /** A second issuer, only for outage tests, so its key cache state never depends on test order. */
    static final IssuerSimulator OUTAGE_ISSUER = IssuerSimulator.builder().path("/outage").start();
    static TcpProxy databaseProxy;
    static Path configFile;

    @Autowired
    WebTestClient web;

    @DynamicPropertySource
    static void broker(DynamicPropertyRegistry registry) throws IOException {
        configFile = Files.createTempFile("segura-test", ".yaml");
        Files.writeString(configFile, config(), StandardCharsets.UTF_8);
        registry.add("segura.config", configFile::toString);
        registry.add("segura.database-url", () -> {
            try {
                if (databaseProxy == null) {
                    databaseProxy = TcpProxy.start(PG.database().host(), PG.database().port());
                    // after the broker stops: closed before, it would reset the connections of a running broker
                    PG.closeAfterClass(() -> {
                        databaseProxy.close();
                        databaseProxy = null;
                    });
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return "r2dbc:postgresql://" + PG.database().user() + "@127.0.0.1:" + databaseProxy.port() + "/"
                    + PG.database().name();
        });
        registry.add("segura.master-key", () -> MASTER_KEY);
        registry.add("segura.admin-token", () -> ADMIN_TOKEN);
        registry.add("segura.sweep-interval", () -> "200ms");
        registry.add("segura.token-rate-per-ip", () -> "100000");
        registry.add("segura.token-rate-per-subject", () -> "0.5");
    }

    static String config() {
        return """
                issuers:
                  - name: ci
                    issuer: %s
                    audiences: ["%s"]
                  - name: ci-outage
                    issuer: %s
                    audiences: ["%s"]
                roles:
                  - name: deploy
                    issuers: [ci]
                    bound-claims:
                      repository_id: "74"
                      ref: refs/heads/main
                    secrets: ["db/prod/*", "api/key"]
                    session-ttl: 10m
                    max-lease-ttl: 30m
                  - name: build
                    issuers: [ci]
                    bound-claims:
                      repository_id: "75"
                    secrets: ["db/staging/*"]
                  - name: gated
                    issuers: [ci]
                    bound-claims:
                      repository_id: "76"
                    secrets: ["db/prod/*"]
                    policies: [gate]
                  - name: conditional
                    issuers: [ci]
                    bound-claims:
                      repository_id: "77"
                    condition: 'claims.ref == "refs/heads/main"'
                    secrets: ["db/prod/*"]
                  - name: twin-a
                    issuers: [ci]
                    bound-claims:
                      repository_id: "80"
                    secrets: ["db/staging/*"]
                  - name: twin-b
                    issuers: [ci]
                    bound-claims:
                      repository_id: "80"
                    secrets: ["db/staging/*"]
                  - name: outage
                    issuers: [ci-outage]
                    bound-claims:
                      repository_id: "90"
                    secrets: ["db/staging/*"]
                  - name: bamboo
                    clients: [bamboo-ci]
                    secrets: ["db/staging/*"]
                policies:
                  - name: gate
                    mode: enforce
                    max-secret-age: 90d
                clients:
                  - id: bamboo-ci
                    secret-sha256: "%s"
                """.formatted(ISSUER.issuer(), AUDIENCE, OUTAGE_ISSUER.issuer(), AUDIENCE, sha256(CLIENT_SECRET));
    }

    /** A CI token for the given repository id on main, with a fresh subject so per-subject limits don't interfere. */
    static String ciToken(String repositoryId) {
        return ciToken("repo:acme/app-" + UUID.randomUUID() + ":ref:refs/heads/main", repositoryId);
    }

    /** A CI token of {@code subject} for the given repository id on main. */
    static String ciToken(String subject, String repositoryId) {
        Map<String, Object> claims = new HashMap<>();
        claims.put("aud", AUDIENCE);
        claims.put("sub", subject);
        claims.put("repository_id", repositoryId);
        claims.put("ref", "refs/heads/main");
        return ISSUER.mint(claims);
    }

    WebTestClient.ResponseSpec exchange(String subjectToken, String role) {
        var form = BodyInserters.fromFormData("grant_type", TOKEN_EXCHANGE)
                .with("subject_token_type", JWT_TYPE)
                .with("subject_token", subjectToken);
        if (role != null) {
            form = form.with("scope", "role:" + role);
        }
        return web.post().uri("/oauth2/token").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .body(form).exchange();
    }

    /** Exchanges a fresh token of {@code repositoryId} and returns the session token. */
    String session(String repositoryId, String role) {
        return sessionOf(ciToken(repositoryId), role);
    }

    /** Exchanges a token of {@code subject} for {@code repositoryId} and returns the session token. */
    String session(String subject, String repositoryId, String role) {
        return sessionOf(ciToken(subject, repositoryId), role);
    }

    /** Exchanges {@code token} for {@code role} and returns the session token. */
    private String sessionOf(String token, String role) {
        Map<?, ?> body = exchange(token, role).expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody();
        return (String) body.get("access_token");
    }

    /** A second broker on this class's database (another replica), with {@code config} as its trust configuration. */
    record Replica(ConfigurableApplicationContext context, WebTestClient web) implements AutoCloseable {
        @Override
        public void close() {
            context.close();
        }
    }

    static Replica replica(Path config) {
        Map<String, Object> settings = new HashMap<>(Map.of("segura.config", config.toString(),
                "segura.database-url", PG.database().r2dbcUrl(), "segura.master-key", MASTER_KEY,
                "segura.admin-token", ADMIN_TOKEN, "server.port", "0"));
        ConfigurableApplicationContext context = new SpringApplicationBuilder(SeguraBrokerApplication.class)
                .properties(settings).run();
        return new Replica(context, WebTestClient.bindToServer().responseTimeout(Duration.ofSeconds(60))
                .baseUrl("http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port")).build());
    }

    void putSecret(String path, String value) {
        web.put().uri("/api/v2/admin/secrets/" + path).headers(h -> h.setBearerAuth(ADMIN_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("value", value))
                .exchange().expectStatus().isCreated();
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
