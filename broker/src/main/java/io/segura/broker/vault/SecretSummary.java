// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

import java.time.Instant;
import java.util.Objects;

/** One entry of a secret listing. */
public record SecretSummary(String path, int currentVersion, Instant updatedAt) {

    public SecretSummary {
        Objects.requireNonNull(path, "path cannot be null");
        Objects.requireNonNull(updatedAt, "updatedAt cannot be null");
    }
}
