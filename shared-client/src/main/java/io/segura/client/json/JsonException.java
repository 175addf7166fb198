// SPDX-License-Identifier: Apache-2.0
package io.segura.client.json;

/** Malformed or unexpected JSON. The message names the problem and offset, never the input text. */
public final class JsonException extends IllegalArgumentException {

    private final int offset;

    public JsonException(String message, int offset) {
        super(offset >= 0 ? message + " at offset " + offset : message);
        this.offset = offset;
    }

    /** Character offset of the problem, or -1 when it concerns a field of a parsed value. */
    public int offset() {
        return offset;
    }
}
