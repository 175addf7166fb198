// SPDX-License-Identifier: Apache-2.0
package io.segura.client.ssh;

import io.segura.client.SecretSpec;
import io.segura.client.platform.PrivateFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The SSH certificates of one job step ({@code dynamic:ssh/NAME} specs), on the machine where the step's {@code ssh}
 * runs: for each, the key to certify (a fresh Ed25519 key pair, or the job's own public key) and, once the broker
 * signed it, the files {@code ssh} reads, laid out as OpenSSH lays them out: {@code DIR/NAME} (the private key) and
 * {@code DIR/NAME-cert.pub} (the certificate), so that {@code ssh -i DIR/NAME} loads the certificate by itself.
 * One implementation for {@code segura-cli exec}, the Jenkins core (on the agent) and the Bamboo core.
 *
 * <p>DIR is private (0700, files 0600, created so from the start) and deleted with everything in it by
 * {@link #close}. The private key never leaves this machine: only its public half is sent to the broker.
 *
 * <p>A fresh key's private half is written when the key is made ({@link #keyToCertify}), before the broker is asked:
 * so a caller that cannot keep this object between the two steps (a Jenkins agent, called once per step) writes the
 * certificate with a new instance on the same DIR ({@link #writeCertificate}).
 */
public final class SshCertificateFiles implements CertificateFiles, AutoCloseable {

    private final Path publicKeyFile;
    private final SecureRandom random;
    private final boolean temporary;
    private final List<String> privateKeyLines = new ArrayList<>();
    private Path dir;

    private SshCertificateFiles(Path dir, boolean temporary, Path publicKeyFile, SecureRandom random) {
        this.dir = dir;
        this.temporary = temporary;
        this.publicKeyFile = publicKeyFile;
        this.random = random;
    }

    /**
     * Files in a private temporary directory of the operating system's, made on first use.
     *
     * @param publicKeyFile the job's own public key (e.g. {@code ~/.ssh/id_ed25519.pub}), or null for a fresh key
     *                      pair per certificate
     */
    public static SshCertificateFiles temporary(Path publicKeyFile, SecureRandom random) {
        return new SshCertificateFiles(null, true, publicKeyFile, random);
    }

    /**
     * Files in {@code dir}, which this creates owner-only on first use (its parent may exist) and {@link #close}
     * deletes: a directory of the job's own, e.g. below a Jenkins workspace's {@code @tmp} or a Bamboo job's working
     * directory. Always fresh key pairs.
     */
    public static SshCertificateFiles in(Path dir, SecureRandom random) {
        return new SshCertificateFiles(dir.toAbsolutePath(), false, null, random);
    }

    /**
     * The request fields of {@code name}'s certificate: {@code public_key}, the key the broker is to certify. A fresh
     * key pair's private key is written to {@code DIR/<ca>} now.
     */
    @Override
    public Map<String, String> keyToCertify(String name) throws IOException {
        if (publicKeyFile != null) {
            String line = Files.readAllLines(publicKeyFile).stream().map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#")).findFirst()
                    .orElseThrow(() -> new IOException("--ssh-public-key: " + publicKeyFile + " holds no key"));
            return Map.of("public_key", line);
        }
        SshKeyPair pair = SshKeyPair.generate(random);
        String pem = pair.privateKeyFile(comment(name), random);
        PrivateFiles.write(dir().resolve(base(name)), pem);
        synchronized (privateKeyLines) {
            pem.lines().filter(l -> !l.startsWith("-----")).forEach(privateKeyLines::add);
        }
        return Map.of("public_key", pair.publicLine(comment(name)));
    }

    /**
     * Writes {@code certificate} (the broker's {@code certificate} field) as {@code DIR/<ca>-cert.pub}.
     *
     * @return the fields {@code key} (the private key's path; with the job's own key, the file beside its
     *         {@code .pub}, when there is one) and {@code certificate} (the certificate's path)
     */
    @Override
    public Map<String, String> writeCertificate(String name, String certificate) throws IOException {
        if (certificate == null || certificate.isBlank()) {
            throw new IOException("the broker's answer for " + name + " holds no certificate");
        }
        Map<String, String> files = new LinkedHashMap<>();
        if (publicKeyFile == null) {
            Path key = dir().resolve(base(name));
            if (!Files.isRegularFile(key, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException("no private key for " + name + " in " + dir() + ": the key made for it is gone");
            }
            files.put("key", key.toString());
        } else {
            // the job's own key: its private half stays where it is (beside the .pub, if it follows the convention)
            Path privateKey = ownPrivateKey();
            if (privateKey != null) {
                files.put("key", privateKey.toString());
            }
        }
        Path certFile = dir().resolve(base(name) + "-cert.pub");
        PrivateFiles.write(certFile, certificate.strip() + "\n");
        files.put("certificate", certFile.toString());
        return files;
    }

    /**
     * The base64 lines of the private keys made by this instance: to mask in the step's output, should it print a
     * key file.
     */
    public List<String> privateKeyLines() {
        synchronized (privateKeyLines) {
            return List.copyOf(privateKeyLines);
        }
    }

    /** The directory of the files, or null when a temporary one was not needed yet. */
    public synchronized Path directory() {
        return dir;
    }

    /** Deletes the directory and every key and certificate in it; idempotent. */
    @Override
    public synchronized void close() {
        if (dir == null || !Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            if (temporary) {
                dir = null;
            }
        } catch (IOException | UncheckedIOException e) {
            // left to the operating system's (or the CI's workspace) clean-up; the certificate expires by itself
        }
    }

    /** Whether the files are gone: nothing was written, or {@link #close} deleted them. */
    public synchronized boolean deleted() {
        return dir == null || !Files.exists(dir, LinkOption.NOFOLLOW_LINKS);
    }

    private Path ownPrivateKey() {
        String name = publicKeyFile.getFileName().toString();
        if (!name.endsWith(".pub")) {
            return null;
        }
        Path privateKey = publicKeyFile.resolveSibling(name.substring(0, name.length() - ".pub".length()));
        return Files.isRegularFile(privateKey) ? privateKey.toAbsolutePath() : null;
    }

    private synchronized Path dir() throws IOException {
        if (dir == null) {
            boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
            dir = posix ? Files.createTempDirectory("segura-ssh-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")))
                    : Files.createTempDirectory("segura-ssh-");
        }
        return dir;
    }

    /** The file name of a CA's key: {@code ssh/deploy} → {@code deploy}. */
    private static String base(String name) {
        if (!SecretSpec.isSsh(name)) {
            throw new IllegalArgumentException(name + " is not an SSH certificate authority's name (ssh/…)");
        }
        return name.substring(SecretSpec.SSH_PREFIX.length()).replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private static String comment(String name) {
        return "segura " + name;
    }
}
