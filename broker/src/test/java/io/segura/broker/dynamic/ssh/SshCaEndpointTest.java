// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic.ssh;

import static io.segura.broker.dynamic.ssh.TestAuthorities.CTX;
import static io.segura.broker.dynamic.ssh.TestAuthorities.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.segura.testkit.postgres.PostgresExtension;
import io.segura.testkit.ssh.OpenSsh;
import io.segura.testkit.ssh.Sshd;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A real broker started with exactly the trust config of {@code docs/DYNAMIC-SECRETS.md} ("SSH certificates"): the
 * public-key route generates and serves the CA key a host trusts, a real sshd with that key accepts the certificate,
 * and the KRL route lists it once its lease is revoked ({@code ssh-keygen -Q}). No credentials are needed: both
 * routes are for hosts.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "60s")
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class SshCaEndpointTest {

    static final Path DOC = Path.of("..", "docs", "DYNAMIC-SECRETS.md");

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    @TempDir
    static Path dir;

    @Autowired
    WebTestClient web;

    @Autowired
    SshCertificateAuthority authority;

    @DynamicPropertySource
    static void broker(DynamicPropertyRegistry registry) throws IOException {
        Path config = Files.createTempFile("segura-ssh-doc", ".yaml");
        Files.writeString(config, documentedConfig(), StandardCharsets.UTF_8);
        registry.add("segura.config", config::toString);
        registry.add("segura.database-url", () -> "r2dbc:postgresql://" + PG.database().user() + "@"
                + PG.database().host() + ":" + PG.database().port() + "/" + PG.database().name());
        registry.add("segura.master-key", () -> "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
        registry.add("segura.admin-token", () -> "test-admin-token-0123456789abcdef0123456789");
    }

    /** The first yaml block under "## SSH certificates" in the doc, as a user would copy it. */
    static String documentedConfig() throws IOException {
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        String section = doc.substring(doc.indexOf("## SSH certificates"));
        Matcher m = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL).matcher(section);
        if (!m.find()) {
            throw new IllegalStateException(DOC + " has no ```yaml block under \"## SSH certificates\"");
        }
        return m.group(1);
    }

    @Test
    void publicKeyWhenHostTrustsItThenTheBrokersCertificateLogsInAndAfterRevocationTheKrlListsIt() {
        String publicKey = web.get().uri("/api/v2/ssh/deploy/public-key").exchange()
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_PLAIN)
                .expectBody(String.class).returnResult().getResponseBody();
        assertThat(publicKey).matches("ssh-ed25519 AAAA[A-Za-z0-9+/=]+ segura ssh/deploy\n");
        assertThat(web.get().uri("/api/v2/ssh/deploy/public-key").exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody()).isEqualTo(publicKey);

        Path key = OpenSsh.keyPair(dir, "job", "ed25519", null);
        SignedCertificate cert = authority.sign(new SshSignRequest("ssh/deploy", OpenSsh.publicLine(key), CTX,
                "lease-doc", "deploy-prod", Instant.now().plus(Duration.ofMinutes(10)))).block(TIMEOUT);
        assertThat(cert.principals()).containsExactly("deploy-74", "ci");
        Path certFile = OpenSsh.write(Path.of(key + "-cert.pub"), cert.certificate() + "\n");
        try (Sshd sshd = Sshd.start(dir, publicKey.strip(), List.of("deploy-74"), null)) {
            OpenSsh.Result login = sshd.login(key, certFile);
            assertThat(login.exit()).as(login.output() + sshd.log()).isZero();
        }

        byte[] before = krl();
        assertThat(Arrays.copyOf(before, 8)).isEqualTo(KeyRevocationList.MAGIC);
        Path beforeFile = OpenSsh.write(dir.resolve("before.krl"), before);
        assertThat(OpenSsh.run(dir, "ssh-keygen", "-Q", "-f", beforeFile.toString(), certFile.toString()).output())
                .contains(": ok");
        assertThat(authority.revokeLease("lease-doc").block(TIMEOUT)).isEqualTo(1);
        Path afterFile = OpenSsh.write(dir.resolve("after.krl"), krl());
        OpenSsh.Result revoked = OpenSsh.run(dir, "ssh-keygen", "-Q", "-f", afterFile.toString(), certFile.toString());
        assertThat(revoked.exit()).isNotZero();
        assertThat(revoked.output()).contains("REVOKED");
    }

    @Test
    void routesWhenCaIsUnknownThenProblem404() {
        for (String route : List.of("/api/v2/ssh/nope/public-key", "/api/v2/ssh/nope/krl")) {
            web.get().uri(route).exchange()
                    .expectStatus().isNotFound()
                    .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectBody()
                    .jsonPath("$.type").isEqualTo("https://segura.dev/problems/unknown-ssh-ca")
                    .jsonPath("$.detail").value(d -> assertThat((String) d).contains("\"nope\""));
        }
    }

    private byte[] krl() {
        return web.get().uri("/api/v2/ssh/deploy/krl").exchange()
                .expectStatus().isOk()
                .expectHeader().contentType(MediaType.APPLICATION_OCTET_STREAM)
                .expectHeader().cacheControl(org.springframework.http.CacheControl.noCache())
                .expectBody(byte[].class).returnResult().getResponseBody();
    }
}
