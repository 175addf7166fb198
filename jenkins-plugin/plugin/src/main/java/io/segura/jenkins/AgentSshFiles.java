// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins;

import hudson.AbortException;
import hudson.FilePath;
import hudson.remoting.VirtualChannel;
import hudson.slaves.WorkspaceList;
import io.segura.client.ssh.SshCertificateFiles;
import io.segura.jenkins.core.SshFiles;
import java.io.File;
import java.io.IOException;
import java.io.Serializable;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import jenkins.MasterToSlaveFileCallable;

/**
 * The block's SSH key pairs and certificate files on the agent of the enclosing {@code node}: in a fresh directory
 * below the workspace's {@code @tmp} (where credentials-binding writes its secret files), so that {@code sh}'s
 * {@code ssh} finds them. Each operation runs the shared {@link SshCertificateFiles} on the agent through
 * {@link FilePath#act}; the private key is made and written there and only its public half comes back to be signed.
 * The base64 lines of the private key also come back, and only to mask them in the build log (the controller holds
 * every leased value for the same reason).
 */
final class AgentSshFiles implements SshFiles {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final FilePath dir;
    private final List<String> privateKeyLines = new CopyOnWriteArrayList<>();

    private AgentSshFiles(FilePath dir) {
        this.dir = dir;
    }

    /** A new directory {@code WORKSPACE@tmp/segura-ssh-<random>} on the workspace's agent (created on first use). */
    static AgentSshFiles inTempDirOf(FilePath workspace) throws AbortException {
        FilePath tmp = WorkspaceList.tempDir(workspace);
        if (tmp == null) {
            throw new AbortException("withSegura: the workspace " + workspace.getRemote() + " has no @tmp directory"
                    + " for the SSH key and certificate files. Fix: use a workspace below a directory (node { … })");
        }
        byte[] id = new byte[12];
        RANDOM.nextBytes(id);
        return new AgentSshFiles(tmp.child("segura-ssh-" + HexFormat.of().formatHex(id)));
    }

    /** The directory, which the step keeps (serialised with the build) to delete it after a controller restart. */
    FilePath directory() {
        return dir;
    }

    @Override
    public Map<String, String> keyToCertify(String name) throws IOException, InterruptedException {
        MadeKey made = dir.act(new MakeKey(name));
        privateKeyLines.addAll(made.privateKeyLines);
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("public_key", made.publicKey);
        return fields;
    }

    @Override
    public Map<String, String> writeCertificate(String name, String certificate)
            throws IOException, InterruptedException {
        return dir.act(new WriteCertificate(name, certificate));
    }

    @Override
    public List<String> privateKeyLines() {
        return List.copyOf(privateKeyLines);
    }

    @Override
    public void delete() throws IOException, InterruptedException {
        dir.deleteRecursive();
    }

    @Override
    public String location() {
        return dir.getRemote();
    }

    /** What {@link MakeKey} sends back: the public key line and, for masking, the private key's base64 lines. */
    static final class MadeKey implements Serializable {
        private static final long serialVersionUID = 1L;
        final String publicKey;
        final ArrayList<String> privateKeyLines;

        MadeKey(String publicKey, List<String> privateKeyLines) {
            this.publicKey = publicKey;
            this.privateKeyLines = new ArrayList<>(privateKeyLines);
        }
    }

    /** On the agent: a fresh Ed25519 key pair for {@code name}, its private key written into the directory. */
    static final class MakeKey extends MasterToSlaveFileCallable<MadeKey> {
        private static final long serialVersionUID = 1L;
        private final String name;

        MakeKey(String name) {
            this.name = name;
        }

        @Override
        public MadeKey invoke(File dir, VirtualChannel channel) throws IOException {
            SshCertificateFiles files = SshCertificateFiles.in(dir.toPath(), new SecureRandom());
            String publicKey = files.keyToCertify(name).get("public_key");
            return new MadeKey(publicKey, files.privateKeyLines());
        }
    }

    /** On the agent: the certificate written beside the key {@link MakeKey} made; the two paths. */
    static final class WriteCertificate extends MasterToSlaveFileCallable<LinkedHashMap<String, String>> {
        private static final long serialVersionUID = 1L;
        private final String name;
        private final String certificate;

        WriteCertificate(String name, String certificate) {
            this.name = name;
            this.certificate = certificate;
        }

        @Override
        public LinkedHashMap<String, String> invoke(File dir, VirtualChannel channel) throws IOException {
            return new LinkedHashMap<>(SshCertificateFiles.in(dir.toPath(), new SecureRandom())
                    .writeCertificate(name, certificate));
        }
    }
}
