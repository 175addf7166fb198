// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.exchange;

/**
 * A parsed RFC 6749 §4.4 client-credentials request, authenticated either by a client secret (HTTP Basic or form)
 * or by the subject DN of a verified mTLS client certificate (RFC 8705 §2.1.1 style subject matching).
 */
public record ClientCredentialsRequest(
        String clientId, String clientSecret, String certificateSubject, String role, String clientIp,
        String requestId) {

    @Override
    public String toString() {
        return "ClientCredentialsRequest[clientId=" + clientId + ", role=" + role + ", clientIp=" + clientIp
                + ", secret=<redacted>]";
    }
}
