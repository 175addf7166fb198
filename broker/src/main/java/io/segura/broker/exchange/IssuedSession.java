// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.exchange;

import io.segura.broker.session.SessionToken;

/**
 * The successful answer of {@code /oauth2/token}: an opaque access token (the session), its lifetime and scope.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8693#section-2.2.1">RFC 8693 §2.2.1</a>
 */
public record IssuedSession(SessionToken token, long expiresInSeconds, String role, String sessionId) {

    public String scope() {
        return "role:" + role;
    }
}
