// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

import java.time.Instant;
import java.util.Objects;

/** Metadata of one immutable version: never its value. {@code exposedAt} is set once it was reported leaked. */
public record SecretVersion(String path, int version, Instant createdAt, Instant exposedAt) {

    public SecretVersion {
        Objects.requireNonNull(path, "path cannot be null");
        Objects.requireNonNull(createdAt, "createdAt cannot be null");
    }

    public boolean exposed() {
        return exposedAt != null;
    }

    public String ref() {
        return path + "@" + version;
    }
}
