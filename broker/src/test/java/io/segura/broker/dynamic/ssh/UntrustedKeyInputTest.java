// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The readers of untrusted key text — a caller's public key, a stored CA key — over generated input: each answers a
 * key or a {@link MalformedKeyException} whose message quotes none of the input's key data, never another exception.
 */
class UntrustedKeyInputTest {

    @Property(tries = 400)
    void parseWhenAnyPublicKeyLineThenKeyOrMalformed(@ForAll("publicKeyLines") String line) {
        try {
            UserPublicKey key = UserPublicKey.parse(line);
            assertThat(key.fingerprint()).startsWith("SHA256:");
        } catch (MalformedKeyException e) {
            String[] words = line.strip().split("[ \t]+");
            if (words.length > 1 && words[1].length() > 8) {
                assertThat(e.getMessage()).doesNotContain(words[1]);
            }
        }
    }

    @Property(tries = 300)
    void fromOpenSshWhenAnyPrivateKeyTextThenKeyOrMalformed(@ForAll("privateKeyBodies") byte[] body) {
        String text = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(body)
                + "\n-----END OPENSSH PRIVATE KEY-----\n";
        try {
            CaKey.fromOpenSsh(text);
        } catch (MalformedKeyException e) {
            if (body.length >= 8) {
                assertThat(e.getMessage()).doesNotContain(Base64.getEncoder().encodeToString(body));
            }
        }
    }

    @Provide
    Arbitrary<String> publicKeyLines() {
        Arbitrary<String> type = Arbitraries.of("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
                "ecdsa-sha2-nistp521", "ssh-rsa", "ssh-dss", "x");
        Arbitrary<byte[]> blob = Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(200),
                // a well-framed type string followed by random fields: reaches the per-type readers
                Arbitraries.of("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp521", "ssh-rsa")
                        .flatMap(t -> Arbitraries.bytes().array(byte[].class).ofMaxSize(300)
                                .map(rest -> new SshWriter().string(t).raw(rest).toByteArray())),
                Arbitraries.of(0, 1, 31, 32, 33, 65, 97, 133).flatMap(n -> Arbitraries.bytes().array(byte[].class)
                        .ofSize(n).map(q -> new SshWriter().string("ecdsa-sha2-nistp256").string("nistp256")
                                .string(q).toByteArray())));
        return type.flatMap(t -> blob.map(b -> t + " " + Base64.getEncoder().encodeToString(b) + " comment"));
    }

    @Provide
    Arbitrary<byte[]> privateKeyBodies() {
        return Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(300),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(300).map(rest -> new SshWriter()
                        .raw("openssh-key-v1\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                        .string("none").string("none").string(new byte[0]).u32(1).raw(rest).toByteArray()));
    }
}
