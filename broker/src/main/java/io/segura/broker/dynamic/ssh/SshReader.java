// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic.ssh;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the SSH wire data types of RFC 4251 §5 from untrusted bytes: every read is bounds-checked and a short or
 * over-long field is a {@link MalformedKeyException} that names the field, never the bytes.
 */
final class SshReader {

    private final byte[] data;
    private int pos;

    SshReader(byte[] data) {
        this.data = data;
    }

    long u32(String field) {
        need(4, field);
        long v = 0;
        for (int i = 0; i < 4; i++) {
            v = v << 8 | (data[pos++] & 0xff);
        }
        return v;
    }

    byte[] string(String field) {
        long length = u32(field);
        if (length > remaining()) {
            throw new MalformedKeyException(field + " is truncated");
        }
        byte[] v = Arrays.copyOfRange(data, pos, pos + (int) length);
        pos += (int) length;
        return v;
    }

    String text(String field) {
        return new String(string(field), StandardCharsets.UTF_8);
    }

    BigInteger mpint(String field) {
        byte[] v = string(field);
        if (v.length > 0 && v[0] < 0) {
            throw new MalformedKeyException(field + " is negative");
        }
        return new BigInteger(1, v);
    }

    int remaining() {
        return data.length - pos;
    }

    void requireEnd(String what) {
        if (remaining() != 0) {
            throw new MalformedKeyException(what + " has " + remaining() + " unexpected trailing bytes");
        }
    }

    private void need(int n, String field) {
        if (remaining() < n) {
            throw new MalformedKeyException(field + " is truncated");
        }
    }
}
