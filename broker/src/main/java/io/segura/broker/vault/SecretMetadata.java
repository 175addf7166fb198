// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/** A secret's metadata (admin {@code GET}): versions oldest first, never a value. {@code maxAge} may be null. */
public record SecretMetadata(String path, int currentVersion, Duration maxAge, Instant createdAt, Instant updatedAt,
        List<SecretVersion> versions) {

    public SecretMetadata {
        Objects.requireNonNull(path, "path cannot be null");
        Objects.requireNonNull(createdAt, "createdAt cannot be null");
        Objects.requireNonNull(updatedAt, "updatedAt cannot be null");
        versions = List.copyOf(versions);
    }

    public SecretVersion current() {
        return versions.stream().filter(v -> v.version() == currentVersion).findFirst()
                .orElseThrow(() -> new IllegalStateException("current version missing for " + path));
    }
}
