// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.session;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * An opaque session token as handed to a CI job: {@code sgs_} + 32 random bytes base64url (DESIGN §5). The broker
 * stores only its SHA-256; the value itself exists in memory just long enough to answer the exchange.
 */
public record SessionToken(String value) {

    public static final String PREFIX = "sgs_";
    private static final Pattern SHAPE = Pattern.compile("sgs_[A-Za-z0-9_-]{43}");

    public static SessionToken generate(SecureRandom random) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return new SessionToken(PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
    }

    /** Whether a presented bearer string could be a session token at all (cheap check before any lookup). */
    public static boolean looksLike(String presented) {
        return presented != null && SHAPE.matcher(presented).matches();
    }

    public String hash() {
        return sha256Hex(value);
    }

    public static String sha256Hex(String s) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by the Java platform", e);
        }
    }

    @Override
    public String toString() {
        return "SessionToken[<redacted>]";
    }
}
