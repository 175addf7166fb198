// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Makes caller-controlled text fit an audit record instead of losing the record: token-shaped runs are redacted
 * ({@link RawTokenGuard#redact}) and text over a field's width is cut with a marker that keeps the original's length
 * and SHA-256 ({@code …[cut 2000 chars, sha256:…]}), so two refusals with the same over-long value still correlate.
 * A refusal built from a 2,000-character client id or a forged JWT-shaped {@code iss} is therefore recorded, not
 * dropped.
 */
final class AuditText {

    /** Longest string kept whole inside {@code ctx} and {@code details} (a claim can be a few KiB). */
    static final int MAX_TREE_STRING = 1024;
    /** Longest {@code reason}: refusal messages quote caller values bounded at 200 characters each. */
    static final int MAX_REASON = 4096;

    private AuditText() {
    }

    static String field(String value, int max) {
        if (value == null) {
            return null;
        }
        String clean = RawTokenGuard.redact(value);
        if (clean.length() <= max) {
            return clean;
        }
        String hash = sha256(value);
        String marker = "…[cut " + value.length() + " chars, sha256:" + hash + "]";
        if (marker.length() + 16 > max) {
            marker = "…[cut sha256:" + hash.substring(0, 16) + "]";
        }
        int keep = Math.max(0, max - marker.length());
        if (keep > 0 && Character.isHighSurrogate(clean.charAt(keep - 1))) {
            keep--;
        }
        return clean.substring(0, keep) + marker;
    }

    /** A deep copy of a ctx or details value with every string (keys included) made to fit. */
    static Object tree(Object value) {
        if (value instanceof String s) {
            return field(s, MAX_TREE_STRING);
        }
        if (value instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(k instanceof String s ? field(s, MAX_TREE_STRING) : k, tree(v)));
            return Collections.unmodifiableMap(out);
        }
        if (value instanceof Iterable<?> it) {
            List<Object> out = new ArrayList<>();
            it.forEach(v -> out.add(tree(v)));
            return Collections.unmodifiableList(out);
        }
        return value;
    }

    static String sha256(String value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JRE", e);
        }
    }
}
