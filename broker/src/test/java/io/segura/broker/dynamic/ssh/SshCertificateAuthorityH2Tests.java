// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic.ssh;

import static io.segura.broker.dynamic.ssh.TestAuthorities.CTX;
import static io.segura.broker.dynamic.ssh.TestAuthorities.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.segura.broker.vault.MigratedDatabase;
import io.segura.testkit.ssh.OpenSsh;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/**
 * The CA on H2 in PostgreSQL mode, the dev mode's database: migration V5, the serial sequence, the CA key generated
 * once into the vault under concurrent first uses, revocation and the KRL work there as on PostgreSQL.
 */
class SshCertificateAuthorityH2Tests {

    @TempDir
    Path dir;

    @Test
    void signRevokeAndKrlWhenOnH2ThenWorkAsOnPostgres() {
        MigratedDatabase h2 = MigratedDatabase.h2("segura_ssh_" + UUID.randomUUID().toString().replace("-", ""));
        SshCertificateAuthority ca = TestAuthorities.authority(h2, TestAuthorities.engines("""
                    - name: ssh/dev
                      ca-key-secret: ssh/ca/dev
                      principals: ["deploy-${ctx.repository_id}"]
                """), Clock.systemUTC());
        Path key = OpenSsh.keyPair(dir, "h2", "ed25519", null);
        List<SignedCertificate> certs = Flux.range(0, 4)
                .flatMap(i -> ca.sign(new SshSignRequest("ssh/dev", OpenSsh.publicLine(key), CTX, "lease-h2-" + i,
                        "dev", Instant.now().plus(Duration.ofMinutes(5)))), 4)
                .collectList().block(TIMEOUT);
        assertThat(certs).extracting(SignedCertificate::serial).doesNotHaveDuplicates().allMatch(s -> s > 0);
        assertThat(certs).extracting(SignedCertificate::caFingerprint).containsOnly(certs.get(0).caFingerprint());

        assertThat(ca.revokeLease("lease-h2-2").block(TIMEOUT)).isEqualTo(1);
        Path krl = OpenSsh.write(dir.resolve("h2.krl"), ca.krl("dev").block(TIMEOUT));
        for (SignedCertificate c : certs) {
            Path file = OpenSsh.write(dir.resolve(c.serial() + "-cert.pub"), c.certificate() + "\n");
            String out = OpenSsh.run(dir, "ssh-keygen", "-Q", "-f", krl.toString(), file.toString()).output();
            assertThat(out).as(c.keyId()).contains(c.keyId().contains("lease-h2-2 ") ? "REVOKED" : ": ok");
        }
    }
}
