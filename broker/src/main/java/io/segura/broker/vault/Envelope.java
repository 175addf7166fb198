// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Envelope encryption of secret versions (DESIGN §6). Each version gets a fresh random 256-bit DEK; the value is
 * AES-256-GCM under the DEK with a random 96-bit nonce and AAD {@code path@version}; the DEK is AES-256-GCM under the
 * KEK with its own nonce and AAD binding path, version and KEK id. Either AAD makes a row copied to another path or
 * version fail to open. {@code @} cannot occur in a path and the version is a decimal integer, so the AAD encoding is
 * unambiguous.
 */
final class Envelope {

    private static final int NONCE_LEN = 12;
    private static final int TAG_BITS = 128;
    private static final int DEK_LEN = 32;

    private final KeyRing keys;
    private final SecureRandom random;

    Envelope(KeyRing keys, SecureRandom random) {
        this.keys = Objects.requireNonNull(keys, "keys cannot be null");
        this.random = Objects.requireNonNull(random, "random cannot be null");
    }

    KeyRing keys() {
        return keys;
    }

    /** Seals {@code value} as version {@code version} of {@code path} under the current KEK. */
    SealedValue seal(String path, int version, String value) {
        byte[] plain = value.getBytes(StandardCharsets.UTF_8);
        byte[] dek = new byte[DEK_LEN];
        random.nextBytes(dek);
        try {
            byte[] nonce = randomNonce();
            byte[] ciphertext = gcm(Cipher.ENCRYPT_MODE, new SecretKeySpec(dek, "AES"), nonce,
                    valueAad(path, version), plain);
            MasterKey kek = keys.current();
            return new SealedValue(kek.id(), wrap(kek, path, version, dek), nonce, ciphertext, fingerprint(kek, plain));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed for " + path + "@" + version, e);
        } finally {
            Arrays.fill(dek, (byte) 0);
            Arrays.fill(plain, (byte) 0);
        }
    }

    /** Opens a sealed version; fails with {@link VaultIntegrityException} on any tampering or AAD mismatch. */
    String open(String path, int version, SealedValue sealed) {
        byte[] dek = unwrap(path, version, sealed);
        try {
            byte[] plain = gcm(Cipher.DECRYPT_MODE, new SecretKeySpec(dek, "AES"), sealed.nonce(),
                    valueAad(path, version), sealed.ciphertext());
            String value = new String(plain, StandardCharsets.UTF_8);
            Arrays.fill(plain, (byte) 0);
            return value;
        } catch (AEADBadTagException e) {
            throw new VaultIntegrityException(path, version, "value authentication failed");
        } catch (GeneralSecurityException e) {
            throw new VaultIntegrityException(path, version, "value decryption failed (" + e.getClass().getSimpleName()
                    + ")");
        } finally {
            Arrays.fill(dek, (byte) 0);
        }
    }

    /**
     * Re-seals the DEK of a version under the current KEK and recomputes its fingerprint (whose key derives from the
     * KEK); the value's nonce and ciphertext stay as they are.
     */
    SealedValue rewrap(String path, int version, SealedValue sealed) {
        String value = open(path, version, sealed);
        byte[] dek = unwrap(path, version, sealed);
        byte[] plain = value.getBytes(StandardCharsets.UTF_8);
        try {
            MasterKey kek = keys.current();
            return new SealedValue(kek.id(), wrap(kek, path, version, dek), sealed.nonce(), sealed.ciphertext(),
                    fingerprint(kek, plain));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM key wrap failed for " + path + "@" + version, e);
        } finally {
            Arrays.fill(dek, (byte) 0);
            Arrays.fill(plain, (byte) 0);
        }
    }

    /** HMAC-SHA256 of the UTF-8 value under the fingerprint key derived from {@code kek}. */
    static byte[] fingerprint(MasterKey kek, String value) {
        byte[] plain = value.getBytes(StandardCharsets.UTF_8);
        try {
            return fingerprint(kek, plain);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    private static byte[] fingerprint(MasterKey kek, byte[] plain) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(kek.fingerprintKey());
            return mac.doFinal(plain);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }

    private byte[] wrap(MasterKey kek, String path, int version, byte[] dek) throws GeneralSecurityException {
        byte[] nonce = randomNonce();
        byte[] ct = gcm(Cipher.ENCRYPT_MODE, kek.aesKey(), nonce, wrapAad(path, version, kek.id()), dek);
        byte[] out = new byte[NONCE_LEN + ct.length];
        System.arraycopy(nonce, 0, out, 0, NONCE_LEN);
        System.arraycopy(ct, 0, out, NONCE_LEN, ct.length);
        return out;
    }

    private byte[] unwrap(String path, int version, SealedValue sealed) {
        MasterKey kek = keys.find(sealed.kekId()).orElseThrow(() -> new VaultIntegrityException(path, version,
                "KEK " + sealed.kekId() + " is not in the key ring"));
        byte[] wrapped = sealed.wrappedDek();
        if (wrapped.length != NONCE_LEN + DEK_LEN + TAG_BITS / 8) {
            throw new VaultIntegrityException(path, version, "wrapped key has the wrong length");
        }
        try {
            return gcm(Cipher.DECRYPT_MODE, kek.aesKey(), Arrays.copyOf(wrapped, NONCE_LEN),
                    wrapAad(path, version, kek.id()), Arrays.copyOfRange(wrapped, NONCE_LEN, wrapped.length));
        } catch (AEADBadTagException e) {
            throw new VaultIntegrityException(path, version, "wrapped key authentication failed");
        } catch (GeneralSecurityException e) {
            throw new VaultIntegrityException(path, version, "key unwrap failed (" + e.getClass().getSimpleName() + ")");
        }
    }

    /**
     * One cipher per thread: {@code Cipher.getInstance} is a provider lookup per call, six of them per lease of three
     * secrets. Reuse is safe for GCM because every encryption is initialised with a fresh random nonce.
     */
    private static final ThreadLocal<Cipher> GCM = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM is unavailable", e);
        }
    });

    private byte[] randomNonce() {
        byte[] nonce = new byte[NONCE_LEN];
        random.nextBytes(nonce);
        return nonce;
    }

    private static byte[] gcm(int mode, SecretKey key, byte[] nonce, byte[] aad, byte[] input)
            throws GeneralSecurityException {
        Cipher cipher = GCM.get(); // init below resets it whatever its last use (a failed tag check included)
        cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
        cipher.updateAAD(aad);
        return cipher.doFinal(input);
    }

    static byte[] valueAad(String path, int version) {
        return (path + "@" + version).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] wrapAad(String path, int version, String kekId) {
        return ("segura dek v1|" + path + "@" + version + "|" + kekId).getBytes(StandardCharsets.UTF_8);
    }
}
