// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

import java.time.Instant;
import java.util.Objects;

/** A decrypted secret version. {@link #toString()} redacts the value so it cannot slip into a log line. */
public record SecretValue(String path, int version, String value, Instant createdAt) {

    public SecretValue {
        Objects.requireNonNull(path, "path cannot be null");
        Objects.requireNonNull(value, "value cannot be null");
        Objects.requireNonNull(createdAt, "createdAt cannot be null");
    }

    /** {@code path@version}, the form audit records and lease rows carry. */
    public String ref() {
        return path + "@" + version;
    }

    @Override
    public String toString() {
        return "SecretValue[path=" + path + ", version=" + version + ", value=<redacted>, createdAt=" + createdAt + "]";
    }
}
