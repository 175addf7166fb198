// SPDX-License-Identifier: Apache-2.0
package io.segura.client.masking;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The forms in which one secret value can show up in a CI log (DESIGN §11): the textual patterns the
 * {@link Masker} looks for.
 *
 * <p>Besides the value itself: each line of a multi-line value, JSON-string-escaped forms, URL percent and form
 * encodings, the body of a shell single-quoted word (as {@code bash -x} prints it), and base64 (standard and
 * URL-safe, padded and not) including the three alignment-shifted "cores", so that {@code base64(user:secret)}
 * inside a longer base64 blob still contains a pattern. Encodings are applied to the whole value; the lines of a
 * multi-line value are added raw. Forms shorter than the minimum length (in code points) are dropped, because a
 * short pattern masks unrelated text all over the log (actions/runner#326).
 *
 * <p>Plugins with a native masking command (GitHub's {@code ::add-mask::}, Azure's {@code task.setsecret}) register
 * every form returned here.
 */
public final class SecretVariants {

    private static final String UPPER_HEX = "0123456789ABCDEF";
    private static final String LOWER_HEX = "0123456789abcdef";
    /** RFC 3986 §2.3 unreserved characters besides ALPHA and DIGIT. */
    private static final String RFC3986_UNRESERVED = "-._~";
    /** What {@link java.net.URLEncoder} (HTML form encoding) keeps besides ALPHA and DIGIT. */
    private static final String FORM_UNRESERVED = "-._*";
    /** What JavaScript's {@code encodeURIComponent} keeps besides ALPHA and DIGIT. */
    private static final String JS_COMPONENT_UNRESERVED = "-._~!*'()";
    /** Characters Gson escapes by default so JSON can be embedded in HTML. */
    private static final String HTML_SAFE_ESCAPED = "<>&='";

    private SecretVariants() {
    }

    /**
     * All forms of {@code value} at least {@code minimumLength} code points long, deduplicated, the value first.
     * Returns an empty list when the value itself is shorter than the minimum.
     */
    public static List<String> of(String value, int minimumLength) {
        Objects.requireNonNull(value, "value cannot be null");
        if (minimumLength < 1) {
            throw new IllegalArgumentException("minimumLength must be at least 1");
        }
        if (length(value) < minimumLength) {
            return List.of();
        }
        Set<String> forms = new LinkedHashSet<>();
        forms.add(value);
        forms.addAll(lines(value));
        forms.addAll(json(value));
        forms.addAll(url(value));
        forms.addAll(shell(value));
        forms.addAll(base64(value.getBytes(StandardCharsets.UTF_8)));
        List<String> kept = new ArrayList<>(forms.size());
        for (String form : forms) {
            if (length(form) >= minimumLength) {
                kept.add(form);
            }
        }
        return List.copyOf(kept);
    }

    private static int length(String s) {
        return s.codePointCount(0, s.length());
    }

    /**
     * The lines of a multi-line value, split on CR LF, LF and CR (as the GitHub runner does, PR #1521); a single-line
     * value has none.
     */
    public static List<String> lines(String value) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\n' || c == '\r') {
                lines.add(value.substring(start, i));
                if (c == '\r' && i + 1 < value.length() && value.charAt(i + 1) == '\n') {
                    i++;
                }
                start = i + 1;
            }
        }
        if (start > 0) {
            lines.add(value.substring(start));
        }
        return lines;
    }

    /**
     * JSON string bodies as common serializers write them: short escapes ({@code \n}) or {@code \}{@code u00XX}
     * for control characters, upper- (Jackson) or lower-case (Gson, Python) hex, optionally {@code \/}, Gson's
     * HTML-safe escapes, and ASCII-only output ({@code ensure_ascii}, {@code ESCAPE_NON_ASCII}).
     */
    static List<String> json(String value) {
        List<String> forms = new ArrayList<>();
        for (String hex : new String[] {UPPER_HEX, LOWER_HEX}) {
            forms.add(jsonEscape(value, hex, true, false, false, false));
            forms.add(jsonEscape(value, hex, false, false, false, false));
            forms.add(jsonEscape(value, hex, true, true, false, false));
            forms.add(jsonEscape(value, hex, true, false, true, false));
            forms.add(jsonEscape(value, hex, true, false, false, true));
            forms.add(jsonEscape(value, hex, true, false, true, true));
        }
        return forms;
    }

    private static String jsonEscape(String value, String hex, boolean shortForms, boolean escapeSlash,
            boolean htmlSafe, boolean asciiOnly) {
        StringBuilder sb = new StringBuilder(value.length() + 16);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"') {
                sb.append("\\\"");
            } else if (c == '\\') {
                sb.append("\\\\");
            } else if (c == '/' && escapeSlash) {
                sb.append("\\/");
            } else if (c < 0x20 && shortForms && shortJsonEscape(c) != 0) {
                sb.append('\\').append(shortJsonEscape(c));
            } else if (c < 0x20 || (htmlSafe && HTML_SAFE_ESCAPED.indexOf(c) >= 0) || (asciiOnly && c > 0x7e)) {
                sb.append("\\u");
                appendHex(sb, c >> 8, hex);
                appendHex(sb, c & 0xff, hex);
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static char shortJsonEscape(char c) {
        switch (c) {
            case '\b': return 'b';
            case '\f': return 'f';
            case '\n': return 'n';
            case '\r': return 'r';
            case '\t': return 't';
            default: return 0;
        }
    }

    /** Percent encodings of the UTF-8 bytes: RFC 3986, HTML form (space as {@code +}), encodeURIComponent. */
    static List<String> url(String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        return List.of(
                percent(bytes, RFC3986_UNRESERVED, false, UPPER_HEX),
                percent(bytes, RFC3986_UNRESERVED, false, LOWER_HEX),
                percent(bytes, FORM_UNRESERVED, true, UPPER_HEX),
                percent(bytes, FORM_UNRESERVED, true, LOWER_HEX),
                percent(bytes, JS_COMPONENT_UNRESERVED, false, UPPER_HEX));
    }

    private static String percent(byte[] bytes, String unreserved, boolean spaceAsPlus, String hex) {
        StringBuilder sb = new StringBuilder(bytes.length * 3);
        for (byte b : bytes) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || (c < 0x80 && unreserved.indexOf(c) >= 0)) {
                sb.append((char) c);
            } else if (c == ' ' && spaceAsPlus) {
                sb.append('+');
            } else {
                sb.append('%');
                appendHex(sb, c, hex);
            }
        }
        return sb.toString();
    }

    /**
     * The body of a single-quoted shell word: {@code '} becomes {@code '\''} (bash {@code -x}, credentials-binding's
     * Bash factory) or {@code '"'"'}. Values without a quote are unchanged and deduplicated away.
     */
    static List<String> shell(String value) {
        return List.of(value.replace("'", "'\\''"), value.replace("'", "'\"'\"'"));
    }

    /**
     * Base64 of the UTF-8 bytes in both alphabets, padded and not, plus for each alphabet the characters that are
     * fully determined by the secret's bytes when the secret starts at byte offset 0, 1 or 2 of a longer encoded
     * blob (e.g. {@code Authorization: Basic base64(user:secret)}).
     */
    static List<String> base64(byte[] bytes) {
        List<String> forms = new ArrayList<>();
        for (Base64.Encoder encoder : new Base64.Encoder[] {Base64.getEncoder(), Base64.getUrlEncoder()}) {
            forms.add(encoder.encodeToString(bytes));
            forms.add(encoder.withoutPadding().encodeToString(bytes));
            for (int offset = 0; offset < 3; offset++) {
                forms.add(base64Core(encoder.withoutPadding(), bytes, offset));
            }
        }
        return forms;
    }

    private static String base64Core(Base64.Encoder encoder, byte[] bytes, int offset) {
        byte[] shifted = new byte[offset + bytes.length];
        System.arraycopy(bytes, 0, shifted, offset, bytes.length);
        String encoded = encoder.encodeToString(shifted);
        // Character k covers bits [6k, 6k+6); keep those inside the secret's bits [8*offset, 8*(offset+length)).
        int first = (8 * offset + 5) / 6;
        int endExclusive = (8 * (offset + bytes.length) - 6) / 6 + 1;
        if (endExclusive <= first) {
            return "";
        }
        return encoded.substring(first, Math.min(endExclusive, encoded.length()));
    }

    private static void appendHex(StringBuilder sb, int b, String hex) {
        sb.append(hex.charAt((b >> 4) & 0xf)).append(hex.charAt(b & 0xf));
    }
}
