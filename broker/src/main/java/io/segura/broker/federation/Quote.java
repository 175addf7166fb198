// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.federation;

import java.util.List;

/**
 * Renders a token's own claim value for a caller-facing message: JSON-quoted (so control characters and quotes
 * cannot forge log lines or message structure) and cut to a bounded length (a token may carry kilobytes of claim).
 */
public final class Quote {

    public static final int MAX_CHARS = 200;

    private Quote() {
    }

    /** {@code "value"} JSON-escaped, or {@code (none)} for null. */
    public static String value(Object value) {
        if (value == null) {
            return "(none)";
        }
        if (value instanceof List<?> list) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < list.size() && sb.length() < MAX_CHARS; i++) {
                sb.append(i == 0 ? "" : ", ").append(value(list.get(i)));
            }
            return sb.append(list.size() > 0 && sb.length() >= MAX_CHARS ? ", …]" : "]").toString();
        }
        if (!(value instanceof String)) {
            return value(String.valueOf(value));
        }
        String s = (String) value;
        boolean cut = s.length() > MAX_CHARS;
        StringBuilder sb = new StringBuilder(Math.min(s.length(), MAX_CHARS) + 8).append('"');
        for (int i = 0; i < Math.min(s.length(), MAX_CHARS); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append(cut ? "…\"" : "\"").toString();
    }
}
