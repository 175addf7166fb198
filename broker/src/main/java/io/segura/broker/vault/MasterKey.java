// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key-encryption key (KEK) of the vault (DESIGN §6): 32 bytes given as base64 in {@code SEGURA_MASTER_KEY} or in
 * the file named by {@code SEGURA_MASTER_KEY_FILE}. It wraps every version's data key and, through HKDF, keys the
 * value fingerprints. Errors and {@link #toString()} never show the key, not even a fragment of it.
 */
public final class MasterKey {

    public static final String ENV = "SEGURA_MASTER_KEY";
    public static final String FILE_ENV = "SEGURA_MASTER_KEY_FILE";
    /** Retired keys still needed to open versions not yet re-wrapped: base64 keys separated by commas or whitespace. */
    public static final String PREVIOUS_ENV = "SEGURA_MASTER_KEY_PREVIOUS";
    /** A file of retired keys, one base64 key per line ({@code #} starts a comment line). */
    public static final String PREVIOUS_FILE_ENV = "SEGURA_MASTER_KEY_PREVIOUS_FILE";
    static final int LENGTH = 32;
    private static final byte[] ID_LABEL = "segura kek id v1\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FINGERPRINT_INFO = "segura fingerprint v1".getBytes(StandardCharsets.US_ASCII);

    private final SecretKey aesKey;
    private final SecretKey fingerprintKey;
    private final String id;

    private MasterKey(byte[] key) {
        this.aesKey = new SecretKeySpec(key, "AES");
        this.fingerprintKey = new SecretKeySpec(Hkdf.derive(null, key, FINGERPRINT_INFO, 32), "HmacSHA256");
        this.id = deriveId(key);
        Arrays.fill(key, (byte) 0);
    }

    /**
     * Decodes base64 (standard or URL-safe, padding optional, surrounding whitespace ignored) of exactly 32 bytes.
     *
     * @throws IllegalArgumentException naming the problem, never the input
     */
    public static MasterKey fromBase64(String base64) {
        return fromBase64(base64, ENV);
    }

    /** Reads the base64 key from a file (e.g. a mounted Kubernetes secret); trailing newlines are fine. */
    public static MasterKey fromFile(Path file) {
        Objects.requireNonNull(file, "file cannot be null");
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new MasterKeyException(FILE_ENV + ": cannot read " + file + " (" + e.getClass().getSimpleName()
                    + ")");
        }
        return fromBase64(text, FILE_ENV + " " + file);
    }

    /**
     * The retired keys in {@code text}: base64 keys separated by commas, whitespace or newlines; lines starting with
     * {@code #} are comments. Errors name {@code source} and the key's position (1-based), never the key.
     */
    static List<MasterKey> listFromText(String text, String source) {
        List<MasterKey> keys = new ArrayList<>();
        if (text == null) {
            return keys;
        }
        int n = 0;
        for (String line : text.split("\\R")) {
            if (line.strip().startsWith("#")) {
                continue;
            }
            for (String item : line.split("[,\\s]+")) {
                if (!item.isEmpty()) {
                    n++;
                    keys.add(fromBase64(item, source + " key " + n));
                }
            }
        }
        return keys;
    }

    /** As {@link #listFromText}, from a file (e.g. a mounted Kubernetes secret). */
    static List<MasterKey> listFromFile(Path file, String variable) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new MasterKeyException(variable + ": cannot read " + file + " (" + e.getClass().getSimpleName()
                    + ")");
        }
        List<MasterKey> keys = listFromText(text, variable + " " + file);
        if (keys.isEmpty()) {
            throw new MasterKeyException(variable + " " + file + " holds no key: expected one base64 key per line");
        }
        return keys;
    }

    private static MasterKey fromBase64(String base64, String source) {
        if (base64 == null || base64.isBlank()) {
            throw new MasterKeyException(source + " is empty: expected base64 of 32 bytes");
        }
        String s = base64.strip();
        byte[] key;
        try {
            key = s.indexOf('-') >= 0 || s.indexOf('_') >= 0
                    ? Base64.getUrlDecoder().decode(s) : Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            // The decoder's own message quotes the offending character: a fragment of the key. Drop it.
            throw new MasterKeyException(source + " is not valid base64 (expected base64 of 32 bytes)");
        }
        if (key.length != LENGTH) {
            int n = key.length;
            Arrays.fill(key, (byte) 0);
            throw new MasterKeyException(source + " must decode to exactly 32 bytes, got " + n);
        }
        return new MasterKey(key);
    }

    private static String deriveId(byte[] key) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(ID_LABEL);
            sha.update(key);
            return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    }

    /** A stable public key id (16 hex chars of a one-way, domain-separated hash of the key), stored with each row. */
    public String id() {
        return id;
    }

    SecretKey aesKey() {
        return aesKey;
    }

    SecretKey fingerprintKey() {
        return fingerprintKey;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MasterKey other && other.id.equals(id);
    }

    @Override
    public int hashCode() {
        return id.hashCode();
    }

    @Override
    public String toString() {
        return "MasterKey[id=" + id + ", key=<redacted>]";
    }
}
