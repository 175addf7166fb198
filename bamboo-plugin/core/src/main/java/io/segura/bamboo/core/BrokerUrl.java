// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.core;

import java.net.URI;
import java.net.URISyntaxException;

/** Checks the broker URL an administrator entered; the rules of {@code SEGURA_URL} (DESIGN §9, §10). */
public final class BrokerUrl {

    private BrokerUrl() {
    }

    /**
     * The URL without trailing slashes.
     *
     * @throws TaskFailure when it is missing, not an http(s) URL with a host, or plain http off loopback
     */
    public static URI parse(String raw) throws TaskFailure {
        if (raw == null || raw.isBlank()) {
            throw new TaskFailure("Segura is not configured: no broker URL. Fix: a Bamboo administrator enters it"
                    + " (e.g. https://segura.example.com) under Administration › Segura secrets.");
        }
        String t = raw.trim();
        while (t.endsWith("/")) {
            t = t.substring(0, t.length() - 1);
        }
        URI uri;
        try {
            uri = new URI(t);
        } catch (URISyntaxException e) {
            throw new TaskFailure("The broker URL \"" + raw.trim() + "\" in Segura's global settings is not a URL ("
                    + e.getReason() + "). Fix: enter it like https://segura.example.com.");
        }
        boolean http = "http".equals(uri.getScheme());
        if (!http && !"https".equals(uri.getScheme()) || uri.getHost() == null || uri.getRawQuery() != null
                || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
            throw new TaskFailure("The broker URL \"" + t + "\" in Segura's global settings must be an https URL"
                    + " with a host and no user info, query or fragment. Fix: enter it like"
                    + " https://segura.example.com.");
        }
        if (http && !loopback(uri.getHost())) {
            // A session token and secret values would cross the network in clear text.
            throw new TaskFailure("The broker URL \"" + t + "\" uses plain http, which Segura accepts on loopback only."
                    + " Fix: use the broker's https URL.");
        }
        return uri;
    }

    private static boolean loopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
    }
}
