// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segura.testkit.ssh.OpenSsh;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Certificates encoded by {@link UserCertificate} as PROTOCOL.certkeys says, read back by the real
 * {@code ssh-keygen -L} (which also checks the CA signature): every CA key type against every user key type, and CA
 * keys made by ssh-keygen imported through {@link CaKey#fromOpenSsh}.
 */
class UserCertificateTests {

    static final SecureRandom RANDOM = new SecureRandom();
    static final DateTimeFormatter KEYGEN_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss")
            .withZone(ZoneOffset.UTC);

    @TempDir
    static Path dir;
    static final Map<String, Path> USER_KEYS = new LinkedHashMap<>();

    @BeforeAll
    static void userKeys() {
        OpenSsh.requireInstalled();
        USER_KEYS.put("ssh-ed25519", OpenSsh.keyPair(dir, "user-ed25519", "ed25519", null));
        USER_KEYS.put("ecdsa-sha2-nistp256", OpenSsh.keyPair(dir, "user-p256", "ecdsa", 256));
        USER_KEYS.put("ecdsa-sha2-nistp384", OpenSsh.keyPair(dir, "user-p384", "ecdsa", 384));
        USER_KEYS.put("ecdsa-sha2-nistp521", OpenSsh.keyPair(dir, "user-p521", "ecdsa", 521));
        USER_KEYS.put("ssh-rsa", OpenSsh.keyPair(dir, "user-rsa", "rsa", 3072));
    }

    static Stream<Arguments> caAndUserTypes() {
        List<Arguments> rows = new ArrayList<>();
        for (SshKeyType ca : List.of(SshKeyType.ED25519, SshKeyType.ECDSA_P256, SshKeyType.ECDSA_P384,
                SshKeyType.ECDSA_P521)) {
            for (String user : List.of("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
                    "ecdsa-sha2-nistp521", "ssh-rsa")) {
                rows.add(Arguments.of(ca, user));
            }
        }
        return rows.stream();
    }

    @ParameterizedTest(name = "{0} CA signs a {1} key")
    @MethodSource("caAndUserTypes")
    void signWhenAnyCaAndUserKeyTypeThenSshKeygenReadsEveryField(SshKeyType caType, String userType) {
        CaKey ca = CaKey.generate(caType, RANDOM);
        assertCertificateReadBack(ca, userType, "gen-" + caType + "-" + userType);
    }

    @ParameterizedTest(name = "imported ssh-keygen {0} CA key")
    @MethodSource("keygenCaTypes")
    void fromOpenSshWhenKeyMadeBySshKeygenThenSignsAndPublicKeyMatches(String type, Integer bits) {
        Path caFile = OpenSsh.keyPair(dir, "ca-" + type + bits, type, bits);
        CaKey ca = CaKey.fromOpenSsh(OpenSsh.read(caFile));
        assertThat(ca.publicKeyLine(null)).isEqualTo(OpenSsh.publicLine(caFile).split(" ")[0] + " "
                + OpenSsh.publicLine(caFile).split(" ")[1]);
        assertCertificateReadBack(ca, "ssh-ed25519", "imported-" + type + bits);
    }

    static Stream<Arguments> keygenCaTypes() {
        return Stream.of(Arguments.of("ed25519", null), Arguments.of("ecdsa", 256), Arguments.of("ecdsa", 384),
                Arguments.of("ecdsa", 521));
    }

    @ParameterizedTest(name = "generated {0} CA key is read by ssh-keygen -y")
    @MethodSource("caTypes")
    void toOpenSshWhenGeneratedThenSshKeygenDerivesTheSamePublicKeyAndWeReadItBack(SshKeyType type) {
        CaKey ca = CaKey.generate(type, RANDOM);
        String text = ca.toOpenSsh("segura ssh/test", RANDOM);
        Path file = OpenSsh.write(dir.resolve("generated-" + type), text);
        OpenSsh.Result derived = OpenSsh.run(dir, "ssh-keygen", "-y", "-f", file.toString());
        assertThat(derived.exit()).as(derived.output()).isZero();
        assertThat(derived.output().strip()).startsWith(ca.publicKeyLine(null));
        assertThat(CaKey.fromOpenSsh(text).publicKeyLine(null)).isEqualTo(ca.publicKeyLine(null));
        assertThat(ca.toString()).doesNotContain(text.lines().skip(1).findFirst().orElseThrow())
                .startsWith("CaKey[" + type.wireName() + " SHA256:");
    }

    static Stream<SshKeyType> caTypes() {
        return Stream.of(SshKeyType.ED25519, SshKeyType.ECDSA_P256, SshKeyType.ECDSA_P384, SshKeyType.ECDSA_P521);
    }

    @Test
    void fromOpenSshWhenEncryptedRsaOrGarbageThenRefusedWithoutEchoingTheKey() {
        Path encrypted = dir.resolve("encrypted");
        OpenSsh.Result r = OpenSsh.run(dir, "ssh-keygen", "-q", "-t", "ed25519", "-N", "a passphrase", "-f",
                encrypted.toString());
        assertThat(r.exit()).isZero();
        String encryptedText = OpenSsh.read(encrypted);
        assertThatThrownBy(() -> CaKey.fromOpenSsh(encryptedText)).isInstanceOf(MalformedKeyException.class)
                .hasMessageContaining("encrypted with a passphrase");
        String rsa = OpenSsh.read(USER_KEYS.get("ssh-rsa"));
        assertThatThrownBy(() -> CaKey.fromOpenSsh(rsa)).isInstanceOf(MalformedKeyException.class)
                .hasMessageContaining("does not sign with");
        assertThatThrownBy(() -> CaKey.fromOpenSsh("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n"
                + "-----END OPENSSH PRIVATE KEY-----")).isInstanceOf(MalformedKeyException.class);
        assertThatThrownBy(() -> CaKey.fromOpenSsh("ssh-ed25519 AAAA")).isInstanceOf(MalformedKeyException.class)
                .hasMessageContaining("not an OpenSSH private key");
        // A private key whose header claims another public key.
        String own = CaKey.generate(SshKeyType.ED25519, RANDOM).toOpenSsh("a", RANDOM);
        String other = CaKey.generate(SshKeyType.ED25519, RANDOM).toOpenSsh("b", RANDOM);
        byte[] a = body(own);
        byte[] b = body(other);
        // openssh-key-v1\0 + "none" + "none" + "" + u32 1 = 15 + 8 + 8 + 4 + 4 bytes; then the public key string
        // (4 + 51): swap the public key of a into b.
        System.arraycopy(a, 39, b, 39, 55);
        String swapped = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + java.util.Base64.getEncoder().encodeToString(b)
                + "\n-----END OPENSSH PRIVATE KEY-----\n";
        assertThatThrownBy(() -> CaKey.fromOpenSsh(swapped)).isInstanceOf(MalformedKeyException.class)
                .hasMessageContaining("does not match its public key");
    }

    private static byte[] body(String pem) {
        return java.util.Base64.getMimeDecoder().decode(pem.replace("-----BEGIN OPENSSH PRIVATE KEY-----", "")
                .replace("-----END OPENSSH PRIVATE KEY-----", ""));
    }

    private static void assertCertificateReadBack(CaKey ca, String userType, String name) {
        UserPublicKey key = UserPublicKey.parse(OpenSsh.publicLine(USER_KEYS.get(userType)));
        Instant validAfter = Instant.parse("2026-12-03T07:59:30Z");
        Instant validBefore = Instant.parse("2026-12-03T08:14:30Z");
        byte[] nonce = new byte[32];
        RANDOM.nextBytes(nonce);
        TreeMap<String, String> options = new TreeMap<>(Map.of("force-command", "/usr/local/bin/deploy --now",
                "source-address", "10.0.0.0/8,127.0.0.1/32"));
        TreeSet<String> extensions = new TreeSet<>(List.of("permit-pty", "permit-agent-forwarding"));
        UserCertificate c = new UserCertificate(key, nonce, 4242, "segura lease=l-1 engine=ssh/deploy",
                List.of("deploy-acme-app", "ops"), validAfter, validBefore, options, extensions);
        byte[] blob = c.sign(ca);
        Path cert = OpenSsh.write(dir.resolve(name + "-cert.pub"), UserCertificate.line(key.type(), blob,
                "ssh/deploy") + "\n");

        String out = OpenSsh.describe(dir, cert);
        assertThat(out).contains("Type: " + key.type().certificateType() + " user certificate");
        assertThat(out).contains("Public key: ").contains(key.fingerprint());
        assertThat(out).contains("Signing CA: ").contains(ca.fingerprint());
        assertThat(out).contains("Key ID: \"segura lease=l-1 engine=ssh/deploy\"");
        assertThat(out).contains("Serial: 4242");
        assertThat(out).contains("Valid: from " + KEYGEN_TIME.format(validAfter) + " to "
                + KEYGEN_TIME.format(validBefore));
        assertThat(section(out, "Principals:")).containsExactly("deploy-acme-app", "ops");
        assertThat(section(out, "Critical Options:")).containsExactly("force-command /usr/local/bin/deploy --now",
                "source-address 10.0.0.0/8,127.0.0.1/32");
        assertThat(section(out, "Extensions:")).containsExactly("permit-agent-forwarding", "permit-pty");
    }

    /** The indented lines under {@code heading} in ssh-keygen -L output. */
    static List<String> section(String out, String heading) {
        List<String> lines = out.lines().toList();
        List<String> values = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().equals(heading)) {
                for (int j = i + 1; j < lines.size() && lines.get(j).startsWith("                "); j++) {
                    values.add(lines.get(j).strip());
                }
            }
        }
        return values;
    }
}
