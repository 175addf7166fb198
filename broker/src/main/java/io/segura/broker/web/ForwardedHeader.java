// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The hops of an RFC 7239 {@code Forwarded} header, in the form {@link TrustedProxies#client} walks: one entry per
 * forwarded-element, left to right, each its {@code for=} node as a bare address ({@code 192.0.2.60},
 * {@code 2001:db8:cafe::17}), or the empty string where the node is no address: {@code unknown}, an obfuscated
 * identifier ({@code _hidden}), an IPv6 address outside {@code "[…]"}, no {@code for=} at all, or a malformed element.
 * An empty entry is never an address, so the walk stops there as at garbage in {@code X-Forwarded-For}: what lies
 * left of a hop nobody can check was written by someone who could lie.
 */
final class ForwardedHeader {

    static final String NAME = "Forwarded";

    private ForwardedHeader() {
    }

    /** The {@code for=} hops of the header's lines (several lines are one comma-separated list, RFC 9110 §5.3). */
    static List<String> hops(List<String> lines) {
        List<String> hops = new ArrayList<>();
        for (String line : lines) {
            for (String element : split(line, ',')) {
                hops.add(forNode(element));
            }
        }
        return hops;
    }

    /** The element's {@code for} parameter as an address, or "" (see the class comment). */
    private static String forNode(String element) {
        String node = null;
        for (String pair : split(element, ';')) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                if (pair.isBlank()) {
                    continue;
                }
                return "";
            }
            String key = pair.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            if (key.equals("for")) {
                if (node != null) {
                    return ""; // a second for= in one element: RFC 7239 §4 allows one
                }
                node = value(pair.substring(eq + 1).trim());
                if (node == null) {
                    return "";
                }
            }
        }
        return node == null ? "" : address(node);
    }

    /** A token or a quoted-string (backslash escapes resolved); null when a quote is unbalanced. */
    private static String value(String raw) {
        if (!raw.startsWith("\"")) {
            return raw.contains("\"") ? null : raw;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 1; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '\\' && i + 1 < raw.length()) {
                out.append(raw.charAt(++i));
            } else if (c == '"') {
                return i == raw.length() - 1 ? out.toString() : null;
            } else {
                out.append(c);
            }
        }
        return null;
    }

    /**
     * RFC 7239 §6: {@code IPv4[:port]}, {@code "[IPv6]"[:port]}, {@code unknown}, {@code _obfuscated}; the address
     * alone, or "" for anything that is not one.
     */
    private static String address(String node) {
        if (node.startsWith("[")) {
            int end = node.indexOf(']');
            if (end < 0 || (end + 1 < node.length() && !port(node.substring(end + 1)))) {
                return "";
            }
            String v6 = node.substring(1, end);
            return v6.contains(":") ? v6 : "";
        }
        int colon = node.indexOf(':');
        if (colon >= 0) {
            // an IPv4 address with a port; a bare IPv6 address (no brackets) is not a valid node
            return colon == node.lastIndexOf(':') && port(node.substring(colon)) && !node.substring(0, colon)
                    .isEmpty() ? node.substring(0, colon) : "";
        }
        return node.equalsIgnoreCase("unknown") || node.startsWith("_") ? "" : node;
    }

    /** {@code :1234} or an obfuscated port {@code :_abc}. */
    private static boolean port(String s) {
        return s.length() > 1 && s.charAt(0) == ':' && (s.substring(1).chars().allMatch(Character::isDigit)
                || s.charAt(1) == '_');
    }

    /** Splits on {@code separator} outside quoted strings. */
    private static List<String> split(String s, char separator) {
        List<String> parts = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted && c == '\\' && i + 1 < s.length()) {
                current.append(c).append(s.charAt(++i));
                continue;
            }
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == separator && !quoted) {
                parts.add(current.toString().trim());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        parts.add(current.toString().trim());
        return parts;
    }
}
