// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.exchange;

/**
 * A parsed RFC 8693 token-exchange request. {@code role} is the NAME of an optional {@code scope=role:NAME}.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8693#section-2.1">RFC 8693 §2.1</a>
 */
public record TokenExchangeRequest(String subjectToken, String role, String clientIp, String requestId) {

    @Override
    public String toString() {
        return "TokenExchangeRequest[role=" + role + ", clientIp=" + clientIp + ", subjectToken=<redacted>]";
    }
}
