// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic.ssh;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.generators.ECKeyPairGenerator;
import org.bouncycastle.crypto.params.ECKeyGenerationParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.math.ec.ECPoint;

/**
 * A certificate authority's private key (Ed25519 or ECDSA P-256/384/521), held with BouncyCastle's lightweight API.
 * It is stored in the vault store in OpenSSH's own private-key format ({@code openssh-key-v1}, unencrypted: the vault
 * seals it), so an operator may import a key made by {@code ssh-keygen}. Nothing here ever renders the private part
 * except {@link #toOpenSsh}, whose only caller writes it into the vault; {@link #toString()} shows the fingerprint.
 */
public final class CaKey {

    private static final byte[] MAGIC = "openssh-key-v1\0".getBytes(StandardCharsets.US_ASCII);
    private static final String BEGIN = "-----BEGIN OPENSSH PRIVATE KEY-----";
    private static final String END = "-----END OPENSSH PRIVATE KEY-----";

    private final SshKeyType type;
    private final Ed25519PrivateKeyParameters ed25519;
    private final ECPrivateKeyParameters ecdsa;
    private final byte[] publicBlob;

    private CaKey(SshKeyType type, Ed25519PrivateKeyParameters ed25519, ECPrivateKeyParameters ecdsa) {
        this.type = type;
        this.ed25519 = ed25519;
        this.ecdsa = ecdsa;
        SshWriter w = new SshWriter().string(type.wireName());
        if (ed25519 != null) {
            w.string(ed25519.generatePublicKey().getEncoded());
        } else {
            w.string(type.curve()).string(publicPoint().getEncoded(false));
        }
        this.publicBlob = w.toByteArray();
    }

    /** A fresh key of {@code type} (Ed25519 or an ECDSA curve). */
    public static CaKey generate(SshKeyType type, SecureRandom random) {
        Objects.requireNonNull(random, "random cannot be null");
        if (type == SshKeyType.ED25519) {
            return new CaKey(type, new Ed25519PrivateKeyParameters(random), null);
        }
        if (!type.isEcdsa()) {
            throw new IllegalArgumentException("a CA key is Ed25519 or ECDSA, not " + type.wireName());
        }
        ECKeyPairGenerator generator = new ECKeyPairGenerator();
        generator.init(new ECKeyGenerationParameters(type.domain(), random));
        AsymmetricCipherKeyPair pair = generator.generateKeyPair();
        return new CaKey(type, null, (ECPrivateKeyParameters) pair.getPrivate());
    }

    /**
     * Reads an unencrypted OpenSSH private key ({@code -----BEGIN OPENSSH PRIVATE KEY-----}, as {@code ssh-keygen}
     * writes it with an empty passphrase).
     *
     * @throws MalformedKeyException naming what is wrong, never the key's content
     */
    public static CaKey fromOpenSsh(String text) {
        String body = text == null ? "" : text.strip();
        if (!body.startsWith(BEGIN) || !body.endsWith(END)) {
            throw new MalformedKeyException("is not an OpenSSH private key (-----BEGIN OPENSSH PRIVATE KEY-----)");
        }
        byte[] data;
        try {
            data = Base64.getMimeDecoder().decode(body.substring(BEGIN.length(), body.length() - END.length()));
        } catch (IllegalArgumentException e) {
            throw new MalformedKeyException("is an OpenSSH private key whose body is not valid base64");
        }
        if (data.length < MAGIC.length || !Arrays.equals(Arrays.copyOf(data, MAGIC.length), MAGIC)) {
            throw new MalformedKeyException("is not in the openssh-key-v1 format");
        }
        SshReader r = new SshReader(Arrays.copyOfRange(data, MAGIC.length, data.length));
        String cipher = r.text("the cipher name");
        String kdf = r.text("the KDF name");
        r.string("the KDF options");
        if (!cipher.equals("none") || !kdf.equals("none")) {
            throw new MalformedKeyException("is encrypted with a passphrase; the vault seals it already, so store it "
                    + "unencrypted (ssh-keygen -p -N '' -f KEY)");
        }
        if (r.u32("the number of keys") != 1) {
            throw new MalformedKeyException("holds more than one key");
        }
        byte[] publicBlob = r.string("the public key");
        SshReader p = new SshReader(r.string("the private section"));
        if (p.u32("the check number") != p.u32("the second check number")) {
            throw new MalformedKeyException("is corrupt (its check numbers differ)");
        }
        String name = p.text("the key type");
        SshKeyType type = SshKeyType.byWireName(name)
                .filter(t -> t == SshKeyType.ED25519 || t.isEcdsa())
                .orElseThrow(() -> new MalformedKeyException("is a key of a type this CA does not sign with; use "
                        + "ssh-ed25519 or ecdsa-sha2-nistp256/384/521"));
        CaKey key;
        if (type == SshKeyType.ED25519) {
            byte[] pk = p.string("the Ed25519 public key");
            byte[] sk = p.string("the Ed25519 private key");
            if (pk.length != 32 || sk.length != 64) {
                throw new MalformedKeyException("has an Ed25519 key of the wrong length");
            }
            key = new CaKey(type, new Ed25519PrivateKeyParameters(sk, 0), null);
            if (!Arrays.equals(Arrays.copyOfRange(sk, 32, 64), pk)) {
                throw new MalformedKeyException("has an Ed25519 private key that does not match its public key");
            }
        } else {
            if (!p.text("the curve").equals(type.curve())) {
                throw new MalformedKeyException("has a curve that does not match its type " + type.wireName());
            }
            UserPublicKey.checkPoint(type, p.string("the ECDSA point"));
            BigInteger d = p.mpint("the ECDSA private scalar");
            if (d.signum() <= 0 || d.compareTo(type.domain().getN()) >= 0) {
                throw new MalformedKeyException("has an ECDSA private scalar out of range");
            }
            key = new CaKey(type, null, new ECPrivateKeyParameters(d, type.domain()));
        }
        // The public key at the top must be the one the private part yields (else a swapped header would pass).
        if (!Arrays.equals(key.publicBlob, publicBlob)) {
            throw new MalformedKeyException("has a private key that does not match its public key");
        }
        return key;
    }

    /**
     * This key in the {@code openssh-key-v1} format (unencrypted: the vault store seals it), as {@code ssh-keygen}
     * reads it. The only rendering of the private key; its one caller writes it into the vault.
     */
    String toOpenSsh(String comment, SecureRandom random) {
        int check = random.nextInt();
        SshWriter priv = new SshWriter().u32(check).u32(check).string(type.wireName());
        if (ed25519 != null) {
            byte[] pk = ed25519.generatePublicKey().getEncoded();
            byte[] sk = new byte[64];
            System.arraycopy(ed25519.getEncoded(), 0, sk, 0, 32);
            System.arraycopy(pk, 0, sk, 32, 32);
            priv.string(pk).string(sk);
            Arrays.fill(sk, (byte) 0);
        } else {
            priv.string(type.curve()).string(publicPoint().getEncoded(false)).mpint(ecdsa.getD());
        }
        priv.string(comment);
        for (int pad = 1; priv.size() % 8 != 0; pad++) {
            priv.u8(pad);
        }
        byte[] blob = new SshWriter().raw(MAGIC).string("none").string("none").string(new byte[0]).u32(1)
                .string(publicBlob).string(priv.toByteArray()).toByteArray();
        String base64 = Base64.getEncoder().encodeToString(blob);
        StringBuilder pem = new StringBuilder(BEGIN).append('\n');
        for (int i = 0; i < base64.length(); i += 70) {
            pem.append(base64, i, Math.min(base64.length(), i + 70)).append('\n');
        }
        return pem.append(END).append('\n').toString();
    }

    public SshKeyType type() {
        return type;
    }

    /** The public key's wire blob: a certificate's "signature key" and a KRL's {@code ca_key}. */
    public byte[] publicBlob() {
        return publicBlob.clone();
    }

    /** {@code TYPE BASE64 COMMENT}, the line a host puts in its {@code TrustedUserCAKeys} file. */
    public String publicKeyLine(String comment) {
        return type.wireName() + " " + Base64.getEncoder().encodeToString(publicBlob)
                + (comment == null || comment.isEmpty() ? "" : " " + comment);
    }

    public String fingerprint() {
        return UserPublicKey.fingerprint(publicBlob);
    }

    /**
     * Signs {@code data} and returns the SSH signature blob: {@code string alg, string sig} with the raw Ed25519
     * signature (RFC 8709 §6), or for ECDSA {@code mpint r, mpint s} over the curve's hash (RFC 5656 §3.1.2), with
     * deterministic nonces (RFC 6979) so a weak random source cannot leak the key.
     */
    byte[] sign(byte[] data) {
        byte[] signature;
        if (ed25519 != null) {
            Ed25519Signer signer = new Ed25519Signer();
            signer.init(true, ed25519);
            signer.update(data, 0, data.length);
            signature = signer.generateSignature();
        } else {
            Digest digest = type.digest();
            byte[] hash = new byte[digest.getDigestSize()];
            digest.update(data, 0, data.length);
            digest.doFinal(hash, 0);
            ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(type.digest()));
            signer.init(true, ecdsa);
            BigInteger[] rs = signer.generateSignature(hash);
            signature = new SshWriter().mpint(rs[0]).mpint(rs[1]).toByteArray();
        }
        return new SshWriter().string(type.wireName()).string(signature).toByteArray();
    }

    private ECPoint publicPoint() {
        return new ECPublicKeyParameters(ecdsa.getParameters().getG().multiply(ecdsa.getD()).normalize(),
                ecdsa.getParameters()).getQ();
    }

    @Override
    public String toString() {
        return "CaKey[" + type.wireName() + " " + fingerprint() + "]";
    }
}
