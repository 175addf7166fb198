// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import io.segura.client.DynamicCredential;
import io.segura.client.platform.PrivateFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
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
 * The SSH certificates of one {@code segura-cli exec} ({@code dynamic:ssh/NAME} specs): for each, the key to certify
 * (a fresh Ed25519 key pair, or the key of {@code --ssh-public-key}) and, once the broker signed it, the files a job's
 * {@code ssh} reads, laid out as OpenSSH lays them out: {@code DIR/NAME} (the private key) and
 * {@code DIR/NAME-cert.pub} (the certificate), so that {@code ssh -i DIR/NAME} loads the certificate by itself.
 *
 * <p>DIR is a private temporary directory (0700, files 0600, created so from the start), {@code segura-ssh-…} in the
 * system's temporary directory or in the one given (fetch and export: {@code --ssh-dir}, else the job's temporary
 * directory). exec deletes it with everything in it when it ends ({@link #close}); after fetch or export the job
 * uses the files in later steps, and {@code segura-cli revoke} deletes the directory ({@link #delete}). The private
 * key never leaves this machine: only its public half is sent.
 */
final class SshCertificates implements AutoCloseable {

    /** The prefix of the directories made here: {@link #delete} removes nothing else. */
    static final String DIR_PREFIX = "segura-ssh-";

    private final Path publicKeyFile;
    private final Path parent;
    private final SecureRandom random;
    private final Map<String, SshKeyPair> generated = new LinkedHashMap<>();
    private final List<String> privateKeyLines = new ArrayList<>();
    private Path dir;

    /** @param publicKeyFile the job's own public key ({@code --ssh-public-key}), or null for a fresh key pair each */
    SshCertificates(Path publicKeyFile, SecureRandom random) {
        this(publicKeyFile, null, random);
    }

    /** @param parent where the private directory is made, or null for the system's temporary directory */
    SshCertificates(Path publicKeyFile, Path parent, SecureRandom random) {
        this.publicKeyFile = publicKeyFile;
        this.parent = parent;
        this.random = random;
    }

    /**
     * Where fetch and export make the private directory: {@code --ssh-dir}, else the job's temporary directory
     * (GitHub {@code RUNNER_TEMP}, Azure DevOps {@code AGENT_TEMPDIRECTORY}: the runner empties it after the job),
     * else the system's.
     */
    static Path parentFor(CliContext ctx, Path option) {
        if (option != null) {
            return ctx.workDir().resolve(option);
        }
        for (String name : List.of("RUNNER_TEMP", "AGENT_TEMPDIRECTORY")) {
            String dir = ctx.env().get(name);
            if (dir != null && !dir.isBlank()) {
                return Path.of(dir);
            }
        }
        return null;
    }

    /** The private directory holding the files, once a certificate was written. */
    synchronized java.util.Optional<Path> directory() {
        return java.util.Optional.ofNullable(dir);
    }

    /** The request fields of {@code name}'s certificate: {@code public_key}, the key the broker is to certify. */
    Map<String, String> keyToCertify(String name) throws IOException {
        if (publicKeyFile != null) {
            String line = Files.readAllLines(publicKeyFile).stream().map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#")).findFirst()
                    .orElseThrow(() -> new IOException("--ssh-public-key: " + publicKeyFile + " holds no key"));
            return Map.of("public_key", line);
        }
        SshKeyPair pair = SshKeyPair.generate(random);
        generated.put(name, pair);
        return Map.of("public_key", pair.publicLine(comment(name)));
    }

    /**
     * Writes the certificate the broker answered for {@code credential} (and the private key made for it) into the
     * private directory; the credential's {@code key} and {@code certificate} fields become their paths.
     */
    DynamicCredential written(DynamicCredential credential) throws IOException {
        String certificate = credential.fields().get("certificate");
        if (certificate == null || certificate.isBlank()) {
            throw new IOException("the broker's answer for " + credential.name() + " holds no certificate");
        }
        String base = credential.name().substring("ssh/".length()).replaceAll("[^A-Za-z0-9._-]", "_");
        Map<String, String> files = new LinkedHashMap<>();
        SshKeyPair pair = generated.remove(credential.name());
        if (pair != null) {
            Path key = dir().resolve(base);
            String pem = pair.privateKeyFile(comment(credential.name()), random);
            PrivateFiles.write(key, pem);
            pem.lines().filter(l -> !l.startsWith("-----")).forEach(privateKeyLines::add);
            files.put("key", key.toString());
        } else {
            // the job's own key: its private half stays where it is (beside the .pub, if it follows the convention)
            Path privateKey = ownPrivateKey();
            if (privateKey != null) {
                files.put("key", privateKey.toString());
            }
        }
        Path certFile = dir().resolve(base + "-cert.pub");
        PrivateFiles.write(certFile, certificate.strip() + "\n");
        files.put("certificate", certFile.toString());
        return credential.withFields(files);
    }

    /** The base64 lines of the private keys made here: masked in the command's output, should it print one. */
    List<String> privateKeyLines() {
        return List.copyOf(privateKeyLines);
    }

    /** Deletes the directory and every key and certificate in it; idempotent. */
    @Override
    public synchronized void close() {
        if (dir == null) {
            return;
        }
        delete(dir);
        dir = null;
    }

    /**
     * Deletes a directory made here and everything in it (what {@code segura-cli revoke} finds in the state); a
     * directory of another name is left alone.
     */
    static void delete(Path dir) {
        if (dir.getFileName() == null || !dir.getFileName().toString().startsWith(DIR_PREFIX)
                || !Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
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
        } catch (IOException | UncheckedIOException e) {
            // the temporary directory is the operating system's to clean up then; the key in it is short-lived
        }
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
            if (parent == null) {
                dir = posix ? Files.createTempDirectory(DIR_PREFIX,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")))
                        : Files.createTempDirectory(DIR_PREFIX);
            } else {
                Files.createDirectories(parent);
                dir = (posix ? Files.createTempDirectory(parent, DIR_PREFIX,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")))
                        : Files.createTempDirectory(parent, DIR_PREFIX)).toAbsolutePath();
            }
        }
        return dir;
    }

    private static String comment(String name) {
        return "segura-cli " + name;
    }
}
