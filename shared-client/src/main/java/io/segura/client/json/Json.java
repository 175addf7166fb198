// SPDX-License-Identifier: Apache-2.0
package io.segura.client.json;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON (RFC 8259) reader and writer for the broker API, so shared-client needs no JSON library and
 * loads in any CI server's class loader. Objects become {@code LinkedHashMap<String, Object>} (insertion order,
 * duplicate keys rejected), arrays {@code List<Object>}, numbers {@code Long} when integral and in range else
 * {@link BigDecimal}, plus {@code String}, {@code Boolean} and {@code null}. Nesting is capped so a hostile body
 * cannot exhaust the stack. Parse errors name the offset, never echo the input (it may hold a secret).
 */
public final class Json {

    /** Deeper documents are refused; the broker's answers are a few levels deep. */
    public static final int MAX_DEPTH = 128;

    private final String text;
    private int pos;

    private Json(String text) {
        this.text = text;
    }

    /** Parses one JSON value; anything but whitespace after it is an error. */
    public static Object parse(String text) {
        if (text == null) {
            throw new JsonException("no JSON text", 0);
        }
        Json p = new Json(text);
        p.skipWhitespace();
        Object value = p.value(0);
        p.skipWhitespace();
        if (p.pos != text.length()) {
            throw new JsonException("unexpected content after the JSON value", p.pos);
        }
        return value;
    }

    /** Parses a JSON object, refusing any other top-level value. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text) {
        Object v = parse(text);
        if (!(v instanceof Map)) {
            throw new JsonException("expected a JSON object", 0);
        }
        return (Map<String, Object>) v;
    }

    private Object value(int depth) {
        if (depth > MAX_DEPTH) {
            throw new JsonException("nesting deeper than " + MAX_DEPTH, pos);
        }
        if (pos >= text.length()) {
            throw new JsonException("unexpected end of input", pos);
        }
        char c = text.charAt(pos);
        switch (c) {
            case '{':
                return object(depth);
            case '[':
                return array(depth);
            case '"':
                return string();
            case 't':
                literal("true");
                return Boolean.TRUE;
            case 'f':
                literal("false");
                return Boolean.FALSE;
            case 'n':
                literal("null");
                return null;
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    return number();
                }
                throw new JsonException("unexpected character", pos);
        }
    }

    private Map<String, Object> object(int depth) {
        pos++; // '{'
        Map<String, Object> map = new LinkedHashMap<>();
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            return map;
        }
        while (true) {
            skipWhitespace();
            if (peek() != '"') {
                throw new JsonException("expected a string key", pos);
            }
            int keyAt = pos;
            String key = string();
            skipWhitespace();
            expect(':');
            skipWhitespace();
            Object v = value(depth + 1);
            if (map.containsKey(key)) {
                throw new JsonException("duplicate key", keyAt);
            }
            map.put(key, v);
            skipWhitespace();
            char c = next();
            if (c == '}') {
                return map;
            }
            if (c != ',') {
                throw new JsonException("expected ',' or '}'", pos - 1);
            }
        }
    }

    private List<Object> array(int depth) {
        pos++; // '['
        List<Object> list = new ArrayList<>();
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            return list;
        }
        while (true) {
            skipWhitespace();
            list.add(value(depth + 1));
            skipWhitespace();
            char c = next();
            if (c == ']') {
                return list;
            }
            if (c != ',') {
                throw new JsonException("expected ',' or ']'", pos - 1);
            }
        }
    }

    private String string() {
        pos++; // opening quote
        StringBuilder sb = null;
        int start = pos;
        while (true) {
            if (pos >= text.length()) {
                throw new JsonException("unterminated string", start - 1);
            }
            char c = text.charAt(pos);
            if (c == '"') {
                String s = sb == null ? text.substring(start, pos) : sb.append(text, start, pos).toString();
                pos++;
                return s;
            }
            if (c < 0x20) {
                throw new JsonException("unescaped control character in string", pos);
            }
            if (c == '\\') {
                if (sb == null) {
                    sb = new StringBuilder();
                }
                sb.append(text, start, pos);
                pos++;
                sb.append(escape());
                start = pos;
            } else {
                pos++;
            }
        }
    }

    private char escape() {
        if (pos >= text.length()) {
            throw new JsonException("unterminated escape", pos);
        }
        char e = text.charAt(pos++);
        switch (e) {
            case '"':
                return '"';
            case '\\':
                return '\\';
            case '/':
                return '/';
            case 'b':
                return '\b';
            case 'f':
                return '\f';
            case 'n':
                return '\n';
            case 'r':
                return '\r';
            case 't':
                return '\t';
            case 'u':
                if (pos + 4 > text.length()) {
                    throw new JsonException("short \\u escape", pos - 2);
                }
                int cp = 0;
                for (int i = 0; i < 4; i++) {
                    int d = Character.digit(text.charAt(pos + i), 16);
                    if (d < 0) {
                        throw new JsonException("bad hex digit in \\u escape", pos + i);
                    }
                    cp = cp * 16 + d;
                }
                pos += 4;
                // Surrogate pairs arrive as two escapes; each half is kept as the char it names.
                return (char) cp;
            default:
                throw new JsonException("unknown escape", pos - 2);
        }
    }

    private Object number() {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
            if (peek() >= '0' && peek() <= '9') {
                throw new JsonException("leading zero in number", start);
            }
        } else if (peek() >= '1' && peek() <= '9') {
            digits();
        } else {
            throw new JsonException("expected a digit", pos);
        }
        boolean integral = true;
        if (peek() == '.') {
            pos++;
            integral = false;
            requireDigit();
            digits();
        }
        if (peek() == 'e' || peek() == 'E') {
            pos++;
            integral = false;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            requireDigit();
            digits();
        }
        String n = text.substring(start, pos);
        if (integral) {
            BigInteger big = new BigInteger(n);
            return big.bitLength() < 64 ? (Object) big.longValue() : new BigDecimal(big);
        }
        return new BigDecimal(n);
    }

    private void requireDigit() {
        if (!(peek() >= '0' && peek() <= '9')) {
            throw new JsonException("expected a digit", pos);
        }
    }

    private void digits() {
        while (peek() >= '0' && peek() <= '9') {
            pos++;
        }
    }

    private void literal(String word) {
        if (!text.startsWith(word, pos)) {
            throw new JsonException("unexpected literal", pos);
        }
        pos += word.length();
    }

    private void expect(char c) {
        if (next() != c) {
            throw new JsonException("expected '" + c + "'", pos - 1);
        }
    }

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private char next() {
        if (pos >= text.length()) {
            throw new JsonException("unexpected end of input", pos);
        }
        return text.charAt(pos++);
    }

    private void skipWhitespace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    /**
     * Writes {@code value}: maps (string keys), iterables, arrays of objects, strings, numbers, booleans and null.
     * Non-ASCII text is written as is (UTF-8 on the wire); control characters, quotes, backslashes and the line
     * separators U+2028/U+2029 are escaped.
     */
    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 0);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object value, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("nesting deeper than " + MAX_DEPTH);
        }
        if (value == null) {
            sb.append("null");
        } else if (value instanceof CharSequence) {
            quote(sb, value.toString());
        } else if (value instanceof Boolean) {
            sb.append(value);
        } else if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new IllegalArgumentException("JSON has no NaN or infinity");
            }
            sb.append(BigDecimal.valueOf(d).toString());
        } else if (value instanceof Number) {
            sb.append(value);
        } else if (value instanceof Map) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                if (!(e.getKey() instanceof String)) {
                    throw new IllegalArgumentException("JSON object keys must be strings");
                }
                if (!first) {
                    sb.append(',');
                }
                first = false;
                quote(sb, (String) e.getKey());
                sb.append(':');
                write(sb, e.getValue(), depth + 1);
            }
            sb.append('}');
        } else if (value instanceof Iterable) {
            sb.append('[');
            boolean first = true;
            for (Object o : (Iterable<?>) value) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                write(sb, o, depth + 1);
            }
            sb.append(']');
        } else if (value instanceof Object[]) {
            write(sb, java.util.Arrays.asList((Object[]) value), depth);
        } else {
            throw new IllegalArgumentException("cannot write " + value.getClass().getName() + " as JSON");
        }
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"':
                    sb.append("\\\"");
                    break;
                case '\\':
                    sb.append("\\\\");
                    break;
                case '\n':
                    sb.append("\\n");
                    break;
                case '\r':
                    sb.append("\\r");
                    break;
                case '\t':
                    sb.append("\\t");
                    break;
                case '\b':
                    sb.append("\\b");
                    break;
                case '\f':
                    sb.append("\\f");
                    break;
                default:
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
    }

    /** Read-only views for typed access to a parsed object, with errors that name the field. */
    public static String string(Map<String, Object> o, String field) {
        Object v = o.get(field);
        if (!(v instanceof String)) {
            throw new JsonException("field \"" + field + "\" must be a string", -1);
        }
        return (String) v;
    }

    public static String optionalString(Map<String, Object> o, String field) {
        Object v = o.get(field);
        return v instanceof String ? (String) v : null;
    }

    public static long number(Map<String, Object> o, String field) {
        Object v = o.get(field);
        if (!(v instanceof Long)) {
            throw new JsonException("field \"" + field + "\" must be an integer", -1);
        }
        return (Long) v;
    }

    @SuppressWarnings("unchecked")
    public static List<Object> list(Map<String, Object> o, String field) {
        Object v = o.get(field);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List)) {
            throw new JsonException("field \"" + field + "\" must be a list", -1);
        }
        return Collections.unmodifiableList((List<Object>) v);
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(Object v, String what) {
        if (!(v instanceof Map)) {
            throw new JsonException(what + " must be a JSON object", -1);
        }
        return (Map<String, Object>) v;
    }
}
