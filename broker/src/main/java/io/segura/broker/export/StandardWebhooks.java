// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.export;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs deliveries the Standard Webhooks way (standardwebhooks.com, spec "Signature scheme"): the signed content is
 * {@code webhook-id + "." + webhook-timestamp + "." + body}, signed with HMAC-SHA256 under the secret's bytes (the
 * base64 after {@code whsec_}), sent as {@code webhook-signature: v1,<base64>}. Receivers verify with any of the
 * standard's libraries.
 */
public final class StandardWebhooks {

    public static final String SECRET_PREFIX = "whsec_";
    private static final int SECRET_BYTES = 32;

    private final byte[] key;
    /** Initialised once with the key; each signature works on a clone (no key schedule per event). */
    private final Mac initialised;

    /** @param secret {@code whsec_} followed by the base64 key */
    public StandardWebhooks(String secret) {
        Objects.requireNonNull(secret, "secret cannot be null");
        if (!secret.startsWith(SECRET_PREFIX)) {
            throw new IllegalArgumentException("a signing secret starts with " + SECRET_PREFIX);
        }
        this.key = Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()));
        if (key.length < 24 || key.length > 64) {
            throw new IllegalArgumentException("a signing secret has 24 to 64 bytes");
        }
        this.initialised = newMac();
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }

    /** A Mac ready to sign: a clone of the initialised one (synchronised: clone reads its state). */
    private Mac mac() {
        synchronized (initialised) {
            try {
                return (Mac) initialised.clone();
            } catch (CloneNotSupportedException e) {
                return newMac(); // a provider whose Mac cannot be cloned: initialise one per signature
            }
        }
    }

    /** A fresh secret: {@code whsec_} and 32 random bytes in base64. */
    public static String newSecret(SecureRandom random) {
        byte[] b = new byte[SECRET_BYTES];
        random.nextBytes(b);
        return SECRET_PREFIX + Base64.getEncoder().encodeToString(b);
    }

    /** The {@code webhook-signature} value for this message. */
    public String sign(String id, long timestampSeconds, String body) {
        return sign(id, timestampSeconds, body.getBytes(StandardCharsets.UTF_8));
    }

    /** The {@code webhook-signature} value for this message, the body as the UTF-8 bytes sent. */
    public String sign(String id, long timestampSeconds, byte[] body) {
        Mac mac = mac();
        mac.update((id + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8));
        return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
    }

    @Override
    public String toString() {
        return "StandardWebhooks[key hidden]";
    }
}
