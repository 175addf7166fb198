// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

/** What a job presents to {@code /oauth2/token}. {@code toString()} never shows a token or secret. */
public sealed interface Identity {

    /** A platform OIDC token, exchanged by RFC 8693. */
    record OidcToken(String jwt) implements Identity {
        @Override
        public String toString() {
            return "OidcToken[<redacted>]";
        }
    }

    /** OAuth 2.0 client credentials (Bamboo, Jenkins without oidc-provider). */
    record ClientSecret(String clientId, String clientSecret) implements Identity {
        @Override
        public String toString() {
            return "ClientSecret[" + clientId + ", <redacted>]";
        }
    }

    /** An mTLS client certificate; the TLS layer authenticates, the request names only the client. */
    record ClientCertificate(String clientId, String certificatePemPath, String keyPemPath) implements Identity {
    }

    /**
     * An mTLS client certificate that the caller's HTTP client already presents on every connection (its
     * {@code SSLContext} was built from a key store, e.g. a Jenkins certificate credential): the token request goes
     * over that client and names the client only when {@code clientId} is not null (the broker finds the client by
     * the certificate subject).
     */
    record PresentedCertificate(String clientId) implements Identity {
    }
}
