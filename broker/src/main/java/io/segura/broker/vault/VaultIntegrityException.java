// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

/**
 * A stored version cannot be opened: its ciphertext or wrapped key fails authentication (tampered, or moved to another
 * path/version), or its KEK is not in the key ring. A server fault (500), never the caller's. The message names the
 * path and version only.
 */
public final class VaultIntegrityException extends RuntimeException {

    private final String path;
    private final int version;

    public VaultIntegrityException(String path, int version, String problem) {
        super("cannot open " + path + "@" + version + ": " + problem);
        this.path = path;
        this.version = version;
    }

    public String path() {
        return path;
    }

    public int version() {
        return version;
    }
}
