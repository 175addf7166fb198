// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

import java.util.Optional;

/**
 * Identities for platforms without a job OIDC token (DESIGN §4 {@code clients}): OAuth 2.0 client credentials
 * ({@code SEGURA_CLIENT_ID} + {@code SEGURA_CLIENT_SECRET}) or an mTLS client certificate ({@code SEGURA_CLIENT_ID} +
 * {@code SEGURA_CLIENT_CERT} + {@code SEGURA_CLIENT_KEY}). Each variable may also arrive with a platform prefix
 * (Bamboo exports plan variable {@code X} as {@code bamboo_X}).
 */
final class ClientIdentities {

    private ClientIdentities() {
    }

    static Optional<Identity> from(JobEnvironment env, String prefix) {
        var id = get(env, prefix, "SEGURA_CLIENT_ID");
        if (id.isEmpty()) {
            return Optional.empty();
        }
        var secret = get(env, prefix, "SEGURA_CLIENT_SECRET");
        if (secret.isPresent()) {
            return Optional.of(new Identity.ClientSecret(id.get(), secret.get()));
        }
        var cert = get(env, prefix, "SEGURA_CLIENT_CERT");
        var key = get(env, prefix, "SEGURA_CLIENT_KEY");
        if (cert.isPresent() && key.isPresent()) {
            return Optional.of(new Identity.ClientCertificate(id.get(), cert.get(), key.get()));
        }
        return Optional.empty();
    }

    private static Optional<String> get(JobEnvironment env, String prefix, String name) {
        return env.get(name).or(() -> prefix.isEmpty() ? Optional.empty() : env.get(prefix + name));
    }
}
