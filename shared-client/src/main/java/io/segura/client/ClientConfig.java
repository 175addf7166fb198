// SPDX-License-Identifier: Apache-2.0
package io.segura.client;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The client's settings, read from the job's environment (DESIGN §10) — every plugin maps its inputs onto these
 * variables. {@code toString()} shows which credentials are present, never their values.
 *
 * @param url          {@code SEGURA_URL}, the broker's base URL
 * @param role         {@code SEGURA_ROLE}, or {@code null} to let the broker pick the one matching role
 * @param audience     {@code SEGURA_AUDIENCE}, default {@code SEGURA_URL}
 * @param secrets      {@code SEGURA_SECRETS}
 * @param ttl          {@code SEGURA_TTL}, or {@code null} for the role's maximum
 * @param caCert       {@code SEGURA_CA_CERT}, a PEM file of CA certificates to trust for the broker
 * @param clientId     {@code SEGURA_CLIENT_ID}
 * @param clientSecret {@code SEGURA_CLIENT_SECRET}
 * @param clientCert   {@code SEGURA_CLIENT_CERT}, PEM certificate (chain) for mTLS
 * @param clientKey    {@code SEGURA_CLIENT_KEY}, its PKCS#8 PEM private key
 * @param idToken      {@code SEGURA_ID_TOKEN}, an explicit OIDC token (e.g. a GitLab {@code id_tokens} variable)
 * @param tokenFile    {@code SEGURA_TOKEN_FILE}, a file holding the OIDC token (projected Kubernetes token)
 * @param platform     {@code SEGURA_PLATFORM}, overrides platform detection
 * @param adminToken   {@code SEGURA_ADMIN_TOKEN}, for the operator commands ({@code rotate}, {@code audit})
 * @param retry        retry budget ({@code SEGURA_RETRY_ATTEMPTS}, {@code SEGURA_RETRY_MAX_TIME})
 */
public record ClientConfig(URI url, String role, String audience, List<SecretSpec> secrets, Duration ttl,
        Path caCert, String clientId, String clientSecret, Path clientCert, Path clientKey, String idToken,
        Path tokenFile, String platform, String adminToken, RetryPolicy retry) {

    public ClientConfig {
        Objects.requireNonNull(url, "url cannot be null");
        Objects.requireNonNull(audience, "audience cannot be null");
        secrets = List.copyOf(secrets);
        Objects.requireNonNull(retry, "retry cannot be null");
    }

    /**
     * Reads the configuration; every error names the variable at fault.
     *
     * @throws ConfigException when a variable is missing or malformed
     */
    public static ClientConfig fromEnvironment(Map<String, String> env) throws ConfigException {
        Objects.requireNonNull(env, "env cannot be null");
        String rawUrl = value(env, "SEGURA_URL");
        if (rawUrl == null) {
            throw new ConfigException("SEGURA_URL is not set: give the broker's base URL, e.g."
                    + " SEGURA_URL=https://segura.example.com");
        }
        URI url = url(rawUrl);
        String role = value(env, "SEGURA_ROLE");
        if (role != null && !role.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new ConfigException("SEGURA_ROLE \"" + role + "\" is not a role name (letters, digits, . _ -)");
        }
        String audience = value(env, "SEGURA_AUDIENCE");
        if (audience == null) {
            audience = stripSlash(rawUrl);
        }
        List<SecretSpec> secrets;
        try {
            secrets = SecretSpec.parseList(value(env, "SEGURA_SECRETS"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("SEGURA_SECRETS: " + e.getMessage());
        }
        Duration ttl = duration(env, "SEGURA_TTL");
        String clientId = value(env, "SEGURA_CLIENT_ID");
        String clientSecret = value(env, "SEGURA_CLIENT_SECRET");
        if (clientSecret != null && clientId == null) {
            throw new ConfigException("SEGURA_CLIENT_SECRET is set but SEGURA_CLIENT_ID is not");
        }
        Path clientCert = file(env, "SEGURA_CLIENT_CERT");
        Path clientKey = file(env, "SEGURA_CLIENT_KEY");
        if ((clientCert == null) != (clientKey == null)) {
            throw new ConfigException("SEGURA_CLIENT_CERT and SEGURA_CLIENT_KEY go together: set both or neither");
        }
        RetryPolicy retry = RetryPolicy.DEFAULT;
        String attempts = value(env, "SEGURA_RETRY_ATTEMPTS");
        Duration maxTime = duration(env, "SEGURA_RETRY_MAX_TIME");
        if (attempts != null || maxTime != null) {
            int n;
            try {
                n = attempts == null ? retry.maxAttempts() : Integer.parseInt(attempts);
            } catch (NumberFormatException e) {
                n = 0;
            }
            if (n < 1 || n > 20) {
                throw new ConfigException("SEGURA_RETRY_ATTEMPTS must be an integer from 1 to 20");
            }
            retry = new RetryPolicy(n, retry.initialBackoff(), retry.maxBackoff(),
                    maxTime == null ? retry.maxTotal() : maxTime);
        }
        return new ClientConfig(url, role, audience, secrets, ttl, file(env, "SEGURA_CA_CERT"), clientId,
                clientSecret, clientCert, clientKey, value(env, "SEGURA_ID_TOKEN"), file(env, "SEGURA_TOKEN_FILE"),
                value(env, "SEGURA_PLATFORM"), value(env, "SEGURA_ADMIN_TOKEN"), retry);
    }

    private static URI url(String raw) throws ConfigException {
        URI uri;
        try {
            uri = new URI(stripSlash(raw));
        } catch (java.net.URISyntaxException e) {
            throw new ConfigException("SEGURA_URL is not a URL: " + e.getReason());
        }
        if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new ConfigException("SEGURA_URL must be an http(s) URL with a host, like https://segura.example.com");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
            throw new ConfigException("SEGURA_URL must not carry user info, a query or a fragment");
        }
        if ("http".equals(uri.getScheme()) && !isLoopback(uri.getHost())) {
            // A session token and secret values would cross the network in clear text.
            throw new ConfigException("SEGURA_URL must use https (plain http is accepted for loopback only)");
        }
        return uri;
    }

    static boolean isLoopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1");
    }

    private static String stripSlash(String s) {
        String t = s.trim();
        while (t.endsWith("/")) {
            t = t.substring(0, t.length() - 1);
        }
        return t;
    }

    private static String value(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    private static Duration duration(Map<String, String> env, String name) throws ConfigException {
        String v = value(env, name);
        if (v == null) {
            return null;
        }
        try {
            return DurationText.parse(v);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(name + ": " + e.getMessage());
        }
    }

    private static Path file(Map<String, String> env, String name) throws ConfigException {
        String v = value(env, name);
        if (v == null) {
            return null;
        }
        Path p = Path.of(v);
        if (!Files.isReadable(p)) {
            throw new ConfigException(name + " names " + v + ", which is not a readable file");
        }
        return p;
    }

    /** The base URL joined with an absolute API path. */
    public URI resolve(String path) {
        return URI.create(url.toString() + path);
    }

    @Override
    public String toString() {
        return "ClientConfig[url=" + url + ", role=" + role + ", audience=" + audience + ", secrets="
                + secrets.stream().map(SecretSpec::ref).toList() + ", ttl=" + ttl + ", caCert=" + caCert
                + ", clientId=" + clientId + ", clientSecret=" + (clientSecret == null ? "absent" : "<redacted>")
                + ", clientCert=" + clientCert + ", idToken=" + (idToken == null ? "absent" : "<redacted>")
                + ", tokenFile=" + tokenFile + ", platform=" + platform + ", adminToken="
                + (adminToken == null ? "absent" : "<redacted>") + "]";
    }
}
