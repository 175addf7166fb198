// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Validation of secret values (DESIGN §6): non-empty, valid Unicode, at most 64 KiB as UTF-8. */
final class SecretValues {

    static final int MAX_BYTES = 64 * 1024;

    private SecretValues() {
    }

    static String requireValid(String value) {
        if (value == null || value.isEmpty()) {
            throw new InvalidSecretException("value", "is required and must not be empty");
        }
        if (value.length() > MAX_BYTES) {
            throw new InvalidSecretException("value", "is larger than " + MAX_BYTES + " bytes (UTF-8)");
        }
        ByteBuffer utf8;
        try {
            // A lone surrogate would silently become '?' with String.getBytes: refuse it instead of storing garbage.
            utf8 = StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).encode(CharBuffer.wrap(value));
        } catch (CharacterCodingException e) {
            throw new InvalidSecretException("value", "is not valid Unicode text");
        }
        if (utf8.remaining() > MAX_BYTES) {
            throw new InvalidSecretException("value", "is larger than " + MAX_BYTES + " bytes (UTF-8)");
        }
        return value;
    }
}
