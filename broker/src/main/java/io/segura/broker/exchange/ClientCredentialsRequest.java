// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.exchange;

import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A parsed RFC 6749 §4.4 client-credentials request, authenticated either by a client secret (HTTP Basic or form)
 * or by the mTLS client certificate of its connection (RFC 8705 §2.1, PKI method: chain checked, then the subject DN
 * matched).
 *
 * @param certificates the chain the client presented in the TLS handshake, leaf first; empty without one
 */
public record ClientCredentialsRequest(
        String clientId, String clientSecret, List<X509Certificate> certificates, String role, String clientIp,
        String requestId) {

    public ClientCredentialsRequest {
        certificates = certificates == null ? List.of() : List.copyOf(certificates);
    }

    @Override
    public String toString() {
        return "ClientCredentialsRequest[clientId=" + clientId + ", role=" + role + ", clientIp=" + clientIp
                + ", secret=<redacted>]";
    }
}
