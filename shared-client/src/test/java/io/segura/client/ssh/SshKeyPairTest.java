// SPDX-License-Identifier: Apache-2.0
package io.segura.client.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.testkit.ssh.OpenSsh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

/**
 * The key pair {@code segura-cli exec} and the Jenkins and Bamboo cores make for an SSH certificate, read by OpenSSH itself: {@code ssh-keygen -y} derives the
 * public key from the private key file, which must equal the line sent to the broker (so the file is a well-formed
 * {@code openssh-key-v1} key whose seed and public half belong together). Repeated: the padding of the private
 * section depends on the comment's length and the check bytes are random.
 */
class SshKeyPairTest {

    @TempDir
    Path dir;

    @RepeatedTest(5)
    void privateKeyFileWhenOpenSshReadsItThenItsPublicKeyIsTheLineSentForSigning() throws Exception {
        OpenSsh.requireInstalled();
        SecureRandom random = new SecureRandom();
        SshKeyPair pair = SshKeyPair.generate(random);
        String comment = "segura-cli ssh/" + "d".repeat(random.nextInt(1, 9));
        Path key = dir.resolve("key");
        Files.writeString(key, pair.privateKeyFile(comment, random));
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));

        String derived = OpenSsh.run(dir, "ssh-keygen", "-y", "-f", key.toString())
                .requireSuccess("ssh-keygen -y").output().strip();

        assertThat(pair.publicLine(comment)).startsWith("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI");
        assertThat(derived).isEqualTo(pair.publicLine(comment));
    }
}
