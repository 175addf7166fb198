// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

import java.util.Objects;

/**
 * One version's stored cryptographic material, exactly the {@code secret_versions} columns: the value under its DEK
 * ({@code nonce}, {@code ciphertext} with the GCM tag), the DEK wrapped by the KEK {@code kekId} ({@code wrappedDek} =
 * nonce | ciphertext | tag) and the value's HMAC {@code fingerprint}. Arrays are shared, not copied: treat as
 * read-only.
 */
record SealedValue(String kekId, byte[] wrappedDek, byte[] nonce, byte[] ciphertext, byte[] fingerprint) {

    SealedValue {
        Objects.requireNonNull(kekId, "kekId cannot be null");
        Objects.requireNonNull(wrappedDek, "wrappedDek cannot be null");
        Objects.requireNonNull(nonce, "nonce cannot be null");
        Objects.requireNonNull(ciphertext, "ciphertext cannot be null");
        Objects.requireNonNull(fingerprint, "fingerprint cannot be null");
    }

    @Override
    public String toString() {
        return "SealedValue[kekId=" + kekId + ", ciphertext=" + ciphertext.length + " bytes]";
    }
}
