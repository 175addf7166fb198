// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segura.testkit.ssh.OpenSsh;
import io.segura.testkit.ssh.Sshd;
import io.segura.testkit.tls.TestIdentity;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code withSegura} with SSH certificates ({@code dynamic:ssh/NAME}, DESIGN §6a) against the live broker and a real
 * {@code sshd} on a loopback port that trusts only the broker's CA: the key pair is made and the key and certificate
 * files written in the block's {@link SshFiles} (here {@link SshFiles#local}, a directory standing for the agent
 * workspace's {@code @tmp}; the adapter runs the same code on the agent), a real {@code ssh -i $VAR -o
 * CertificateFile=…} inside the block logs in, and once the block ends — success, failure or abort — the files are
 * gone and the certificate's serial is in the CA's KRL.
 */
@ExtendWith(LiveBroker.Resolver.class)
class SshCertificatesTest {

    static final String SECRETS = String.join("\n",
            "dynamic:" + LiveBroker.SSH + " > SSH_KEY",
            "dynamic:" + LiveBroker.SSH + ".certificate > SSH_CERT",
            "dynamic:" + LiveBroker.SSH + ".serial > SSH_SERIAL");

    static Sshd sshd;

    @TempDir
    static Path sshdDir;

    @TempDir
    Path workspaceTmp;

    @AfterAll
    static void stopSshd() {
        if (sshd != null) {
            sshd.close();
        }
    }

    /** One sshd for the class, trusting the broker's CA for the principal the engine signs. */
    static synchronized Sshd sshd(LiveBroker b) throws Exception {
        if (sshd == null) {
            OpenSsh.requireInstalled();
            String caLine = new String(get(b, "/api/v2/ssh/deploy/public-key"), StandardCharsets.UTF_8).strip();
            assertThat(caLine).startsWith("ssh-ed25519 ");
            sshd = Sshd.start(sshdDir, caLine, List.of(LiveBroker.SSH_PRINCIPAL), null);
        }
        return sshd;
    }

    static byte[] get(LiveBroker b, String path) throws Exception {
        HttpClient http = HttpClient.newBuilder().sslContext(TestIdentity.anonymousContext(b.server)).build();
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(b.broker.url().resolve(path)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        return r.body();
    }

    static BindingSession open(LiveBroker b, String role, String secrets, SshFiles files, BuildLog log)
            throws Exception {
        return BindingSession.open(b.settings(), BindingRequest.parse(role, secrets, "segura-client", "5m"), null,
                b.credentials(), files, log.stream);
    }

    /** {@code ssh} as a step would run it to the test's sshd, with the block's key and certificate. */
    static String ssh(int port, String remoteCommand) {
        return "ssh -F /dev/null -i \"$SSH_KEY\" -o CertificateFile=\"$SSH_CERT\" -o IdentitiesOnly=yes"
                + " -o IdentityAgent=none -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"
                + " -o PreferredAuthentications=publickey -o ConnectTimeout=30 -o LogLevel=ERROR -p " + port
                + " root@127.0.0.1 " + remoteCommand;
    }

    @Test
    void blockWhenSshCertificateThenSshLogsInAndAfterTheBlockFilesGoneAndSerialInKrl(LiveBroker b) throws Exception {
        Sshd server = sshd(b);
        BuildLog log = new BuildLog();
        Path dir = workspaceTmp.resolve("segura-ssh-1");
        Path saved = workspaceTmp.resolve("saved-cert.pub");
        Map<String, String> env;
        String lease;
        try (BindingSession block = open(b, "deploy", SECRETS + "\ndb/prod/password > DB_PASSWORD",
                SshFiles.local(dir), log)) {
            env = block.environment();
            assertThat(env.keySet()).containsExactly("SSH_KEY", "SSH_CERT", "SSH_SERIAL", "DB_PASSWORD");
            // OpenSSH's layout in the block's private directory: KEY and KEY-cert.pub
            assertThat(env.get("SSH_KEY")).isEqualTo(dir.resolve("deploy").toString());
            assertThat(env.get("SSH_CERT")).isEqualTo(dir.resolve("deploy-cert.pub").toString());
            assertThat(block.dynamicLeaseIds()).hasSize(1);
            lease = block.dynamicLeaseIds().get(0);

            String out = DynamicSecretsTest.sh(block, String.join("\n",
                    "set -e",
                    ssh(server.port(), "echo login-ok"),
                    "echo \"modes=$(stat -c %a \"$SSH_KEY\" \"$SSH_CERT\" \"$(dirname \"$SSH_KEY\")\" | tr '\\n' ' ')\"",
                    "ssh-keygen -L -f \"$SSH_CERT\" | grep -E 'Serial|Principals' -A1",
                    "cat \"$SSH_KEY\"",
                    "cp \"$SSH_CERT\" " + saved), log);
            assertThat(out).contains("login-ok", "modes=600 600 700 ", "Serial: " + env.get("SSH_SERIAL"),
                    LiveBroker.SSH_PRINCIPAL);
            // the key file printed by a step is masked line by line; its armour lines are not secret
            assertThat(out).contains("-----BEGIN OPENSSH PRIVATE KEY-----", "***");
            String key = Files.readString(dir.resolve("deploy"));
            for (String line : key.lines().filter(l -> !l.startsWith("-----")).toList()) {
                assertThat(out.contains(line)).as("a line of the private key in the output").isFalse();
            }
            assertThat(server.awaitLog("(serial " + env.get("SSH_SERIAL") + ")")).contains("Accepted publickey");
            assertThat(b.active(lease)).isTrue();
        }
        assertThat(log.text()).contains("dynamic secret " + LiveBroker.SSH + ": lease " + lease,
                "(certificate serial " + env.get("SSH_SERIAL") + ")", "key and certificate in " + dir,
                "deleted the SSH key and certificate files in " + dir);
        log.assertNoneOf(List.of(LiveBroker.PASSWORD));
        assertFilesGoneAndRevoked(b, dir, lease, saved);
    }

    @Test
    void blockWhenBodyFailsThenFilesGoneAndSerialInKrl(LiveBroker b) throws Exception {
        BuildLog log = new BuildLog();
        Path dir = workspaceTmp.resolve("segura-ssh-2");
        Path saved = workspaceTmp.resolve("saved-cert.pub");
        AtomicReference<String> lease = new AtomicReference<>();
        assertThatThrownBy(() -> {
            try (BindingSession block = open(b, "deploy", SECRETS, SshFiles.local(dir), log)) {
                lease.set(block.dynamicLeaseIds().get(0));
                Files.copy(Path.of(block.environment().get("SSH_CERT")), saved);
                throw new IllegalStateException("script returned exit code 255");
            }
        }).hasMessage("script returned exit code 255");
        assertFilesGoneAndRevoked(b, dir, lease.get(), saved);
    }

    @Test
    void blockWhenAbortedThenFilesGoneSerialInKrlAndInterruptKept(LiveBroker b) throws Exception {
        BuildLog log = new BuildLog();
        Path dir = workspaceTmp.resolve("segura-ssh-3");
        Path saved = workspaceTmp.resolve("saved-cert.pub");
        AtomicReference<String> lease = new AtomicReference<>();
        AtomicReference<Boolean> interruptKept = new AtomicReference<>();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        CountDownLatch inBody = new CountDownLatch(1);
        Thread step = new Thread(() -> {
            try (BindingSession block = open(b, "deploy", SECRETS, SshFiles.local(dir), log)) {
                lease.set(block.dynamicLeaseIds().get(0));
                Files.copy(Path.of(block.environment().get("SSH_CERT")), saved);
                inBody.countDown();
                new CountDownLatch(1).await(); // the body runs until the build is aborted
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception | AssertionError e) {
                failed.set(e);
            } finally {
                interruptKept.set(Thread.currentThread().isInterrupted());
                inBody.countDown();
            }
        }, "step");
        step.start();
        inBody.await();
        assertThat(failed.get()).as("the block opened").isNull();
        assertThat(dir.resolve("deploy")).exists();
        step.interrupt();
        step.join();
        assertThat(interruptKept.get()).isTrue();
        assertFilesGoneAndRevoked(b, dir, lease.get(), saved);
    }

    @Test
    void openWhenRoleMayNotRequestTheCertificateThenDeniedAndTheKeyMadeForItDeleted(LiveBroker b) throws Exception {
        BuildLog log = new BuildLog();
        Path dir = workspaceTmp.resolve("segura-ssh-4");
        int revokedBefore = b.broker.events("session.revoked", RevocationTest.SUBJECT).size();
        // no ttl: the role's max-lease-ttl (1m) is under the other tests' 5m
        assertThatThrownBy(() -> BindingSession.open(b.settings(), BindingRequest.parse("capped",
                "db/prod/password > DB_PASSWORD\n" + SECRETS, "segura-client", null), null, b.credentials(),
                SshFiles.local(dir), log.stream))
                .isInstanceOfSatisfying(BindingException.class, e -> {
                    assertThat(e.reason()).isEqualTo(BindingException.Reason.DENIED);
                    assertThat(e.getMessage()).startsWith("withSegura: the broker did not create dynamic:"
                            + LiveBroker.SSH + " for role 'capped'").contains("HTTP 403");
                });
        // the key pair was made before the broker was asked: the failed start deleted it with its directory
        assertThat(dir).doesNotExist();
        assertThat(b.broker.events("session.revoked", RevocationTest.SUBJECT)).hasSize(revokedBefore + 1);
        log.assertNoneOf(List.of(LiveBroker.PASSWORD));
    }

    @Test
    void openWhenSshCertificateAndNoPlaceForItsFilesThenRefusedBeforeAnythingIsSent(LiveBroker b) {
        BuildLog log = new BuildLog();
        assertThatThrownBy(() -> BindingSession.open(b.settings(), BindingRequest.parse("deploy",
                "db/prod/password > DB_PASSWORD\n" + SECRETS, "segura-client", null), null, b.credentials(),
                log.stream))
                .isInstanceOfSatisfying(BindingException.class, e -> {
                    assertThat(e.reason()).isEqualTo(BindingException.Reason.CONFIGURATION);
                    assertThat(e.getMessage()).isEqualTo("withSegura: secrets: dynamic:ssh/deploy: an SSH"
                            + " certificate's key and certificate files are written in the workspace of the agent"
                            + " where the block's steps run, and this block has no workspace. Fix: put withSegura"
                            + " inside node { … }");
                });
        assertThat(log.text()).isEmpty();
    }

    /** The block's directory is gone, the lease revoked, and the saved certificate revoked by the CA's KRL. */
    static void assertFilesGoneAndRevoked(LiveBroker b, Path dir, String lease, Path certificate) throws Exception {
        assertThat(dir).doesNotExist();
        assertThat(b.active(lease)).as("certificate lease active after the block").isFalse();
        Path krl = certificate.resolveSibling("deploy-" + lease + ".krl");
        Files.write(krl, get(b, "/api/v2/ssh/deploy/krl"));
        String serial = serial(OpenSsh.describe(certificate.getParent(), certificate));
        assertThat(OpenSsh.run(certificate.getParent(), "ssh-keygen", "-Q", "-f", krl.toString(),
                certificate.toString()).output()).as("serial " + serial + " in the KRL").contains("REVOKED");
        Files.delete(certificate);
    }

    static String serial(String description) {
        Matcher m = Pattern.compile("Serial: (\\d+)").matcher(description);
        assertThat(m.find()).as("a serial in " + description).isTrue();
        return m.group(1);
    }
}
