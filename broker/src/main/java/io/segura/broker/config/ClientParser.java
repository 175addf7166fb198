// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import java.util.Set;
import java.util.regex.Pattern;
import javax.security.auth.x500.X500Principal;

/**
 * Reads one {@code clients[i]} entry: an OAuth 2.0 client authenticated either by a secret whose SHA-256 is
 * configured (HTTP Basic) or by an mTLS certificate subject. The subject is stored in its RFC 2253 form, the form
 * {@link X500Principal#getName()} gives a presented certificate, so the two compare as strings.
 */
final class ClientParser {

    static final Set<String> KEYS = Set.of("id", "secret-sha256", "mtls-subject");
    private static final Pattern SHA256_HEX = Pattern.compile("^[0-9a-f]{64}$");

    private ClientParser() {
    }

    static ClientSpec parse(YamlMap m) {
        Problems p = m.problems();
        String id = m.string("id", true);
        String hash = m.string("secret-sha256", false);
        String subject = m.string("mtls-subject", false);
        if (hash != null && subject != null) {
            p.add(m.at("mtls-subject"), m.path("secret-sha256"),
                    "exactly one of secret-sha256 and mtls-subject, got both");
        } else if (!m.has("secret-sha256") && !m.has("mtls-subject")) {
            p.add(m.at(), m.path("secret-sha256"), "exactly one of secret-sha256 and mtls-subject, got neither");
        }
        if (hash != null && !SHA256_HEX.matcher(hash).matches()) {
            // The value is a hash, but say nothing about it beyond its shape.
            p.add(m.value("secret-sha256"), m.path("secret-sha256"),
                    "expected 64 lower-case hex characters (the SHA-256 of the client secret), got "
                            + hash.length() + " characters");
            hash = null;
        }
        if (subject != null) {
            try {
                subject = new X500Principal(subject).getName(X500Principal.RFC2253);
            } catch (IllegalArgumentException e) {
                p.add(m.value("mtls-subject"), m.path("mtls-subject"),
                        "not a distinguished name such as CN=bamboo-prod,O=Acme");
                subject = null;
            }
        }
        return new ClientSpec(id, hash, subject, m.at());
    }
}
