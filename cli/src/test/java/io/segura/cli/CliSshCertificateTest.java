// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.testkit.broker.BrokerLauncher;
import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.ssh.OpenSsh;
import io.segura.testkit.ssh.Sshd;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SSH certificates through {@code segura-cli exec} end to end (DESIGN §6a): a live broker process signs the key the
 * CLI made, and inside exec a real {@code ssh -i KEY -o CertificateFile=CERT} logs in to a real sshd on a loopback
 * port that trusts only the broker's CA ({@code TrustedUserCAKeys} from {@code GET /api/v2/ssh/deploy/public-key}).
 * When exec ends the key and certificate files are gone and the certificate's serial is in the CA's KRL.
 */
class CliSshCertificateTest {

    static final String AUDIENCE = "https://segura.test";

    static IssuerSimulator issuer;
    static BrokerLauncher broker;
    static Sshd sshd;

    @TempDir
    static Path sshdDir;

    @TempDir
    Path work;

    @BeforeAll
    static void start() throws Exception {
        OpenSsh.requireInstalled();
        issuer = IssuerSimulator.start();
        broker = BrokerLauncher.builder().owner("CliSshCertificateTest").config(String.join("\n",
                "issuers:",
                "  - name: gh",
                "    preset: github-actions",
                "    issuer: " + issuer.issuer(),
                "    audiences: [\"" + AUDIENCE + "\"]",
                "roles:",
                "  - name: deploy",
                "    issuers: [gh]",
                "    bound-claims:",
                "      repository_id: \"501\"",
                "    dynamic: [ssh/deploy]",
                "dynamic:",
                "  ssh:",
                "    - name: ssh/deploy",
                "      ca-key-secret: ssh/ca/deploy",
                "      principals: [\"deploy-${ctx.repository_id}\"]",
                "      max-ttl: 15m",
                "")).start();
        String caLine = get("/api/v2/ssh/deploy/public-key");
        assertThat(caLine).startsWith("ssh-ed25519 ");
        sshd = Sshd.start(sshdDir, caLine.strip(), List.of("deploy-501"), null);
    }

    @AfterAll
    static void stop() throws Exception {
        if (sshd != null) {
            sshd.close();
        }
        if (broker != null) {
            broker.close();
        }
        if (issuer != null) {
            issuer.close();
        }
    }

    static Map<String, String> env(String sub, String secrets) {
        Map<String, String> claims = new HashMap<>();
        claims.put("sub", sub);
        claims.put("aud", AUDIENCE);
        claims.put("repository", "acme/app");
        claims.put("repository_id", "501");
        claims.put("ref", "refs/heads/main");
        claims.put("run_id", "77");
        Map<String, String> vars = new HashMap<>();
        vars.put("SEGURA_URL", broker.url().toString());
        vars.put("SEGURA_AUDIENCE", AUDIENCE);
        vars.put("SEGURA_ROLE", "deploy");
        vars.put("SEGURA_ID_TOKEN", issuer.mint(claims));
        vars.put("SEGURA_SECRETS", secrets);
        return CliHarness.env(vars);
    }

    /** {@code ssh} as a job would run it, non-interactive, to the test's sshd; OPTIONS are the identity options. */
    static String ssh(String options, String remoteCommand) {
        return "ssh -F /dev/null " + options + " -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes"
                + " -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o PreferredAuthentications=publickey"
                + " -o ConnectTimeout=30 -o LogLevel=ERROR -p " + sshd.port() + " root@127.0.0.1 " + remoteCommand;
    }

    @Test
    void execWhenSshCertificateThenTheChildLogsInWithItAndAfterwardsTheFilesAreGoneAndTheSerialIsRevoked()
            throws Exception {
        String sub = "repo:acme/app:ssh-" + UUID.randomUUID();
        var r = CliHarness.run(env(sub, "dynamic:ssh/deploy > SSH_KEY; dynamic:ssh/deploy.certificate > SSH_CERT;"
                        + " dynamic:ssh/deploy.serial > SSH_SERIAL; dynamic:ssh/deploy.principals > SSH_PRINCIPALS"),
                "", work, "exec", "--", "sh", "-c", String.join("\n",
                        "set -e",
                        ssh("-i \"$SSH_KEY\" -o CertificateFile=\"$SSH_CERT\"", "echo explicit-login-ok"),
                        // OpenSSH's own convention: -i KEY also loads KEY-cert.pub
                        ssh("-i \"$SSH_KEY\"", "echo implicit-login-ok"),
                        "ssh-keygen -L -f \"$SSH_CERT\"",
                        "echo \"serial=$SSH_SERIAL principals=$SSH_PRINCIPALS\"",
                        "echo \"modes=$(stat -c %a \"$SSH_KEY\" \"$SSH_CERT\" \"$(dirname \"$SSH_KEY\")\" | tr '\\n' ' ')\"",
                        "echo \"key=$SSH_KEY cert=$SSH_CERT\"",
                        "cp \"$SSH_CERT\" saved-cert.pub"));

        assertThat(r.exitCode()).as(r.err() + r.out() + sshd.log()).isZero();
        assertThat(r.out()).contains("explicit-login-ok", "implicit-login-ok");
        String serial = group(r.out(), "serial=(\\d+) ");
        assertThat(r.out()).contains("principals=deploy-501");
        // ssh-keygen -L reads the certificate the CLI wrote: ours, with the serial exec exported
        assertThat(r.out()).contains("Type: ssh-ed25519-cert-v01@openssh.com user certificate", "Serial: " + serial,
                "Key ID: \"segura lease=", "deploy-501");
        assertThat(r.out()).contains("modes=600 600 700 ");
        assertThat(r.err()).contains("dynamic secret ssh/deploy: lease", "(certificate serial " + serial + ")");
        assertThat(sshd.awaitLog("(serial " + serial + ")")).contains("Accepted publickey for root");

        // exec ended: the key and certificate are deleted, the lease revoked, the serial in the KRL
        Path key = Path.of(group(r.out(), "key=(\\S+) "));
        assertThat(key).doesNotExist();
        assertThat(key.getParent()).doesNotExist();
        assertThat(broker.events("dynamic.issued", sub)).hasSize(1);
        assertThat(broker.events("dynamic.revoked", sub)).hasSize(1);
        assertThat(broker.leases(true, sub)).isEmpty();
        Path krl = work.resolve("deploy.krl");
        Files.write(krl, getBytes("/api/v2/ssh/deploy/krl"));
        assertThat(OpenSsh.run(work, "ssh-keygen", "-Q", "-f", krl.toString(), "saved-cert.pub").output())
                .contains("REVOKED");
    }

    @Test
    void execWhenSshPublicKeyGivenThenTheJobsOwnKeyIsCertified() throws Exception {
        Path own = OpenSsh.keyPair(work, "id_ed25519", "ed25519", null);
        String sub = "repo:acme/app:own-key-" + UUID.randomUUID();
        var r = CliHarness.run(env(sub, "dynamic:ssh/deploy > SSH_KEY; dynamic:ssh/deploy.certificate > SSH_CERT"),
                "", work, "exec", "--ssh-public-key", own + ".pub", "--", "sh", "-c", String.join("\n",
                        "set -e",
                        ssh("-i \"$SSH_KEY\" -o CertificateFile=\"$SSH_CERT\"", "echo own-key-login-ok"),
                        "echo \"key=$SSH_KEY\"",
                        "ssh-keygen -L -f \"$SSH_CERT\" | grep 'Public key:'",
                        "ssh-keygen -l -E sha256 -f \"$SSH_KEY.pub\""));

        assertThat(r.exitCode()).as(r.err() + r.out() + sshd.log()).isZero();
        assertThat(r.out()).contains("own-key-login-ok", "key=" + own);
        String certified = group(r.out(), "Public key: ED25519-CERT (SHA256:\\S+)");
        assertThat(r.out()).containsPattern("256 " + Pattern.quote(certified) + " ");
        assertThat(own).exists();
        assertThat(broker.events("dynamic.revoked", sub)).hasSize(1);
    }

    @Test
    void fetchWhenSshCertificateThenFilesUnderTheJobsTempDirLogInUntilRevokeDeletesThemAndRevokesTheSerial()
            throws Exception {
        String sub = "repo:acme/app:fetch-ssh-" + UUID.randomUUID();
        Path runnerTemp = Files.createDirectories(work.resolve("runner-temp"));
        Map<String, String> env = new HashMap<>(env(sub, "dynamic:ssh/deploy > SSH_KEY;"
                + " dynamic:ssh/deploy.certificate > SSH_CERT; dynamic:ssh/deploy.serial > SSH_SERIAL"));
        env.put("RUNNER_TEMP", runnerTemp.toString());
        env.put("SEGURA_EXPORT_DIR", "out");
        var r = CliHarness.run(env, "", work, "fetch");
        assertThat(r.exitCode()).as(r.err()).isZero();
        Path key = Path.of(Files.readString(work.resolve("out/SSH_KEY")));
        Path cert = Path.of(Files.readString(work.resolve("out/SSH_CERT")));
        String serial = Files.readString(work.resolve("out/SSH_SERIAL"));
        assertThat(key.getParent().getParent()).as("a private directory in RUNNER_TEMP").isEqualTo(runnerTemp);
        assertThat(cert).isEqualTo(key.resolveSibling(key.getFileName() + "-cert.pub"));
        assertThat(r.err()).contains("SSH keys and certificates in " + key.getParent(), "(certificate serial "
                + serial + ")");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(key.getParent()))).isEqualTo("rwx------");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
                .isEqualTo("rw-------");
        String privateKey = Files.readString(key);
        assertThat(r.out() + r.err()).doesNotContain(privateKey.lines().skip(1).findFirst().orElseThrow());

        // a later step of the job logs in with the files fetch left
        assertThat(sshd.login(key, cert).exit()).as(sshd.log()).isZero();
        Files.copy(cert, work.resolve("saved-cert.pub"));

        // the job's end: revoke deletes the files and revokes the certificate (its serial goes into the KRL)
        var revoke = CliHarness.run(CliHarness.env(Map.of()), "", work, "revoke");
        assertThat(revoke.exitCode()).as(revoke.err()).isZero();
        assertThat(key.getParent()).doesNotExist();
        assertThat(runnerTemp).exists();
        assertThat(broker.events("dynamic.revoked", sub)).hasSize(1);
        Path krl = work.resolve("deploy.krl");
        Files.write(krl, getBytes("/api/v2/ssh/deploy/krl"));
        assertThat(OpenSsh.run(work, "ssh-keygen", "-Q", "-f", krl.toString(), "saved-cert.pub").output())
                .contains("REVOKED");
    }

    @Test
    void exportWhenSshCertificateThenPathsInTheFileUnderSshDirUntilRevoke() throws Exception {
        String sub = "repo:acme/app:export-ssh-" + UUID.randomUUID();
        var r = CliHarness.run(env(sub, "dynamic:ssh/deploy > SSH_KEY; dynamic:ssh/deploy.certificate > SSH_CERT"),
                "", work, "export", "--format", "json", "--output", "ssh.json", "--ssh-dir", "keys");
        assertThat(r.exitCode()).as(r.err()).isZero();
        Map<String, Object> json = io.segura.client.json.Json.parseObject(Files.readString(work.resolve("ssh.json")));
        Path key = Path.of((String) json.get("SSH_KEY"));
        Path cert = Path.of((String) json.get("SSH_CERT"));
        assertThat(key.getParent().getParent()).isEqualTo(work.resolve("keys"));
        assertThat(r.err()).contains("session kept in");
        assertThat(sshd.login(key, cert).exit()).as(sshd.log()).isZero();

        var revoke = CliHarness.run(CliHarness.env(Map.of()), "", work, "revoke");
        assertThat(revoke.exitCode()).as(revoke.err()).isZero();
        assertThat(key.getParent()).doesNotExist();
        assertThat(broker.events("dynamic.revoked", sub)).hasSize(1);
    }

    static String group(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as(regex + " in\n" + text).isTrue();
        return m.group(1);
    }

    static String get(String path) throws Exception {
        return new String(getBytes(path), java.nio.charset.StandardCharsets.UTF_8);
    }

    static byte[] getBytes(String path) throws Exception {
        HttpResponse<byte[]> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(broker.url().resolve(path))
                .GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        return r.body();
    }
}
