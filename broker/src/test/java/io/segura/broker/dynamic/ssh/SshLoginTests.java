// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic.ssh;

import static io.segura.broker.dynamic.ssh.TestAuthorities.CTX;
import static io.segura.broker.dynamic.ssh.TestAuthorities.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.segura.broker.config.SshEngineSpec;
import io.segura.broker.federation.RunContext;
import io.segura.broker.vault.MigratedDatabase;
import io.segura.testkit.postgres.PostgresExtension;
import io.segura.testkit.ssh.OpenSsh;
import io.segura.testkit.ssh.Sshd;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Logins against a real sshd that trusts the broker's CA ({@code TrustedUserCAKeys}) and accepts the principal
 * {@code deploy-74} for root: the broker's certificate gets in; an expired one, one for another principal, a key the
 * broker did not sign and a revoked one on a host that loads the KRL ({@code RevokedKeys}) do not.
 */
class SshLoginTests {

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    @TempDir
    static Path dir;

    static MigratedDatabase database;
    static List<SshEngineSpec> engines;
    static SshCertificateAuthority ca;
    static Sshd sshd;
    static Path krl;

    @BeforeAll
    static void start() {
        database = MigratedDatabase.postgres(PG);
        engines = TestAuthorities.engines("""
                    - name: ssh/deploy
                      ca-key-secret: ssh/ca/deploy
                      principals: ["deploy-${ctx.repository_id}"]
                      extensions: [permit-pty]
                      max-ttl: 15m
                """);
        ca = TestAuthorities.authority(database, engines, Clock.systemUTC());
        krl = OpenSsh.write(dir.resolve("revoked.krl"), ca.krl("deploy").block(TIMEOUT));
        sshd = Sshd.start(dir, ca.publicKey("deploy").block(TIMEOUT), List.of("deploy-74"), krl);
    }

    @AfterAll
    static void stop() {
        if (sshd != null) {
            sshd.close();
        }
    }

    @Test
    void loginWhenBrokerSignedEd25519CertificateThenAcceptedAndSshdLogsKeyIdAndSerial() {
        Path key = OpenSsh.keyPair(dir, "ok-ed25519", "ed25519", null);
        SignedCertificate cert = sign(ca, key, CTX, Duration.ofMinutes(10));

        OpenSsh.Result login = sshd.login(key, certificateFile(key, cert));

        assertThat(login.exit()).as(login.output() + sshd.log()).isZero();
        String log = sshd.awaitLog("(serial " + cert.serial() + ")");
        assertThat(log).contains("Accepted publickey for root").contains("ED25519-CERT")
                .contains("lease=" + "lease-" + key.getFileName());
    }

    @Test
    void loginWhenBrokerSignedEcdsaCertificateThenAccepted() {
        for (int bits : new int[] {256, 384, 521}) {
            Path key = OpenSsh.keyPair(dir, "ok-p" + bits, "ecdsa", bits);
            SignedCertificate cert = sign(ca, key, CTX, Duration.ofMinutes(10));
            OpenSsh.Result login = sshd.login(key, certificateFile(key, cert));
            assertThat(login.exit()).as(bits + ": " + login.output() + sshd.log()).isZero();
        }
    }

    @Test
    void loginWhenCertificateExpiredThenRefused() {
        // Signed by a CA whose clock stands two hours back: valid-before lies 1h50m in the past.
        SshCertificateAuthority past = TestAuthorities.authority(database, engines,
                Clock.offset(Clock.systemUTC(), Duration.ofHours(-2)));
        Path key = OpenSsh.keyPair(dir, "expired", "ed25519", null);
        SignedCertificate cert = sign(past, key, CTX, Duration.ofMinutes(10));
        assertThat(cert.validBefore()).isBefore(Instant.now().minus(Duration.ofHours(1)));

        OpenSsh.Result login = sshd.login(key, certificateFile(key, cert));

        assertThat(login.exit()).isNotZero();
        assertThat(login.output()).contains("Permission denied");
        sshd.awaitLog("Certificate invalid: expired");
    }

    @Test
    void loginWhenPrincipalIsNotAcceptedByTheHostThenRefused() {
        RunContext otherRepository = new RunContext("github-actions", "acme/other", "75", "acme", "1",
                "refs/heads/main", null, null, null, "9002", "push", false, "octocat", "583231");
        Path key = OpenSsh.keyPair(dir, "wrong-principal", "ed25519", null);
        SignedCertificate cert = sign(ca, key, otherRepository, Duration.ofMinutes(10));
        assertThat(cert.principals()).containsExactly("deploy-75");

        OpenSsh.Result login = sshd.login(key, certificateFile(key, cert));

        assertThat(login.exit()).isNotZero();
        assertThat(login.output()).contains("Permission denied");
        sshd.awaitLog("Certificate does not contain an authorized principal");
    }

    @Test
    void loginWhenKeyWasNotSignedByTheBrokerThenRefused() {
        Path key = OpenSsh.keyPair(dir, "unsigned", "ed25519", null);
        OpenSsh.Result plain = sshd.login(key, null);
        assertThat(plain.exit()).isNotZero();
        assertThat(plain.output()).contains("Permission denied");

        // A certificate with the right principal, from a CA the host does not trust.
        Path foreignCa = OpenSsh.keyPair(dir, "foreign-ca", "ed25519", null);
        OpenSsh.Result signed = OpenSsh.run(dir, "ssh-keygen", "-q", "-s", foreignCa.toString(), "-I", "foreign",
                "-n", "deploy-74", "-V", "-5m:+10m", key + ".pub");
        assertThat(signed.exit()).as(signed.output()).isZero();
        OpenSsh.Result foreign = sshd.login(key, Path.of(key + "-cert.pub"));
        assertThat(foreign.exit()).isNotZero();
        assertThat(foreign.output()).contains("Permission denied");
        sshd.awaitLog("ID foreign (serial 0) CA");
        assertThat(sshd.log()).doesNotContain("Accepted certificate ID \"foreign\"");
    }

    @Test
    void loginWhenCertificateRevokedAndHostLoadsTheKrlThenRefusedAndOthersStillAccepted() {
        Path revokedKey = OpenSsh.keyPair(dir, "revoked", "ed25519", null);
        Path keptKey = OpenSsh.keyPair(dir, "kept", "ed25519", null);
        SignedCertificate revoked = sign(ca, revokedKey, CTX, Duration.ofMinutes(10));
        SignedCertificate kept = sign(ca, keptKey, CTX, Duration.ofMinutes(10));
        assertThat(sshd.login(revokedKey, certificateFile(revokedKey, revoked)).exit()).isZero();

        assertThat(ca.revokeLease("lease-" + revokedKey.getFileName()).block(TIMEOUT)).isEqualTo(1);
        OpenSsh.write(krl, ca.krl("deploy").block(TIMEOUT));

        OpenSsh.Result refused = sshd.login(revokedKey, certificateFile(revokedKey, revoked));
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.output()).contains("Permission denied");
        sshd.awaitLog("revoked by file " + krl);
        OpenSsh.Result accepted = sshd.login(keptKey, certificateFile(keptKey, kept));
        assertThat(accepted.exit()).as(accepted.output() + sshd.log()).isZero();
    }

    static SignedCertificate sign(SshCertificateAuthority authority, Path key, RunContext ctx, Duration ttl) {
        return authority.sign(new SshSignRequest("ssh/deploy", OpenSsh.publicLine(key), ctx,
                "lease-" + key.getFileName(), "deploy-prod", authorityNow(authority).plus(ttl))).block(TIMEOUT);
    }

    /** The signing time as the authority's own clock sees it (the expiry test's CA runs two hours behind). */
    private static Instant authorityNow(SshCertificateAuthority authority) {
        return authority == ca ? Instant.now() : Instant.now().minus(Duration.ofHours(2));
    }

    static Path certificateFile(Path key, SignedCertificate cert) {
        return OpenSsh.write(Path.of(key + "-cert.pub"), cert.certificate() + "\n");
    }
}
