// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

import io.r2dbc.spi.Readable;
import java.time.Instant;
import java.time.OffsetDateTime;

/** A {@code secret_versions} row as read for decryption or rekeying. */
record StoredVersion(String path, int version, SealedValue sealed, Instant createdAt) {

    static StoredVersion from(Readable row) {
        return new StoredVersion(row.get("path", String.class), row.get("version", Integer.class),
                new SealedValue(row.get("kek_id", String.class), row.get("wrapped_dek", byte[].class),
                        row.get("nonce", byte[].class), row.get("ciphertext", byte[].class),
                        row.get("fingerprint", byte[].class)),
                SecretStore.instant(row.get("created_at", OffsetDateTime.class)));
    }

    String ref() {
        return path + "@" + version;
    }
}
