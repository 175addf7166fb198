// SPDX-License-Identifier: Apache-2.0
package io.segura.client;

import java.util.Objects;

/** One secret value under a lease. {@code toString()} shows the path and version, never the value. */
public record LeasedSecret(String path, int version, String value, String createdAt) {

    public LeasedSecret {
        Objects.requireNonNull(path, "path cannot be null");
        Objects.requireNonNull(value, "value cannot be null");
    }

    @Override
    public String toString() {
        return "LeasedSecret[" + path + "@" + version + ", <redacted>]";
    }
}
