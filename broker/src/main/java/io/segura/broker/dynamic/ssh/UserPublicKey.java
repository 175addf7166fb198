// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic.ssh;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import org.bouncycastle.math.ec.ECPoint;

/**
 * A caller's OpenSSH public key, read from one {@code authorized_keys}-style line ({@code ssh-ed25519 AAAA… comment})
 * and checked before anything is signed: the type is known and matches the blob's own, the blob is complete, an ECDSA
 * point lies on its curve, an RSA modulus has at least {@value #MIN_RSA_BITS} bits.
 *
 * @param fields the blob after its type string: exactly the key fields a PROTOCOL.certkeys certificate carries
 */
public record UserPublicKey(SshKeyType type, byte[] blob, byte[] fields) {

    public static final int MAX_LINE = 16 * 1024;
    static final int MIN_RSA_BITS = 2048;
    static final int MAX_RSA_BITS = 16384;

    public UserPublicKey {
        Objects.requireNonNull(type, "type cannot be null");
        blob = blob.clone();
        fields = fields.clone();
    }

    @Override
    public byte[] blob() {
        return blob.clone();
    }

    @Override
    public byte[] fields() {
        return fields.clone();
    }

    /** {@code SHA256:…}, the fingerprint {@code ssh-keygen -l} and sshd's log show. */
    public String fingerprint() {
        return fingerprint(blob);
    }

    static String fingerprint(byte[] blob) {
        try {
            return "SHA256:" + Base64.getEncoder().withoutPadding()
                    .encodeToString(MessageDigest.getInstance("SHA-256").digest(blob));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /**
     * Reads {@code line}. Messages say what is wrong in terms of the format (never echo the key material).
     *
     * @throws MalformedKeyException when the line is not a public key this CA can certify
     */
    public static UserPublicKey parse(String line) {
        if (line == null || line.isBlank()) {
            throw new MalformedKeyException("is empty; expected an OpenSSH public key line such as the content of "
                    + "~/.ssh/id_ed25519.pub");
        }
        if (line.length() > MAX_LINE) {
            throw new MalformedKeyException("is longer than " + MAX_LINE + " characters");
        }
        String[] words = line.strip().split("[ \t]+", 3);
        if (words.length < 2) {
            throw new MalformedKeyException("is not an OpenSSH public key line (`TYPE BASE64 [comment]`)");
        }
        String name = words[0];
        if (name.endsWith("-cert-v01@openssh.com")) {
            throw new MalformedKeyException("is a certificate; send the public key it certifies (the .pub file)");
        }
        if (name.startsWith("-----BEGIN")) {
            throw new MalformedKeyException("looks like a PEM block, perhaps a private key; send only the public "
                    + "key line (the .pub file)");
        }
        SshKeyType type = SshKeyType.byWireName(name).orElseThrow(() -> new MalformedKeyException("has type `"
                + abbreviate(name) + "`, which this CA does not sign; supported: ssh-ed25519, ecdsa-sha2-nistp256, "
                + "ecdsa-sha2-nistp384, ecdsa-sha2-nistp521, ssh-rsa (if the engine allows it)"));
        byte[] blob;
        try {
            blob = Base64.getDecoder().decode(words[1]);
        } catch (IllegalArgumentException e) {
            throw new MalformedKeyException("has a key that is not valid base64");
        }
        SshReader r = new SshReader(blob);
        String inner = r.text("the key's type");
        if (!inner.equals(type.wireName())) {
            throw new MalformedKeyException("says `" + type.wireName() + "` but its key data is of another type");
        }
        int start = blob.length - r.remaining();
        switch (type) {
            case ED25519 -> {
                if (r.string("the Ed25519 key").length != 32) {
                    throw new MalformedKeyException("has an Ed25519 key that is not 32 bytes");
                }
            }
            case ECDSA_P256, ECDSA_P384, ECDSA_P521 -> {
                if (!r.text("the curve").equals(type.curve())) {
                    throw new MalformedKeyException("has a curve that does not match its type " + type.wireName());
                }
                checkPoint(type, r.string("the ECDSA point"));
            }
            case RSA -> {
                BigInteger e = r.mpint("the RSA exponent");
                BigInteger n = r.mpint("the RSA modulus");
                if (n.bitLength() < MIN_RSA_BITS || n.bitLength() > MAX_RSA_BITS) {
                    throw new MalformedKeyException("is an RSA key of " + n.bitLength() + " bits; at least "
                            + MIN_RSA_BITS + " are required");
                }
                if (!e.testBit(0) || e.compareTo(BigInteger.valueOf(3)) < 0 || !n.testBit(0)) {
                    throw new MalformedKeyException("is not a valid RSA public key");
                }
            }
        }
        r.requireEnd("the key");
        return new UserPublicKey(type, blob, Arrays.copyOfRange(blob, start, blob.length));
    }

    /** An uncompressed point (SEC 1 §2.3.3, what OpenSSH writes) on the type's curve, not the point at infinity. */
    static ECPoint checkPoint(SshKeyType type, byte[] q) {
        int fieldBytes = (type.domain().getCurve().getFieldSize() + 7) / 8;
        if (q.length != 1 + 2 * fieldBytes || q[0] != 0x04) {
            throw new MalformedKeyException("has an ECDSA point that is not an uncompressed " + type.curve()
                    + " point");
        }
        try {
            ECPoint point = type.domain().getCurve().decodePoint(q);
            if (point.isInfinity() || !point.isValid()) {
                throw new MalformedKeyException("has an ECDSA point that is not on the curve " + type.curve());
            }
            return point;
        } catch (IllegalArgumentException e) {
            throw new MalformedKeyException("has an ECDSA point that is not on the curve " + type.curve());
        }
    }

    private static String abbreviate(String s) {
        String printable = s.replaceAll("[^\\x21-\\x7e]", "?");
        return printable.length() <= 40 ? printable : printable.substring(0, 40) + "…";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UserPublicKey k && k.type == type && Arrays.equals(k.blob, blob);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(blob);
    }

    @Override
    public String toString() {
        return type.wireName() + " " + fingerprint();
    }
}
