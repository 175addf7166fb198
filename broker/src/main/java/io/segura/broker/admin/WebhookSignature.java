// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.admin;

import io.segura.broker.Refusal;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
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
    private static final int MAX_TIMESTAMP_DIGITS = 12;

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

    /**
     * Checks the headers and the MAC.
     *
     * @return the delivery's timestamp and canonical (lower-case hex) MAC, the key of the replay cache
     * @throws Refusal (unauthenticated) when a header is missing or malformed, the timestamp is stale or the MAC differs
     */
    public Delivery verify(String timestamp, String signature, byte[] body) {
        if (timestamp == null || signature == null) {
            throw unauthenticated("headers " + TIMESTAMP_HEADER + " and " + SIGNATURE_HEADER + " are required");
        }
        String ts = timestamp.trim();
        long seconds = unixSeconds(ts);
        // Compared without Instant or subtraction: any long is refused cleanly, ±2^63 included.
        long now = clock.instant().getEpochSecond();
        if (seconds < now - WINDOW.toSeconds() || seconds > now + WINDOW.toSeconds()) {
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
        byte[] expected = mac(ts, body);
        if (!MessageDigest.isEqual(expected, presented)) {
            throw unauthenticated(SIGNATURE_HEADER + " does not match the body and timestamp");
        }
        return new Delivery(seconds, HexFormat.of().formatHex(expected));
    }

    /** At most 12 ASCII digits (Unix seconds until the year 33658); a sign, spaces or anything else is refused. */
    private static long unixSeconds(String ts) {
        if (ts.isEmpty() || ts.length() > MAX_TIMESTAMP_DIGITS) {
            throw unauthenticated(TIMESTAMP_HEADER + " must be Unix seconds");
        }
        for (int i = 0; i < ts.length(); i++) {
            char c = ts.charAt(i);
            if (c < '0' || c > '9') {
                throw unauthenticated(TIMESTAMP_HEADER + " must be Unix seconds");
            }
        }
        return Long.parseLong(ts);
    }

    /**
     * A delivery whose signature verified.
     *
     * @param timestamp its {@value #TIMESTAMP_HEADER}, Unix seconds
     * @param mac       its HMAC in lower-case hex, whatever case the sender wrote
     */
    public record Delivery(long timestamp, String mac) {
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
