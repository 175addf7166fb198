// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Collection;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/** The lexical rules of trust-config values (names, secret paths and globs, URLs) and the "did you mean" hint. */
final class ConfigSyntax {

    /** Names of issuers, roles, policies, clients and dynamic roles. */
    static final Pattern NAME = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");

    /** DESIGN §6 secret path. */
    static final Pattern SECRET_PATH = Pattern.compile("^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*$");

    /** A secret path where {@code *} may stand anywhere in a segment (it matches any run, {@code /} included). */
    static final Pattern SECRET_GLOB = Pattern.compile("^[a-z0-9*][a-z0-9._*-]*(/[a-z0-9*][a-z0-9._*-]*)*$");

    static final int MAX_SECRET_PATH = 256;

    private ConfigSyntax() {
    }

    /** {@code null} when {@code url} is acceptable, else the problem. */
    static String checkUrl(String url) {
        return checkUrl(url, false);
    }

    /** As {@link #checkUrl(String)}; an OIDC issuer identifier also has no query (OpenID Connect Discovery §2). */
    static String checkUrl(String url, boolean issuer) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return "not a valid URL: " + e.getReason();
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            return "must be an absolute https URL with a host";
        }
        if (uri.getRawUserInfo() != null) {
            return "must not contain user info (credentials do not belong in the config)";
        }
        if (uri.getRawFragment() != null) {
            return "must not contain a fragment";
        }
        if (issuer && uri.getRawQuery() != null) {
            return "an issuer identifier must not contain a query";
        }
        if (scheme.equals("https")) {
            return null;
        }
        if (scheme.equals("http")) {
            return isLoopback(uri.getHost()) ? null
                    : "must use https (plain http is allowed only on loopback: 127.0.0.1, localhost, [::1])";
        }
        return "must use https (plain http is allowed only on loopback), got scheme `" + scheme + "`";
    }

    static boolean isLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("127.0.0.1") || h.equals("localhost") || h.equals("[::1]");
    }

    /** " (did you mean `x`?)" for the closest candidate within a small edit distance, else "". */
    static String suggest(String given, Collection<String> candidates) {
        return closest(given, candidates).map(c -> " (did you mean `" + c + "`?)").orElse("");
    }

    static Optional<String> closest(String given, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(given.toLowerCase(Locale.ROOT), c.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        int limit = Math.max(2, given.length() / 3);
        return bestDistance <= limit ? Optional.ofNullable(best) : Optional.empty();
    }

    private static int distance(String a, String b) {
        if (a.length() > 64 || b.length() > 64) {
            return Integer.MAX_VALUE;
        }
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
