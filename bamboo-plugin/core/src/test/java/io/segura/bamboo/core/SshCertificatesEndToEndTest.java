// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.client.RetryPolicy;
import io.segura.testkit.broker.BrokerLauncher;
import io.segura.testkit.ssh.OpenSsh;
import io.segura.testkit.ssh.Sshd;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SSH certificates ({@code dynamic:ssh/NAME}, DESIGN §6a) in a simulated Bamboo job ({@link BambooJob}) against a
 * live broker and a real {@code sshd} on a loopback port that trusts only the broker's CA: the lease task makes the
 * key pair on the agent and writes the key and certificate into the job's working directory, a Script task's real
 * {@code ssh -i $bamboo_SSH_KEY -o CertificateFile=…} logs in, and once the final revoke task has run — also after a
 * failed task — the files are gone and the certificate's serial is in the CA's KRL.
 */
class SshCertificatesEndToEndTest {

    static final String CLIENT = "bamboo-prod";
    static final String CLIENT_SECRET = "bamboo-client-secret-4f1c9d2e7a";
    static final String PRINCIPAL = "bamboo-deploy";
    static final RetryPolicy FAST = new RetryPolicy(2, Duration.ofMillis(10), Duration.ofMillis(20),
            Duration.ofSeconds(2));
    static final String SECRETS = String.join("\n",
            "dynamic:ssh/deploy > SSH_KEY",
            "dynamic:ssh/deploy.certificate > SSH_CERT",
            "dynamic:ssh/deploy.serial > SSH_SERIAL");

    static BrokerLauncher broker;
    static Sshd sshd;

    @TempDir
    static Path sshdDir;

    @TempDir
    Path work;

    @BeforeAll
    static void start() throws Exception {
        OpenSsh.requireInstalled();
        broker = BrokerLauncher.builder().owner("BambooSshCertificatesTest").config(String.join("\n",
                "roles:",
                "  - name: bamboo-deploy",
                "    clients: [" + CLIENT + "]",
                "    dynamic: [ssh/deploy]",
                "    session-ttl: 10m",
                "    max-lease-ttl: 15m",
                "clients:",
                "  - id: " + CLIENT,
                "    secret-sha256: \"" + SecretsTaskEndToEndTest.sha256(CLIENT_SECRET) + "\"",
                "dynamic:",
                "  ssh:",
                "    - name: ssh/deploy",
                "      ca-key-secret: ssh/ca/deploy",
                "      principals: [" + PRINCIPAL + "]",
                "      max-ttl: 15m",
                "")).start();
        String caLine = new String(get("/api/v2/ssh/deploy/public-key"), StandardCharsets.UTF_8).strip();
        assertThat(caLine).startsWith("ssh-ed25519 ");
        sshd = Sshd.start(sshdDir, caLine, List.of(PRINCIPAL), null);
    }

    @AfterAll
    static void stop() throws Exception {
        if (sshd != null) {
            sshd.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    static byte[] get(String path) throws Exception {
        HttpResponse<byte[]> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(broker.url().resolve(path))
                .GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        return r.body();
    }

    BambooJob.Task lease(BambooJob job, String secrets) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put(SecretsTaskConfig.ROLE, "bamboo-deploy");
        config.put(SecretsTaskConfig.SECRETS, secrets);
        config.put(SecretsTaskConfig.TTL, "10m");
        return j -> new SecretsTask(FAST).execute(job.run(config,
                new StoredSettings(broker.url().toString(), Map.of(CLIENT, CLIENT_SECRET))));
    }

    BambooJob.Task revoke(BambooJob job) {
        return j -> new RevokeTask(FAST).execute(job.run(Map.of(), StoredSettings.EMPTY));
    }

    static BambooJob.Task capture(Map<String, String> into) {
        return j -> {
            into.putAll(j.variables);
            return TaskOutcome.SUCCESS;
        };
    }

    /** {@code ssh} as a Script task runs it to the test's sshd, with the job's key and certificate. */
    static String ssh(String remoteCommand) {
        return "ssh -F /dev/null -i \"$bamboo_SSH_KEY\" -o CertificateFile=\"$bamboo_SSH_CERT\" -o IdentitiesOnly=yes"
                + " -o IdentityAgent=none -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"
                + " -o PreferredAuthentications=publickey -o ConnectTimeout=30 -o LogLevel=ERROR -p " + sshd.port()
                + " root@127.0.0.1 " + remoteCommand;
    }

    @Test
    void jobWhenSshCertificateThenScriptLogsInAndFinalTaskDeletesTheFilesAndRevokesTheSerial() throws Exception {
        Map<String, String> seen = new LinkedHashMap<>();
        List<String> keyLines = new java.util.ArrayList<>();
        BambooJob job = new BambooJob(work);
        job.task(lease(job, SECRETS))
                .task(capture(seen))
                .task(j -> {
                    keyLines.addAll(Files.readString(Path.of(j.variables.get("SSH_KEY"))).lines()
                            .filter(l -> !l.startsWith("-----")).toList());
                    return TaskOutcome.SUCCESS;
                })
                .task(job.script("deploy", String.join("\n",
                        "set -e",
                        ssh("echo login-ok"),
                        "echo \"modes=$(stat -c %a \"$bamboo_SSH_KEY\" \"$bamboo_SSH_CERT\""
                                + " \"$(dirname \"$bamboo_SSH_KEY\")\" | tr '\\n' ' ')\"",
                        "ssh-keygen -L -f \"$bamboo_SSH_CERT\" | grep -E 'Serial|Principals' -A1",
                        "cat \"$bamboo_SSH_KEY\"",
                        "cp \"$bamboo_SSH_CERT\" saved-cert.pub")))
                .finalTask(revoke(job));

        assertThat(job.run()).as(job.logText() + sshd.log()).isTrue();

        Path key = Path.of(seen.get("SSH_KEY"));
        Path dir = key.getParent();
        String serial = seen.get("SSH_SERIAL");
        // OpenSSH's layout, in a private directory of the job's working directory
        assertThat(dir.getParent()).isEqualTo(work.resolve(".segura").resolve("ssh").toAbsolutePath());
        assertThat(key.getFileName().toString()).isEqualTo("deploy");
        assertThat(seen.get("SSH_CERT")).isEqualTo(dir.resolve("deploy-cert.pub").toString());
        assertThat(job.logText()).contains("login-ok", "modes=600 600 700 ", "Serial: " + serial, PRINCIPAL,
                "dynamic secret ssh/deploy: lease ", "(certificate serial " + serial + ")",
                "dynamic:ssh/deploy → ${bamboo.SSH_KEY}", "key and certificate in " + dir,
                "deleted the SSH key and certificate files in " + dir, "session for role bamboo-deploy revoked");
        assertThat(sshd.awaitLog("(serial " + serial + ")")).contains("Accepted publickey");
        // the key file the Script task printed is masked line by line; the armour lines are not secret
        assertThat(job.logText()).contains("-----BEGIN OPENSSH PRIVATE KEY-----", BambooJob.MASK);
        assertThat(keyLines).isNotEmpty();
        for (String line : keyLines) {
            assertThat(job.logText().contains(line)).as("a line of the private key in the build log").isFalse();
        }
        assertFilesGoneAndRevoked(dir, work.resolve("saved-cert.pub"));
        assertThat(broker.leases(true, "client:" + CLIENT)).isEmpty();
        assertThat(job.variables).isEmpty();
    }

    @Test
    void jobWhenScriptFailsThenFinalTaskStillDeletesTheFilesAndRevokesTheSerial() throws Exception {
        Map<String, String> seen = new LinkedHashMap<>();
        BambooJob job = new BambooJob(work);
        job.task(lease(job, SECRETS))
                .task(capture(seen))
                .task(job.script("fails", "cp \"$bamboo_SSH_CERT\" saved-cert.pub && " + ssh("true") + " && exit 3"))
                .task(job.script("never", "echo ran"))
                .finalTask(revoke(job));

        assertThat(job.run()).isFalse();

        assertThat(job.logText()).contains("Script task fails exited with 3");
        assertThat(job.ran).containsExactly("fails");
        Path dir = Path.of(seen.get("SSH_KEY")).getParent();
        assertFilesGoneAndRevoked(dir, work.resolve("saved-cert.pub"));
        assertThat(broker.leases(true, "client:" + CLIENT)).isEmpty();
    }

    /** The task's directory is gone (no key left in the job's working directory), and the serial is in the KRL. */
    static void assertFilesGoneAndRevoked(Path dir, Path certificate) throws Exception {
        assertThat(dir).doesNotExist();
        try (Stream<Path> left = Files.walk(dir.getParent().getParent())) {
            assertThat(left.filter(Files::isRegularFile).toList()).as("files left under .segura").isEmpty();
        }
        Path krl = certificate.resolveSibling("deploy.krl");
        Files.write(krl, get("/api/v2/ssh/deploy/krl"));
        assertThat(OpenSsh.run(certificate.getParent(), "ssh-keygen", "-Q", "-f", krl.toString(),
                certificate.toString()).output()).contains("REVOKED");
    }
}
