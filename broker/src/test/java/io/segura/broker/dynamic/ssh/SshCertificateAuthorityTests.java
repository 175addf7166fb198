// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic.ssh;

import static io.segura.broker.dynamic.ssh.TestAuthorities.CTX;
import static io.segura.broker.dynamic.ssh.TestAuthorities.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segura.broker.Refusal;
import io.segura.broker.config.SshEngineSpec;
import io.segura.broker.federation.RunContext;
import io.segura.broker.vault.MigratedDatabase;
import io.segura.broker.vault.SecretStore;
import io.segura.broker.vault.SecretValue;
import io.segura.testkit.postgres.PostgresExtension;
import io.segura.testkit.ssh.OpenSsh;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import reactor.core.publisher.Flux;

/**
 * The CA over a real PostgreSQL: its key generated into the vault exactly once (and audited), an imported ssh-keygen
 * key used as it is, serials unique, revocations idempotent and in the KRL that {@code ssh-keygen -Q} reads, every bad
 * request refused with its own reason, and the private key in no log and no error.
 */
@ExtendWith(OutputCaptureExtension.class)
class SshCertificateAuthorityTests {

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    @TempDir
    static Path dir;

    static MigratedDatabase database;
    static List<SshEngineSpec> engines;

    @BeforeAll
    static void migrate() {
        database = MigratedDatabase.postgres(PG);
        engines = TestAuthorities.engines("""
                    - name: ssh/deploy
                      ca-key-secret: ssh/ca/deploy
                      principals: ["deploy-${ctx.repository_id}", "ci"]
                      critical-options:
                        force-command: /usr/local/bin/deploy
                        source-address: [10.0.0.0/8, "2001:db8::/32"]
                      extensions: [permit-pty, permit-port-forwarding]
                      max-ttl: 15m
                    - name: ssh/imported
                      ca-key-secret: ssh/ca/imported
                      principals: ["${ctx.actor}"]
                      key-types: [ssh-rsa]
                    - name: ssh/p384
                      ca-key-secret: ssh/ca/p384
                      ca-key-type: ecdsa-sha2-nistp384
                      principals: [ops]
                """);
    }

    @Test
    void signWhenManyFirstUsesRaceThenOneCaKeyIsGeneratedWrittenOnceAndAudited(CapturedOutput output) {
        SshCertificateAuthority ca = TestAuthorities.authority(database, engines, Clock.systemUTC());
        Path key = OpenSsh.keyPair(dir, "race", "ed25519", null);
        List<SignedCertificate> certs = Flux.range(0, 6)
                .flatMap(i -> ca.sign(request("ssh/deploy", OpenSsh.publicLine(key), "lease-race-" + i,
                        Duration.ofMinutes(10))), 6)
                .collectList().block(TIMEOUT);

        assertThat(certs).extracting(SignedCertificate::caFingerprint).containsOnly(certs.get(0).caFingerprint());
        assertThat(certs).extracting(SignedCertificate::serial).doesNotHaveDuplicates().allMatch(s -> s > 0);
        assertThat(database.db().sql("SELECT current_version FROM secrets WHERE path = 'ssh/ca/deploy'")
                .map(r -> r.get(0, Integer.class)).one().block(TIMEOUT)).isEqualTo(1);
        assertThat(database.db().sql("SELECT count(*) FROM audit_events WHERE type = 'secret.written' AND "
                + "secrets LIKE '%ssh/ca/deploy@1%'").map(r -> r.get(0, Long.class)).one().block(TIMEOUT))
                .isEqualTo(1);
        String publicKey = ca.publicKey("deploy").block(TIMEOUT);
        assertThat(publicKey).startsWith("ssh-ed25519 ").endsWith(" segura ssh/deploy");
        assertThat(UserPublicKey.fingerprint(java.util.Base64.getDecoder().decode(publicKey.split(" ")[1])))
                .isEqualTo(certs.get(0).caFingerprint());

        // The private key reaches no log and no answer; only its fingerprint does.
        SecretValue stored = TestAuthorities.secrets(database).read("ssh/ca/deploy", null).block(TIMEOUT);
        assertThat(stored.value()).startsWith("-----BEGIN OPENSSH PRIVATE KEY-----");
        String body = stored.value().lines().skip(1).limit(3).collect(Collectors.joining());
        assertThat(output.getAll()).contains(certs.get(0).caFingerprint()).doesNotContain(body)
                .doesNotContain(stored.value().lines().skip(2).findFirst().orElseThrow());
        assertThat(certs.toString() + publicKey).doesNotContain(body);
    }

    @Test
    void signWhenRequestIsGoodThenCertificateCarriesTheEngineTemplateContextAndLeaseExpiry() {
        SshCertificateAuthority ca = TestAuthorities.authority(database, engines, Clock.systemUTC());
        Path key = OpenSsh.keyPair(dir, "fields", "ecdsa", 256);
        Instant expiry = Instant.now().plus(Duration.ofMinutes(12));
        SignedCertificate cert = ca.sign(new SshSignRequest("ssh/deploy", OpenSsh.publicLine(key), CTX, "lease-f",
                "deploy-prod", expiry)).block(TIMEOUT);

        assertThat(cert.principals()).containsExactly("deploy-74", "ci");
        assertThat(cert.validBefore()).isEqualTo(expiry.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        assertThat(cert.validAfter()).isBefore(Instant.now().minusSeconds(25));
        assertThat(cert.keyId()).isEqualTo("segura lease=lease-f engine=ssh/deploy role=deploy-prod "
                + "repository=acme/app ref=refs/heads/main run=9001");
        Path file = OpenSsh.write(dir.resolve("fields-cert.pub"), cert.certificate() + "\n");
        String out = OpenSsh.describe(dir, file);
        assertThat(out).contains("Type: ecdsa-sha2-nistp256-cert-v01@openssh.com user certificate")
                .contains("Serial: " + cert.serial());
        assertThat(UserCertificateTests.section(out, "Principals:")).containsExactly("deploy-74", "ci");
        assertThat(UserCertificateTests.section(out, "Critical Options:")).containsExactly(
                "force-command /usr/local/bin/deploy", "source-address 10.0.0.0/8,2001:db8::/32");
        assertThat(UserCertificateTests.section(out, "Extensions:")).containsExactly("permit-port-forwarding",
                "permit-pty");
        SshCertificateStore.Row row = new SshCertificateStore(database.db()).find(cert.serial()).block(TIMEOUT);
        assertThat(row.leaseId()).isEqualTo("lease-f");
        assertThat(row.engine()).isEqualTo("ssh/deploy");
        assertThat(row.revokedAt()).isNull();

        SignedCertificate p384 = ca.sign(request("ssh/p384", OpenSsh.publicLine(key), "lease-p384",
                Duration.ofMinutes(5))).block(TIMEOUT);
        assertThat(OpenSsh.describe(dir, OpenSsh.write(dir.resolve("p384-cert.pub"), p384.certificate() + "\n")))
                .contains("Signing CA: ECDSA " + p384.caFingerprint());
    }

    @Test
    void signWhenOperatorImportedAnSshKeygenKeyThenItSignsAndReplacingItKeepsOldSerialsInTheKrl() {
        SecretStore secrets = TestAuthorities.secrets(database);
        Path imported = OpenSsh.keyPair(dir, "imported-ca", "ed25519", null);
        secrets.write("ssh/ca/imported", OpenSsh.read(imported), null).block(TIMEOUT);
        SshCertificateAuthority ca = TestAuthorities.authority(database, engines, Clock.systemUTC());
        assertThat(ca.publicKey("imported").block(TIMEOUT)).startsWith(OpenSsh.publicLine(imported)
                .substring(0, OpenSsh.publicLine(imported).lastIndexOf(' ')));

        Path rsa = OpenSsh.keyPair(dir, "imported-user", "rsa", 3072);
        SignedCertificate first = ca.sign(request("ssh/imported", OpenSsh.publicLine(rsa), "lease-i1",
                Duration.ofMinutes(10))).block(TIMEOUT);
        assertThat(first.principals()).containsExactly("octocat");
        Path replacement = OpenSsh.keyPair(dir, "imported-ca-2", "ecdsa", 521);
        secrets.write("ssh/ca/imported", OpenSsh.read(replacement), null).block(TIMEOUT);
        SignedCertificate second = ca.sign(request("ssh/imported", OpenSsh.publicLine(rsa), "lease-i2",
                Duration.ofMinutes(10))).block(TIMEOUT);
        assertThat(second.caFingerprint()).isNotEqualTo(first.caFingerprint());

        assertThat(ca.revokeLease("lease-i1").block(TIMEOUT)).isEqualTo(1);
        assertThat(ca.revokeLease("lease-i1").block(TIMEOUT)).isZero();
        assertThat(ca.revoke("ssh/imported", second.serial()).block(TIMEOUT)).isTrue();
        assertThat(ca.revoke("ssh/imported", second.serial()).block(TIMEOUT)).isFalse();
        assertThat(ca.revoke("ssh/deploy", second.serial()).block(TIMEOUT)).isFalse();

        Path krl = OpenSsh.write(dir.resolve("imported.krl"), ca.krl("imported").block(TIMEOUT));
        Path firstFile = OpenSsh.write(dir.resolve("imported-1-cert.pub"), first.certificate() + "\n");
        Path secondFile = OpenSsh.write(dir.resolve("imported-2-cert.pub"), second.certificate() + "\n");
        assertThat(query(krl, firstFile)).contains("REVOKED");
        assertThat(query(krl, secondFile)).contains("REVOKED");
    }

    @Test
    void krlWhenOneOfTwoIsRevokedThenSshKeygenReportsItRevokedAndTheOtherOk() {
        SshCertificateAuthority ca = TestAuthorities.authority(database, engines, Clock.systemUTC());
        Path key = OpenSsh.keyPair(dir, "krl-user", "ed25519", null);
        SignedCertificate revoked = ca.sign(request("ssh/deploy", OpenSsh.publicLine(key), "lease-k1",
                Duration.ofMinutes(10))).block(TIMEOUT);
        SignedCertificate kept = ca.sign(request("ssh/deploy", OpenSsh.publicLine(key), "lease-k2",
                Duration.ofMinutes(10))).block(TIMEOUT);
        Path empty = OpenSsh.write(dir.resolve("before.krl"), ca.krl("deploy").block(TIMEOUT));
        Path revokedFile = OpenSsh.write(dir.resolve("k1-cert.pub"), revoked.certificate() + "\n");
        Path keptFile = OpenSsh.write(dir.resolve("k2-cert.pub"), kept.certificate() + "\n");
        assertThat(query(empty, revokedFile)).contains(": ok");

        assertThat(ca.revokeLease("lease-k1").block(TIMEOUT)).isEqualTo(1);
        Path krl = OpenSsh.write(dir.resolve("after.krl"), ca.krl("deploy").block(TIMEOUT));

        OpenSsh.Result r = OpenSsh.run(dir, "ssh-keygen", "-Q", "-f", krl.toString(), revokedFile.toString());
        assertThat(r.exit()).as(r.output()).isNotZero();
        assertThat(r.output()).contains("REVOKED");
        OpenSsh.Result ok = OpenSsh.run(dir, "ssh-keygen", "-Q", "-f", krl.toString(), keptFile.toString());
        assertThat(ok.exit()).as(ok.output()).isZero();
        assertThat(ok.output()).contains(": ok");
        // ssh-keygen's own reading of the KRL: its version, comment and the serial under this CA.
        OpenSsh.Result dump = OpenSsh.run(dir, "ssh-keygen", "-Q", "-l", "-f", krl.toString());
        assertThat(dump.output()).contains("# Comment: segura ssh/deploy").contains("serial: " + revoked.serial())
                .doesNotContain("serial: " + kept.serial() + "\n");
    }

    static Stream<Arguments> badRequests() {
        String ed = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
        return Stream.of(
                Arguments.of("unknown engine", request("ssh/nope", ed, "l", Duration.ofMinutes(5)),
                        Refusal.NotFound.class, "no SSH engine is named \"ssh/nope\""),
                Arguments.of("not a key", request("ssh/deploy", "hello world", "l", Duration.ofMinutes(5)),
                        Refusal.Invalid.class, "public_key has type `hello`"),
                Arguments.of("empty key", request("ssh/deploy", " ", "l", Duration.ofMinutes(5)),
                        Refusal.Invalid.class, "public_key is empty"),
                Arguments.of("bad base64", request("ssh/deploy", "ssh-ed25519 !!!!", "l", Duration.ofMinutes(5)),
                        Refusal.Invalid.class, "not valid base64"),
                Arguments.of("type mismatch", request("ssh/deploy", "ecdsa-sha2-nistp256 " + ed.split(" ")[1], "l",
                        Duration.ofMinutes(5)), Refusal.Invalid.class, "its key data is of another type"),
                Arguments.of("truncated", request("ssh/deploy", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMq", "l",
                        Duration.ofMinutes(5)), Refusal.Invalid.class, "truncated"),
                Arguments.of("a certificate", request("ssh/deploy", "ssh-ed25519-cert-v01@openssh.com AAAA", "l",
                        Duration.ofMinutes(5)), Refusal.Invalid.class, "is a certificate"),
                Arguments.of("a private key", request("ssh/deploy", "-----BEGIN OPENSSH PRIVATE KEY----- AAAA", "l",
                        Duration.ofMinutes(5)), Refusal.Invalid.class, "perhaps a private key"),
                Arguments.of("dsa", request("ssh/deploy", "ssh-dss AAAAB3NzaC1kc3MAAACBAP", "l",
                        Duration.ofMinutes(5)), Refusal.Invalid.class, "which this CA does not sign"),
                Arguments.of("type not allowed by engine", request("ssh/imported", ed, "l", Duration.ofMinutes(5)),
                        Refusal.Invalid.class, "ssh/imported does not sign ssh-ed25519 keys"),
                Arguments.of("ttl over cap", request("ssh/deploy", ed, "l", Duration.ofMinutes(40)),
                        Refusal.Invalid.class, "a certificate of ssh/deploy lives at most 15m, asked for "),
                Arguments.of("expired", request("ssh/deploy", ed, "l", Duration.ofMinutes(-1)),
                        Refusal.Invalid.class, "not in the future"),
                Arguments.of("principal unavailable", new SshSignRequest("ssh/deploy", ed,
                        RunContext.none("ci-test"), "l", "r", Instant.now().plusSeconds(300)),
                        Refusal.Invalid.class, "ctx.repository_id, which this run's identity does not carry"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void signWhenRequestIsBadThenRefusedWithItsReasonAndNothingRecorded(String name, SshSignRequest request,
            Class<? extends Refusal> kind, String detail) {
        SshCertificateAuthority ca = TestAuthorities.authority(database, engines, Clock.systemUTC());
        long before = certificates();
        assertThatThrownBy(() -> ca.sign(request).block(TIMEOUT)).isInstanceOf(kind).hasMessageContaining(detail);
        assertThat(certificates()).isEqualTo(before);
    }

    @Test
    void signWhenContextValueWouldSmuggleAPrincipalThenRefused() {
        SshCertificateAuthority ca = TestAuthorities.authority(database, engines, Clock.systemUTC());
        Path rsa = OpenSsh.keyPair(dir, "smuggle", "rsa", 2048);
        for (String actor : List.of("octo,root", "octo root", "*", "a\nb")) {
            assertThatThrownBy(() -> ca.sign(new SshSignRequest("ssh/imported", OpenSsh.publicLine(rsa),
                    withActor(actor), "l", "r", Instant.now().plusSeconds(300))).block(TIMEOUT))
                    .isInstanceOf(Refusal.Invalid.class).hasMessageContaining("cannot be part of an SSH principal");
        }
        assertThatThrownBy(() -> ca.sign(new SshSignRequest("ssh/imported", OpenSsh.publicLine(
                OpenSsh.keyPair(dir, "small-rsa", "rsa", 1024)), CTX, "l", "r", Instant.now().plusSeconds(300)))
                .block(TIMEOUT)).isInstanceOf(Refusal.Invalid.class).hasMessageContaining("RSA key of 1024 bits");
    }

    @Test
    void krlAndPublicKeyWhenCaIsUnknownThenNotFound() {
        SshCertificateAuthority ca = TestAuthorities.authority(database, engines, Clock.systemUTC());
        assertThatThrownBy(() -> ca.krl("nope").block(TIMEOUT)).isInstanceOf(Refusal.NotFound.class)
                .hasMessageContaining("no SSH certificate authority is named \"nope\"");
        assertThatThrownBy(() -> ca.publicKey("ssh/deploy").block(TIMEOUT)).isInstanceOf(Refusal.NotFound.class);
    }

    @Test
    void signWhenStoredCaKeyIsNotAUsableKeyThenInternalRefusalAndTheLogNamesOnlyThePath(CapturedOutput output) {
        SecretStore secrets = TestAuthorities.secrets(database);
        List<SshEngineSpec> broken = TestAuthorities.engines("""
                    - name: ssh/broken
                      ca-key-secret: ssh/ca/broken
                      principals: [ops]
                """);
        String notAKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0LXZhbHVlLXRoYXQtbXVzdC1ub3QtbGVhaw==\n"
                + "-----END OPENSSH PRIVATE KEY-----\n";
        secrets.write("ssh/ca/broken", notAKey, null).block(TIMEOUT);
        SshCertificateAuthority ca = TestAuthorities.authority(database, broken, Clock.systemUTC());
        assertThatThrownBy(() -> ca.publicKey("broken").block(TIMEOUT)).isInstanceOf(Refusal.Internal.class)
                .hasMessageNotContaining("c2VjcmV0");
        assertThat(output.getAll()).contains("the SSH CA key of ssh/broken at ssh/ca/broken@1 cannot be used")
                .doesNotContain("c2VjcmV0LXZhbHVl");
    }

    private static String query(Path krl, Path cert) {
        return OpenSsh.run(dir, "ssh-keygen", "-Q", "-f", krl.toString(), cert.toString()).output();
    }

    private static long certificates() {
        return database.db().sql("SELECT count(*) FROM ssh_certificates").map(r -> r.get(0, Long.class)).one()
                .block(TIMEOUT);
    }

    static SshSignRequest request(String engine, String publicKey, String leaseId, Duration ttl) {
        return new SshSignRequest(engine, publicKey, CTX, leaseId, "deploy-prod", Instant.now().plus(ttl));
    }

    static RunContext withActor(String actor) {
        return new RunContext("github-actions", "acme/app", "74", "acme", "1", "refs/heads/main", null, null, null,
                "1", "push", false, actor, "1");
    }
}
