// SPDX-License-Identifier: Apache-2.0
package io.segura.testkit.ssh;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A real OpenSSH server for the login tests: {@code sshd -D -e -f CONFIG} (a foreground child process, logging to
 * stderr) on 127.0.0.1, with its own host key, {@code TrustedUserCAKeys} = the CA under test, an
 * {@code AuthorizedPrincipalsFile} for the login user (root here), no authorized_keys, and optionally
 * {@code RevokedKeys} = a KRL file that tests may rewrite (sshd reads it at each authentication).
 *
 * <p>sshd cannot listen on port 0 and tell which port it got, so the port is one the kernel just handed out to a
 * probe socket; if another process takes it first, sshd fails to bind and the next port is tried.
 */
public final class Sshd implements AutoCloseable {

    public static final Duration DEADLINE = Duration.ofSeconds(60);

    private final Path dir;
    private final Process process;
    private final int port;
    private final StringBuffer log;

    private Sshd(Path dir, Process process, int port, StringBuffer log) {
        this.dir = dir;
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * @param principals the principals the login user accepts (its AuthorizedPrincipalsFile)
     * @param krl        a KRL file for {@code RevokedKeys}, or {@code null}
     */
    public static Sshd start(Path dir, String trustedCaLine, List<String> principals, Path krl) {
        OpenSsh.requireInstalled();
        try {
            // Privilege separation needs its empty directory (created by the service's start script normally).
            Files.createDirectories(Path.of("/run/sshd"));
            Path hostKey = dir.resolve("ssh_host_ed25519_key");
            if (!Files.exists(hostKey)) {
                OpenSsh.Result r = OpenSsh.run(dir, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                        hostKey.toString());
                r.requireSuccess("ssh-keygen (host key)");
            }
            Files.writeString(dir.resolve("trusted_user_ca_keys"), trustedCaLine + "\n");
            Files.writeString(dir.resolve("principals_root"), String.join("\n", principals) + "\n");
            for (int attempt = 0; attempt < 10; attempt++) {
                int port = probePort();
                Path config = dir.resolve("sshd_config");
                Files.writeString(config, String.join("\n",
                        "ListenAddress 127.0.0.1:" + port,
                        "HostKey " + hostKey,
                        "PidFile " + dir.resolve("sshd.pid"),
                        "LogLevel VERBOSE",
                        "UsePAM no",
                        "UseDNS no",
                        "StrictModes no",
                        "PermitRootLogin prohibit-password",
                        "PubkeyAuthentication yes",
                        "PasswordAuthentication no",
                        "KbdInteractiveAuthentication no",
                        "AuthorizedKeysFile none",
                        "TrustedUserCAKeys " + dir.resolve("trusted_user_ca_keys"),
                        "AuthorizedPrincipalsFile " + dir.resolve("principals_%u"),
                        krl == null ? "" : "RevokedKeys " + krl,
                        "PrintMotd no",
                        "") + "\n");
                Process p = new ProcessBuilder("/usr/sbin/sshd", "-D", "-e", "-f", config.toString())
                        .directory(dir.toFile()).redirectErrorStream(true).start();
                p.getOutputStream().close();
                StringBuffer log = new StringBuffer();
                CountDownLatch listening = new CountDownLatch(1);
                Thread reader = new Thread(() -> read(p, log, listening), "sshd-log-" + port);
                reader.setDaemon(true);
                reader.start();
                long deadline = System.nanoTime() + DEADLINE.toNanos();
                while (System.nanoTime() < deadline && p.isAlive() && !listening.await(200, TimeUnit.MILLISECONDS)) {
                    // the log reader counts down when sshd says it listens
                }
                if (listening.getCount() == 0 && p.isAlive()) {
                    return new Sshd(dir, p, port, log);
                }
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                if (!log.toString().contains("Address already in use") && !log.toString().contains("Cannot bind")) {
                    throw new AssertionError("sshd did not start: " + log);
                }
            }
            throw new AssertionError("sshd found no free port in 10 attempts");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static void read(Process p, StringBuffer log, CountDownLatch listening) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                log.append(line).append('\n');
                if (line.contains("Server listening on 127.0.0.1")) {
                    listening.countDown();
                }
            }
        } catch (IOException e) {
            log.append("(log reader: ").append(e).append(")\n");
        }
    }

    private static int probePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** {@code ssh -i KEY -o CertificateFile=CERT … root@127.0.0.1 true}, public-key authentication only. */
    public OpenSsh.Result login(Path key, Path certificate) {
        return OpenSsh.run(dir, "ssh", "-F", "/dev/null", "-i", key.toString(),
                "-o", "CertificateFile=" + (certificate == null ? "none" : certificate.toString()),
                "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-o", "BatchMode=yes",
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "PreferredAuthentications=publickey", "-o", "ConnectTimeout=30", "-o", "LogLevel=ERROR",
                "-p", Integer.toString(port), "root@127.0.0.1", "true");
    }

    /** The loopback port sshd listens on (127.0.0.1). */
    public int port() {
        return port;
    }

    /** What sshd logged so far. */
    public String log() {
        return log.toString();
    }

    /** Waits (bounded) until sshd has logged {@code text}; its log as it then is. */
    public String awaitLog(String text) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!log.toString().contains(text) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!log.toString().contains(text)) {
            throw new AssertionError("sshd did not log \"" + text + "\" within " + DEADLINE + ": " + log);
        }
        return log.toString();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
