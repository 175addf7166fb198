// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * What the deployment gate needs to know about one requested secret, never its value: the version that would be
 * leased and the secret's current version, when each was created, whether the leased one was reported exposed, and the
 * secret's own {@code max-age}.
 *
 * @param requestedVersion the pinned {@code @n}, or {@code null} when the current version was asked for
 * @param maxAge           the secret's own max-age, or {@code null}
 */
public record SecretFacts(String path, Integer requestedVersion, int version, int currentVersion, Instant createdAt,
        Instant currentCreatedAt, Instant exposedAt, Duration maxAge) {

    public SecretFacts {
        Objects.requireNonNull(path, "path cannot be null");
        Objects.requireNonNull(createdAt, "createdAt cannot be null");
        Objects.requireNonNull(currentCreatedAt, "currentCreatedAt cannot be null");
    }

    public boolean exposed() {
        return exposedAt != null;
    }

    public String ref() {
        return path + "@" + version;
    }
}
