// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.broker.dynamic.DynamicRevoker;
import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.postgres.PostgresExtension;
import io.segura.testkit.ssh.OpenSsh;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.BodyInserters;

/**
 * SSH certificates through {@code POST /api/v2/a2a/dynamic-secrets} (DESIGN §6a), on a real broker and PostgreSQL,
 * checked with the real {@code ssh-keygen}: the answer's certificate parses ({@code -L}) with the lease's expiry as
 * its {@code valid-before}; the signing is audited by serial and fingerprints, never key material; every way a lease
 * ends (the holder, the session, an admin's bulk revoke, expiry) puts the serial into the CA's KRL exactly once
 * ({@code ssh-keygen -Q}); and each bad request is a 4xx problem that signs nothing.
 *
 * <p>Logging in with such a certificate against a real sshd is {@code CliSshCertificateTest}'s (through
 * {@code segura-cli exec}); the CA's own login tests are {@code SshLoginTests}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "60s")
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@Import(SshDynamicSecretsEndpointTest.ClockConfiguration.class)
class SshDynamicSecretsEndpointTest {

    static final String AUDIENCE = "https://segura.test";
    static final String ADMIN_TOKEN = "ssh-dynamic-admin-token-0123456789abcdef012345";
    static final String MASTER_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    /** Real time at the start; the expiry test moves it forward (certificates here are checked by ssh-keygen only). */
    static final TestClock CLOCK = new TestClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    static final IssuerSimulator ISSUER = IssuerSimulator.builder().clock(CLOCK).start();

    @TempDir
    static Path dir;

    @Autowired
    WebTestClient web;
    @Autowired
    DynamicRevoker revoker;

    @TestConfiguration(proxyBeanMethods = false)
    static class ClockConfiguration {
        @Bean
        @Primary
        Clock testClock() {
            return CLOCK;
        }
    }

    @DynamicPropertySource
    static void broker(DynamicPropertyRegistry registry) {
        registry.add("segura.config", () -> {
            try {
                Path file = Files.createTempFile("segura-ssh-dynamic", ".yaml");
                Files.writeString(file, config(), StandardCharsets.UTF_8);
                return file.toString();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        registry.add("segura.database-url", PG::r2dbcUrl);
        registry.add("segura.master-key", () -> MASTER_KEY);
        registry.add("segura.admin-token", () -> ADMIN_TOKEN);
        registry.add("segura.sweep-interval", () -> "1h");
        registry.add("segura.token-rate-per-ip", () -> "100000");
        registry.add("segura.token-rate-per-subject", () -> "1000");
    }

    static String config() {
        return """
                issuers:
                  - name: gh
                    preset: github-actions
                    issuer: %s
                    audiences: ["%s"]
                roles:
                  - name: deployer
                    issuers: [gh]
                    bound-claims: {repository_id: "401"}
                    dynamic: [ssh/deploy, db/pg]
                    max-lease-ttl: 10m
                  - name: deployer-bulk
                    issuers: [gh]
                    bound-claims: {repository_id: "403"}
                    dynamic: [ssh/deploy]
                  - name: static-only
                    issuers: [gh]
                    bound-claims: {repository_id: "402"}
                    secrets: ["app/*"]
                dynamic:
                  ssh:
                    - name: ssh/deploy
                      ca-key-secret: ssh/ca/deploy
                      principals: ["deploy-${ctx.repository_id}", ci]
                      extensions: [permit-pty]
                      max-ttl: 15m
                  postgresql:
                    - name: db/pg
                      connection:
                        url: postgresql://%s:%d/%s
                        username: %s
                        password-secret: dyn/pg-admin
                      creation:
                        - CREATE ROLE "{{name}}" LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'
                """.formatted(ISSUER.issuer(), AUDIENCE, PG.database().host(), PG.database().port(),
                PG.database().name(), PG.database().user());
    }

    // ---- the answer and its audit record ----------------------------------------------------------------------

    @Test
    void issueWhenPublicKeyThenCreatedWithACertificateValidUntilTheLeaseEndsAndAuditedWithoutKeyMaterial() {
        String session = session("401", "deployer");
        Path key = OpenSsh.keyPair(dir, "job-" + UUID.randomUUID(), "ed25519", null);
        String publicKey = OpenSsh.publicLine(key);

        Map<String, Object> issued = web.post().uri("/api/v2/a2a/dynamic-secrets").headers(h -> h.setBearerAuth(session))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", "ssh/deploy", "public_key", publicKey, "ttl", "5m")).exchange()
                .expectStatus().isCreated()
                .expectHeader().cacheControl(CacheControl.noStore())
                .expectBody(JSON_MAP).returnResult().getResponseBody();
        String leaseId = (String) issued.get("lease_id");
        Map<String, Object> cred = credential(issued);
        assertThat(issued.get("name")).isEqualTo("ssh/deploy");
        assertThat(issued.get("engine")).isEqualTo("ssh");
        assertThat(issued.get("renewable")).isEqualTo(false);
        assertThat(Duration.between(Instant.parse((String) issued.get("issued_at")),
                Instant.parse((String) issued.get("expires_at")))).isLessThanOrEqualTo(Duration.ofMinutes(5))
                .isGreaterThan(Duration.ofMinutes(4));
        // valid-before is the lease's expiry, to the second
        assertThat(Instant.parse((String) cred.get("valid_before")))
                .isEqualTo(Instant.parse((String) issued.get("expires_at")));
        assertThat((String) cred.get("certificate")).startsWith("ssh-ed25519-cert-v01@openssh.com AAAA");
        assertThat(cred.get("principals")).isEqualTo(List.of("deploy-401", "ci"));
        long serial = ((Number) cred.get("serial")).longValue();
        assertThat(serial).isPositive();
        assertThat((String) cred.get("key_id")).contains("lease=" + leaseId, "engine=ssh/deploy", "role=deployer");
        assertThat(cred.get("public_key_fingerprint")).isEqualTo(fingerprint(key));

        // OpenSSH reads it: type, serial, principals, validity, the engine's extensions only
        Path cert = OpenSsh.write(Path.of(key + "-cert.pub"), cred.get("certificate") + "\n");
        String described = OpenSsh.describe(dir, cert);
        assertThat(described).contains("Type: ssh-ed25519-cert-v01@openssh.com user certificate",
                "Serial: " + serial, "Key ID: \"segura lease=" + leaseId, "permit-pty");
        assertThat(described).containsPattern("Principals: \\n\\s+deploy-401\\n\\s+ci\\n");
        assertThat(described).contains(" to " + localUtc(Instant.parse((String) issued.get("expires_at"))));

        // the signing is audited by serial and fingerprints; no key, public or private, and no certificate
        Map<String, String> event = auditEvent("dynamic.issued", leaseId);
        assertThat(event.get("details")).contains("\"name\":\"ssh/deploy\"", "\"engine\":\"ssh\"",
                "\"serial\":" + serial, "\"public_key_fingerprint\":\"" + fingerprint(key) + "\"",
                "\"ca_fingerprint\":\"SHA256:", "\"username\":\"serial " + serial + "\"");
        String keyBase64 = publicKey.split(" ")[1];
        String certBase64 = ((String) cred.get("certificate")).split(" ")[1];
        for (String column : event.values()) {
            if (column != null) {
                assertThat(column).doesNotContain(keyBase64).doesNotContain(certBase64)
                        .doesNotContain(keyBase64.substring(20, 60)).doesNotContain("PRIVATE KEY");
            }
        }
        assertThat(certificateRow(serial).get("lease_id")).isEqualTo(leaseId);
    }

    @Test
    void issueWhenNoTtlThenTheEnginesDefaultCappedByTheRole() {
        Map<String, Object> issued = issue(session("401", "deployer"), null);
        // the engine's default is 15m (its max-ttl); the role's max-lease-ttl of 10m caps it
        assertThat(Duration.between(Instant.parse((String) issued.get("issued_at")),
                Instant.parse((String) issued.get("expires_at")))).isLessThanOrEqualTo(Duration.ofMinutes(10))
                .isGreaterThan(Duration.ofMinutes(9));
    }

    // ---- bad requests: a problem each, nothing signed -----------------------------------------------------------

    static Stream<Arguments> badRequests() {
        return Stream.of(
                Arguments.of("not a key", body("ssh/deploy", "hello world", null), "deployer", 422,
                        "invalid-public-key", "public_key"),
                Arguments.of("a private key", body("ssh/deploy", "-----BEGIN OPENSSH PRIVATE KEY-----", null),
                        "deployer", 422, "invalid-public-key", "only the public key"),
                Arguments.of("a DSA key", body("ssh/deploy", keyLine("ssh-dss"), null), "deployer", 422,
                        "invalid-public-key", "has type `ssh-dss`, which this CA does not sign"),
                Arguments.of("a security-key (sk) key", body("ssh/deploy", keyLine("sk-ssh-ed25519@openssh.com"),
                        null), "deployer", 422, "invalid-public-key", "has type `sk-ssh-ed25519@openssh.com`"),
                Arguments.of("no public_key", body("ssh/deploy", null, null), "deployer", 422,
                        "invalid-dynamic-request", "public_key is required"),
                Arguments.of("a field the engine does not take", withField(body("ssh/deploy", keyLine(
                        "ssh-ed25519"), null), "principals", "root"), "deployer", 422, "unknown-field", "principals"),
                Arguments.of("TTL over the engine's max-ttl", body("ssh/deploy", keyLine("ssh-ed25519"), "20m"),
                        "deployer-bulk", 422, "ttl-over-cap", "over the cap of 900s"),
                Arguments.of("TTL over the role's max-lease-ttl", body("ssh/deploy", keyLine("ssh-ed25519"), "12m"),
                        "deployer", 422, "ttl-over-cap", "over the cap of 600s"),
                Arguments.of("a role without the engine", body("ssh/deploy", keyLine("ssh-ed25519"), null),
                        "static-only", 403, "dynamic-not-allowed", "may not request dynamic secret \"ssh/deploy\""),
                Arguments.of("an engine nobody defined", body("ssh/nope", keyLine("ssh-ed25519"), null), "deployer",
                        404, "dynamic-secret-not-found", "ssh/nope"),
                Arguments.of("public_key sent to a database engine", body("db/pg", keyLine("ssh-ed25519"), null),
                        "deployer", 422, "unknown-field", "takes only name and ttl"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void issueWhenBadRequestThenProblemAndNothingSignedOrRecorded(String name, Map<String, String> body, String role,
            int status, String type, String detail) throws SQLException {
        String repository = switch (role) {
            case "deployer" -> "401";
            case "static-only" -> "402";
            default -> "403";
        };
        String session = session(repository, role);
        int certificates = count("SELECT count(*) FROM ssh_certificates");
        int credentials = count("SELECT count(*) FROM dynamic_credentials");
        int denied = count("SELECT count(*) FROM audit_events WHERE type = 'lease.denied'");

        web.post().uri("/api/v2/a2a/dynamic-secrets").headers(h -> h.setBearerAuth(session))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange()
                .expectStatus().isEqualTo(status)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.type").isEqualTo("https://segura.dev/problems/" + type)
                .jsonPath("$.status").isEqualTo(status)
                .jsonPath("$.detail").value(d -> assertThat((String) d).contains(detail));

        assertThat(count("SELECT count(*) FROM ssh_certificates")).isEqualTo(certificates);
        assertThat(count("SELECT count(*) FROM dynamic_credentials")).isEqualTo(credentials);
        // refused requests are audited (the engine's refusals as well as the role's), never with the key itself
        assertThat(count("SELECT count(*) FROM audit_events WHERE type = 'lease.denied'")).isEqualTo(denied + 1);
        String key = body.get("public_key");
        if (key != null && key.contains(" ")) {
            assertThat(count("SELECT count(*) FROM audit_events WHERE details LIKE '%" + key.split(" ")[1]
                    + "%' OR reason LIKE '%" + key.split(" ")[1] + "%'")).isZero();
        }
    }

    // ---- every end of the lease puts the serial into the KRL, once ------------------------------------------------

    @Test
    void revokeWhenTheHolderEndsTheLeaseThenTheSerialIsInTheKrlExactlyOnce() throws SQLException {
        String session = session("401", "deployer");
        Issued c = issueWithKey(session);
        assertThat(krlSays(c)).as("before the revocation").contains(": ok");

        web.delete().uri("/api/v2/a2a/leases/" + c.leaseId()).headers(h -> h.setBearerAuth(session)).exchange()
                .expectStatus().isNoContent();

        assertThat(krlSays(c)).contains("REVOKED");
        Object revokedAt = certificateRow(c.serial()).get("revoked_at");
        assertThat(revokedAt).isNotNull();
        // the same lease ending again, the session's end, the sweeper: none revokes it a second time
        web.delete().uri("/api/v2/a2a/leases/" + c.leaseId()).headers(h -> h.setBearerAuth(session)).exchange()
                .expectStatus().is2xxSuccessful();
        web.post().uri("/oauth2/revoke").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .body(BodyInserters.fromFormData("token", session)).exchange().expectStatus().isOk();
        revoker.sweep(100).block(Duration.ofSeconds(60));
        assertThat(certificateRow(c.serial()).get("revoked_at")).isEqualTo(revokedAt);
        assertThat(auditCount("dynamic.revoked", c.leaseId())).isEqualTo(1);
        assertThat(auditEvent("dynamic.revoked", c.leaseId()).get("details"))
                .contains("\"engine\":\"ssh\"", "\"username\":\"serial " + c.serial() + "\"");
        assertThat(krlSays(c)).contains("REVOKED");
    }

    @Test
    void revokeWhenTheSessionEndsThenItsCertificatesAreInTheKrl() throws SQLException {
        String session = session("401", "deployer");
        Issued first = issueWithKey(session);
        Issued second = issueWithKey(session);

        web.post().uri("/oauth2/revoke").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .body(BodyInserters.fromFormData("token", session)).exchange().expectStatus().isOk();

        for (Issued c : List.of(first, second)) {
            assertThat(krlSays(c)).contains("REVOKED");
            assertThat(auditCount("dynamic.revoked", c.leaseId())).isEqualTo(1);
        }
    }

    @Test
    void revokeWhenAnAdminRevokesTheRolesLeasesThenTheSerialIsInTheKrl() throws SQLException {
        Issued c = issueWithKey(session("403", "deployer-bulk"));

        web.delete().uri("/api/v2/admin/leases?role=deployer-bulk").headers(h -> h.setBearerAuth(ADMIN_TOKEN))
                .exchange().expectStatus().isOk();

        assertThat(krlSays(c)).contains("REVOKED");
        assertThat(auditCount("dynamic.revoked", c.leaseId())).isEqualTo(1);
    }

    @Test
    void sweepWhenTheLeaseExpiredThenTheSerialIsInTheKrlOnce() throws SQLException {
        Issued c = issueWithKey(session("401", "deployer"), "1m");
        revoker.sweep(100).block(Duration.ofSeconds(60));
        assertThat(certificateRow(c.serial()).get("revoked_at")).as("not expired yet").isNull();

        CLOCK.advance(Duration.ofMinutes(2));
        revoker.sweep(100).block(Duration.ofSeconds(60));
        revoker.sweep(100).block(Duration.ofSeconds(60));

        // still listed: an expired certificate stays in the KRL for an hour, for hosts whose clock runs behind
        assertThat(krlSays(c)).contains("REVOKED");
        assertThat(auditCount("dynamic.revoked", c.leaseId())).isEqualTo(1);
        assertThat(auditEvent("dynamic.revoked", c.leaseId()).get("reason")).isEqualTo("expired");
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    static final org.springframework.core.ParameterizedTypeReference<Map<String, Object>> JSON_MAP =
            new org.springframework.core.ParameterizedTypeReference<>() {
            };

    record Issued(String leaseId, long serial, Path certificate) {
    }

    Issued issueWithKey(String session) {
        return issueWithKey(session, "5m");
    }

    Issued issueWithKey(String session, String ttl) {
        Path key = OpenSsh.keyPair(dir, "job-" + UUID.randomUUID(), "ed25519", null);
        Map<String, Object> issued = issue(session, OpenSsh.publicLine(key), ttl);
        Map<String, Object> cred = credential(issued);
        Path cert = OpenSsh.write(Path.of(key + "-cert.pub"), cred.get("certificate") + "\n");
        return new Issued((String) issued.get("lease_id"), ((Number) cred.get("serial")).longValue(), cert);
    }

    Map<String, Object> issue(String session, String ttl) {
        Path key = OpenSsh.keyPair(dir, "job-" + UUID.randomUUID(), "ed25519", null);
        return issue(session, OpenSsh.publicLine(key), ttl);
    }

    Map<String, Object> issue(String session, String publicKey, String ttl) {
        return web.post().uri("/api/v2/a2a/dynamic-secrets").headers(h -> h.setBearerAuth(session))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body("ssh/deploy", publicKey, ttl)).exchange()
                .expectStatus().isCreated()
                .expectBody(JSON_MAP).returnResult().getResponseBody();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> credential(Map<String, Object> issued) {
        return (Map<String, Object>) issued.get("credential");
    }

    /** {@code ssh-keygen -Q} of the certificate against the CA's KRL as a host would fetch it now. */
    String krlSays(Issued c) {
        byte[] krl = web.get().uri("/api/v2/ssh/deploy/krl").exchange().expectStatus().isOk()
                .expectBody(byte[].class).returnResult().getResponseBody();
        Path file = OpenSsh.write(dir.resolve("krl-" + UUID.randomUUID()), krl);
        return OpenSsh.run(dir, "ssh-keygen", "-Q", "-f", file.toString(), c.certificate().toString()).output();
    }

    static Map<String, String> body(String name, String publicKey, String ttl) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("name", name);
        if (publicKey != null) {
            body.put("public_key", publicKey);
        }
        if (ttl != null) {
            body.put("ttl", ttl);
        }
        return body;
    }

    static Map<String, String> withField(Map<String, String> body, String field, String value) {
        Map<String, String> more = new LinkedHashMap<>(body);
        more.put(field, value);
        return more;
    }

    /** A well-formed public-key line of {@code type}: its blob names the type, then 32 bytes of key. */
    static String keyLine(String type) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            byte[] name = type.getBytes(StandardCharsets.US_ASCII);
            out.writeInt(name.length);
            out.write(name);
            out.writeInt(32);
            out.write(new byte[32]);
            return type + " " + Base64.getEncoder().encodeToString(bytes.toByteArray()) + " made-up";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String fingerprint(Path key) {
        String out = OpenSsh.run(dir, "ssh-keygen", "-l", "-E", "sha256", "-f", key + ".pub")
                .requireSuccess("ssh-keygen -l").output();
        return out.split(" ")[1];
    }

    /** ssh-keygen -L prints validity in local time; OpenSsh.run sets TZ=UTC. */
    static String localUtc(Instant t) {
        return java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(java.time.ZoneOffset.UTC)
                .format(t);
    }

    String session(String repositoryId, String role) {
        Map<String, Object> claims = new HashMap<>();
        claims.put("aud", AUDIENCE);
        claims.put("sub", "repo:acme/app:ref:refs/heads/main");
        claims.put("repository", "acme/app");
        claims.put("repository_id", repositoryId);
        claims.put("repository_owner", "acme");
        claims.put("ref", "refs/heads/main");
        claims.put("run_id", "9001");
        claims.put("jti", UUID.randomUUID().toString());
        var form = BodyInserters.fromFormData("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange")
                .with("subject_token_type", "urn:ietf:params:oauth:token-type:jwt")
                .with("subject_token", ISSUER.mint(claims))
                .with("scope", "role:" + role);
        Map<?, ?> body = web.post().uri("/oauth2/token").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .body(form).exchange().expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
        return (String) body.get("access_token");
    }

    static Map<String, Object> certificateRow(long serial) {
        try (Connection c = PG.database().connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT lease_id, revoked_at FROM ssh_certificates WHERE serial = "
                        + serial)) {
            assertThat(rs.next()).as("a row for serial " + serial).isTrue();
            Map<String, Object> row = new HashMap<>();
            row.put("lease_id", rs.getString(1));
            row.put("revoked_at", rs.getObject(2));
            return row;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, String> auditEvent(String type, String leaseId) {
        List<Map<String, String>> rows = new ArrayList<>();
        query("SELECT role, subject, ctx, lease_id, secrets, reason, details FROM audit_events WHERE type = '" + type
                + "' AND lease_id = '" + leaseId + "'", rs -> {
                    try {
                        Map<String, String> row = new HashMap<>();
                        for (String col : List.of("role", "subject", "ctx", "lease_id", "secrets", "reason",
                                "details")) {
                            row.put(col, rs.getString(col));
                        }
                        rows.add(row);
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
        assertThat(rows).as(type + " events of lease " + leaseId).hasSize(1);
        return rows.get(0);
    }

    static int auditCount(String type, String leaseId) throws SQLException {
        return count("SELECT count(*) FROM audit_events WHERE type = '" + type + "' AND lease_id = '" + leaseId + "'");
    }

    static int count(String sql) throws SQLException {
        int[] n = new int[1];
        query(sql, rs -> {
            try {
                n[0] = rs.getInt(1);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        return n[0];
    }

    static void query(String sql, Consumer<ResultSet> row) {
        try (Connection c = PG.database().connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                row.accept(rs);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
