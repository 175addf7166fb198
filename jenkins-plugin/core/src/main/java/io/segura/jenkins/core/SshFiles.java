// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins.core;

import io.segura.client.ssh.CertificateFiles;
import io.segura.client.ssh.SshCertificateFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where a block's SSH certificates ({@code dynamic:ssh/NAME}) get their key pairs and files: the machine where the
 * block's steps run. In Jenkins that is the agent of the enclosing {@code node}, not the controller that runs the
 * block, so the adapter implements this with calls to the agent (credentials-binding writes its secret files to the
 * same place, the workspace's {@code @tmp} directory); each call there runs the shared {@link SshCertificateFiles}.
 * {@link #local} is the same on this machine.
 */
public interface SshFiles extends CertificateFiles {

    /**
     * The base64 lines of the private keys made so far: the block masks them in the log, should a step print a key
     * file.
     */
    List<String> privateKeyLines();

    /** Deletes the directory with every key and certificate in it; idempotent. */
    void delete() throws IOException, InterruptedException;

    /** The directory, for the log (a path, never a file's content). */
    String location();

    /** Files in the private directory {@code dir} of this machine (created on first use, 0700). */
    static SshFiles local(Path dir) {
        Objects.requireNonNull(dir, "dir cannot be null");
        SshCertificateFiles files = SshCertificateFiles.in(dir, new SecureRandom());
        return new SshFiles() {
            @Override
            public Map<String, String> keyToCertify(String name) throws IOException {
                return files.keyToCertify(name);
            }

            @Override
            public Map<String, String> writeCertificate(String name, String certificate) throws IOException {
                return files.writeCertificate(name, certificate);
            }

            @Override
            public List<String> privateKeyLines() {
                return files.privateKeyLines();
            }

            @Override
            public void delete() {
                files.close();
            }

            @Override
            public String location() {
                return dir.toAbsolutePath().toString();
            }
        };
    }
}
