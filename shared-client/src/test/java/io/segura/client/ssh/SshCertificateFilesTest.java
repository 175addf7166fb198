// SPDX-License-Identifier: Apache-2.0
package io.segura.client.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segura.testkit.ssh.OpenSsh;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files of {@link SshCertificateFiles} in a given directory, as the Jenkins agent and the Bamboo task use them:
 * the key is written when it is made, a second instance on the same directory (the agent's next call) writes the
 * certificate beside it, and {@code close} deletes the directory. What the broker signs and sshd accepts is proven
 * end to end in the CLI, Jenkins core and Bamboo core tests.
 */
class SshCertificateFilesTest {

    @TempDir
    Path work;

    @Test
    void keyToCertifyWhenFreshKeyThenPrivateKeyWrittenOwnerOnlyAndItsPublicHalfIsTheLineSent() throws Exception {
        OpenSsh.requireInstalled();
        Path dir = work.resolve("tmp").resolve("segura-ssh-x");
        SshCertificateFiles files = SshCertificateFiles.in(dir, new SecureRandom());

        String line = files.keyToCertify("ssh/deploy").get("public_key");

        Path key = dir.resolve("deploy");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        String derived = OpenSsh.run(work, "ssh-keygen", "-y", "-f", key.toString()).requireSuccess("ssh-keygen -y")
                .output().strip();
        assertThat(derived).isEqualTo(line);
        assertThat(line).endsWith(" segura ssh/deploy");
        assertThat(files.privateKeyLines()).isNotEmpty()
                .allSatisfy(l -> assertThat(Files.readString(key)).contains(l))
                .noneSatisfy(l -> assertThat(l).startsWith("-----"));
    }

    @Test
    void writeCertificateWhenAnotherInstanceMadeTheKeyThenBesideItAndCloseDeletesTheDirectory() throws Exception {
        Path dir = work.resolve("segura-ssh-y");
        SshCertificateFiles.in(dir, new SecureRandom()).keyToCertify("ssh/deploy");
        SshCertificateFiles later = SshCertificateFiles.in(dir, new SecureRandom());

        Map<String, String> fields = later.writeCertificate("ssh/deploy", "ssh-ed25519-cert-v01@openssh.com AAAA x\n");

        assertThat(fields).containsExactly(Map.entry("key", dir.resolve("deploy").toString()),
                Map.entry("certificate", dir.resolve("deploy-cert.pub").toString()));
        assertThat(Files.readString(dir.resolve("deploy-cert.pub"))).isEqualTo(
                "ssh-ed25519-cert-v01@openssh.com AAAA x\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("deploy-cert.pub"))))
                .isEqualTo("rw-------");
        assertThat(later.deleted()).isFalse();

        later.close();

        assertThat(dir).doesNotExist();
        assertThat(later.deleted()).isTrue();
        later.close(); // idempotent
    }

    @Test
    void writeCertificateWhenNoKeyWasMadeOrNoCertificateThenRefused() throws Exception {
        Path dir = work.resolve("segura-ssh-z");
        SshCertificateFiles files = SshCertificateFiles.in(dir, new SecureRandom());
        assertThatThrownBy(() -> files.writeCertificate("ssh/deploy", "ssh-ed25519-cert-v01@openssh.com AAAA"))
                .isInstanceOf(IOException.class).hasMessageContaining("no private key for ssh/deploy");
        files.keyToCertify("ssh/deploy");
        assertThatThrownBy(() -> files.writeCertificate("ssh/deploy", " "))
                .isInstanceOf(IOException.class).hasMessage("the broker's answer for ssh/deploy holds no certificate");
        assertThatThrownBy(() -> files.keyToCertify("db/app")).isInstanceOf(IllegalArgumentException.class);
    }
}
