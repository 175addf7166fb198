// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

import java.util.Objects;

/** A requested secret: a path and a pinned version, or {@code null} for the current version ({@code path[@n]}). */
public record SecretRef(String path, Integer version) {

    public SecretRef {
        SecretPath.requireValid(path);
        if (version != null && version < 1) {
            throw new InvalidSecretException("version", "must be at least 1, got " + version);
        }
    }

    public static SecretRef current(String path) {
        return new SecretRef(path, null);
    }

    /** Parses {@code path} or {@code path@version}. */
    public static SecretRef parse(String ref) {
        Objects.requireNonNull(ref, "ref cannot be null");
        int at = ref.lastIndexOf('@');
        if (at < 0) {
            return new SecretRef(ref, null);
        }
        String v = ref.substring(at + 1);
        if (v.isEmpty() || v.length() > 9 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new InvalidSecretException("version", "'" + v + "' in '" + ref + "' is not a version number");
        }
        return new SecretRef(ref.substring(0, at), Integer.parseInt(v));
    }

    @Override
    public String toString() {
        return version == null ? path : path + "@" + version;
    }
}
