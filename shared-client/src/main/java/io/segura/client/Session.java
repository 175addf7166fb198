// SPDX-License-Identifier: Apache-2.0
package io.segura.client;

import java.time.Instant;
import java.util.Objects;

/**
 * A broker session from {@code /oauth2/token}: the opaque bearer token for the lease API and when it ends.
 * {@code toString()} never shows the token.
 *
 * @param token     the session token ({@code sgs_…})
 * @param expiresAt when the broker will stop accepting it
 * @param scope     the granted scope ({@code role:NAME})
 */
public record Session(String token, Instant expiresAt, String scope) {

    public Session {
        Objects.requireNonNull(token, "token cannot be null");
        Objects.requireNonNull(expiresAt, "expiresAt cannot be null");
    }

    /** The role name from {@code role:NAME}, or null. */
    public String role() {
        return scope != null && scope.startsWith("role:") ? scope.substring(5) : null;
    }

    @Override
    public String toString() {
        return "Session[<redacted>, expiresAt=" + expiresAt + ", scope=" + scope + "]";
    }
}
