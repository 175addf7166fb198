// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF with HMAC-SHA256, the extract-then-expand key derivation of RFC 5869, used to derive the fingerprint key from
 * the KEK so that the KEK itself is never used for two purposes.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc5869#section-2">RFC 5869 §2</a>
 */
final class Hkdf {

    private static final String HMAC = "HmacSHA256";
    private static final int HASH_LEN = 32;

    private Hkdf() {
    }

    /** RFC 5869 §2.2; an absent or empty salt is HashLen zero bytes (equivalent under HMAC's key padding). */
    static byte[] extract(byte[] salt, byte[] ikm) {
        byte[] s = salt == null || salt.length == 0 ? new byte[HASH_LEN] : salt;
        return mac(s).doFinal(ikm);
    }

    /** RFC 5869 §2.3: T(i) = HMAC(PRK, T(i-1) | info | i), L ≤ 255 * HashLen. */
    static byte[] expand(byte[] prk, byte[] info, int length) {
        if (length < 1 || length > 255 * HASH_LEN) {
            throw new IllegalArgumentException("HKDF output length must be 1.." + 255 * HASH_LEN + ", got " + length);
        }
        Mac mac = mac(prk);
        byte[] out = new byte[length];
        byte[] t = new byte[0];
        int written = 0;
        for (int i = 1; written < length; i++) {
            mac.update(t);
            mac.update(info);
            mac.update((byte) i);
            t = mac.doFinal();
            int n = Math.min(t.length, length - written);
            System.arraycopy(t, 0, out, written, n);
            written += n;
        }
        return out;
    }

    static byte[] derive(byte[] salt, byte[] ikm, byte[] info, int length) {
        return expand(extract(salt, ikm), info, length);
    }

    private static Mac mac(byte[] key) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(key, HMAC));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }
}
