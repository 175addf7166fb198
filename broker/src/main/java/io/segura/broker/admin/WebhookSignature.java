// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.admin;

import io.segura.broker.Refusal;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies a scanner's signed webhook delivery: {@value #SIGNATURE_HEADER}{@code : sha256=<hex>} is
 * HMAC-SHA256(shared secret, {@code <timestamp> + "." + <raw body bytes>}) and {@value #TIMESTAMP_HEADER} is the
 * sending time in Unix seconds, at most {@link #WINDOW} away from the broker's clock (so a captured delivery cannot be
 * replayed later). The comparison is constant-time. Refusals say which check failed, never the expected signature.
 */
public final class WebhookSignature {

    public static final String TIMESTAMP_HEADER = "X-Segura-Timestamp";
    public static final String SIGNATURE_HEADER = "X-Segura-Signature";
    public static final Duration WINDOW = Duration.ofMinutes(5);
    public static final int MIN_SECRET_LENGTH = 32;
    private static final String PREFIX = "sha256=";

    private final SecretKeySpec key;
    private final Clock clock;

    public WebhookSignature(String sharedSecret, Clock clock) {
        Objects.requireNonNull(sharedSecret, "sharedSecret cannot be null");
        if (sharedSecret.length() < MIN_SECRET_LENGTH) {
            throw new IllegalArgumentException("the exposure webhook secret must have at least " + MIN_SECRET_LENGTH
                    + " characters (e.g. openssl rand -hex 32)");
        }
        this.key = new SecretKeySpec(sharedSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    }

    /** @throws Refusal (unauthenticated) when a header is missing or malformed, the timestamp is stale or the MAC differs */
    public void verify(String timestamp, String signature, byte[] body) {
        if (timestamp == null || signature == null) {
            throw unauthenticated("headers " + TIMESTAMP_HEADER + " and " + SIGNATURE_HEADER + " are required");
        }
        long seconds;
        try {
            seconds = Long.parseLong(timestamp.trim());
        } catch (NumberFormatException e) {
            throw unauthenticated(TIMESTAMP_HEADER + " must be Unix seconds");
        }
        Instant sent = Instant.ofEpochSecond(seconds);
        Duration skew = Duration.between(sent, clock.instant()).abs();
        if (skew.compareTo(WINDOW) > 0) {
            throw unauthenticated(TIMESTAMP_HEADER + " is more than " + WINDOW.toMinutes()
                    + " minutes away from the broker's clock (stale or replayed delivery)");
        }
        String s = signature.trim();
        byte[] presented;
        try {
            if (!s.startsWith(PREFIX)) {
                throw new IllegalArgumentException();
            }
            presented = HexFormat.of().parseHex(s.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw unauthenticated(SIGNATURE_HEADER + " must be sha256=<hex>");
        }
        if (!MessageDigest.isEqual(mac(timestamp.trim(), body), presented)) {
            throw unauthenticated(SIGNATURE_HEADER + " does not match the body and timestamp");
        }
    }

    /** The header value a sender computes: {@code sha256=} + hex HMAC over {@code timestamp.body}. */
    public String sign(String timestamp, byte[] body) {
        return PREFIX + HexFormat.of().formatHex(mac(timestamp, body));
    }

    private byte[] mac(String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update(timestamp.getBytes(StandardCharsets.US_ASCII));
            mac.update((byte) '.');
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }

    private static Refusal unauthenticated(String detail) {
        return Refusal.unauthenticated("invalid-webhook-signature", detail);
    }

    @Override
    public String toString() {
        return "WebhookSignature[<redacted>]";
    }
}
