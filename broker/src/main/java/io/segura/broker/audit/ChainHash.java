// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The audit hash chain link (DESIGN §8): {@code hash = hex(SHA-256(prev_hash + "\n" + canonical(row)))}, starting from
 * {@link #GENESIS}. Shared by the chainer and the verifier so they cannot disagree.
 */
final class ChainHash {

    static final String GENESIS = "0".repeat(64);

    private ChainHash() {
    }

    static String link(String prevHash, StoredAuditRow row) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(prevHash.getBytes(StandardCharsets.US_ASCII));
            sha.update((byte) '\n');
            sha.update(row.canonical());
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    }
}
