// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

import java.util.Objects;

/** No such secret, or no such version of it (404). */
public final class SecretNotFoundException extends RuntimeException {

    private final String path;
    private final Integer version;

    public SecretNotFoundException(String path) {
        this(path, null);
    }

    public SecretNotFoundException(String path, Integer version) {
        super(version == null ? "no secret at " + path : "no version " + version + " of secret " + path);
        this.path = Objects.requireNonNull(path, "path cannot be null");
        this.version = version;
    }

    public String path() {
        return path;
    }

    /** The requested version, or {@code null} when the secret itself does not exist. */
    public Integer version() {
        return version;
    }
}
