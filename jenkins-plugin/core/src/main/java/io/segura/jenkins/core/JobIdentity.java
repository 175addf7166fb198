// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins.core;

import java.io.IOException;
import java.security.KeyStore;
import java.util.Objects;

/**
 * How a Jenkins job proves who it is to the broker (DESIGN §4, §12) — one per Jenkins credential kind the adapter
 * accepts. {@code toString()} never shows a secret, password or token.
 */
public sealed interface JobIdentity {

    /** The credential kind, for messages: {@code "Username with password (client id and secret)"} … */
    String kind();

    /**
     * OAuth 2.0 client credentials from a "Username with password" credential: the user name is the broker's client
     * id, the password its secret (the broker stores only the SHA-256, {@code clients: [{secret-sha256}]}).
     */
    record ClientSecret(String clientId, String clientSecret) implements JobIdentity {
        public ClientSecret {
            Objects.requireNonNull(clientId, "clientId cannot be null");
            Objects.requireNonNull(clientSecret, "clientSecret cannot be null");
        }

        @Override
        public String kind() {
            return "Username with password (client id and secret)";
        }

        @Override
        public String toString() {
            return "ClientSecret[" + clientId + ", <redacted>]";
        }
    }

    /**
     * An mTLS client certificate from a "Certificate" credential (a PKCS#12 key store and its password); the broker
     * finds the client by the certificate subject ({@code clients: [{mtls-subject}]}).
     */
    record KeyStoreCertificate(KeyStore keyStore, char[] password) implements JobIdentity {
        public KeyStoreCertificate {
            Objects.requireNonNull(keyStore, "keyStore cannot be null");
            password = password == null ? new char[0] : password.clone();
        }

        @Override
        public char[] password() {
            return password.clone();
        }

        @Override
        public String kind() {
            return "Certificate (mTLS client certificate)";
        }

        @Override
        public String toString() {
            return "KeyStoreCertificate[" + keyStore.getType() + ", <redacted>]";
        }
    }

    /**
     * An OIDC id token from the oidc-provider plugin's "OpenID Connect id token" credential, which mints a fresh,
     * build-scoped token each time it is read; exchanged by RFC 8693.
     */
    record IdToken(IdTokenSource source) implements JobIdentity {
        public IdToken {
            Objects.requireNonNull(source, "source cannot be null");
        }

        @Override
        public String kind() {
            return "OpenID Connect id token (oidc-provider)";
        }

        @Override
        public String toString() {
            return "IdToken[<redacted>]";
        }
    }

    /** Mints (or reads) the id token at the moment of the exchange, so it is as fresh as it can be. */
    @FunctionalInterface
    interface IdTokenSource {
        String idToken() throws IOException;
    }
}
