// SPDX-License-Identifier: Apache-2.0
package io.segura.client.ssh;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.EdECPrivateKey;
import java.util.Arrays;
import java.util.Base64;

/**
 * An ephemeral Ed25519 key pair for one SSH certificate, made with the JDK (no ssh-keygen needed on the agent) and
 * written in OpenSSH's own formats: the public key as an {@code authorized_keys} line (RFC 8709 §4) for the broker to
 * certify, the private key as an unencrypted {@code openssh-key-v1} file (OpenSSH's PROTOCOL.key) that {@code ssh -i}
 * reads. It lives only as long as the job step it was made for: {@link SshCertificateFiles} deletes it when the step
 * ends.
 */
public final class SshKeyPair {

    public static final String TYPE = "ssh-ed25519";
    /** The X.509 SubjectPublicKeyInfo of an Ed25519 key is this prefix and the 32-byte key (RFC 8410 §4). */
    private static final int X509_PREFIX = 12;
    private static final int KEY_BYTES = 32;

    private final byte[] publicKey;
    private final byte[] seed;

    private SshKeyPair(byte[] publicKey, byte[] seed) {
        this.publicKey = publicKey;
        this.seed = seed;
    }

    public static SshKeyPair generate(SecureRandom random) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
            generator.initialize(255, random);
            KeyPair pair = generator.generateKeyPair();
            byte[] x509 = pair.getPublic().getEncoded();
            if (x509.length != X509_PREFIX + KEY_BYTES) {
                throw new IllegalStateException("unexpected Ed25519 public key encoding of " + x509.length + " bytes");
            }
            byte[] seed = ((EdECPrivateKey) pair.getPrivate()).getBytes()
                    .orElseThrow(() -> new IllegalStateException("the JDK did not expose the Ed25519 private key"));
            return new SshKeyPair(Arrays.copyOfRange(x509, X509_PREFIX, x509.length), seed);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot generate Ed25519 keys", e);
        }
    }

    /** {@code ssh-ed25519 BASE64 comment}: what the broker certifies. */
    public String publicLine(String comment) {
        return TYPE + " " + Base64.getEncoder().encodeToString(publicBlob()) + " " + comment;
    }

    /** The {@code -----BEGIN OPENSSH PRIVATE KEY-----} file, unencrypted (cipher and KDF {@code none}). */
    public String privateKeyFile(String comment, SecureRandom random) {
        int check = random.nextInt();
        Wire secret = new Wire().u32(check).u32(check)
                .string(TYPE)
                .string(publicKey)
                .string(concat(seed, publicKey)) // OpenSSH keeps the 32-byte seed followed by the public key
                .string(comment);
        // the private section is padded to the cipher's block size (8 for "none") with 1, 2, 3, …
        for (int pad = 1; secret.size() % 8 != 0; pad++) {
            secret.u8(pad);
        }
        byte[] blob = new Wire().raw("openssh-key-v1\0".getBytes(StandardCharsets.US_ASCII))
                .string("none").string("none").string(new byte[0])
                .u32(1)
                .string(publicBlob())
                .string(secret.bytes())
                .bytes();
        String body = Base64.getEncoder().encodeToString(blob);
        StringBuilder pem = new StringBuilder("-----BEGIN OPENSSH PRIVATE KEY-----\n");
        for (int i = 0; i < body.length(); i += 70) {
            pem.append(body, i, Math.min(body.length(), i + 70)).append('\n');
        }
        return pem.append("-----END OPENSSH PRIVATE KEY-----\n").toString();
    }

    private byte[] publicBlob() {
        return new Wire().string(TYPE).string(publicKey).bytes();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** RFC 4251 §5 encodings: uint32 big-endian, string = uint32 length + bytes. */
    private static final class Wire {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Wire u8(int v) {
            out.write(v);
            return this;
        }

        Wire u32(int v) {
            out.write(v >>> 24);
            out.write(v >>> 16);
            out.write(v >>> 8);
            out.write(v);
            return this;
        }

        Wire string(byte[] b) {
            u32(b.length);
            out.writeBytes(b);
            return this;
        }

        Wire string(String s) {
            return string(s.getBytes(StandardCharsets.UTF_8));
        }

        Wire raw(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        int size() {
            return out.size();
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
