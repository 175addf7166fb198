// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic.ssh;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * Writes the SSH wire data types of RFC 4251 §5: {@code byte}, {@code uint32}, {@code uint64}, {@code string} and
 * {@code mpint}.
 */
final class SshWriter {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);

    SshWriter u8(int value) {
        out.write(value & 0xff);
        return this;
    }

    SshWriter u32(long value) {
        for (int shift = 24; shift >= 0; shift -= 8) {
            out.write((int) (value >>> shift) & 0xff);
        }
        return this;
    }

    SshWriter u64(long value) {
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.write((int) (value >>> shift) & 0xff);
        }
        return this;
    }

    SshWriter string(byte[] value) {
        u32(value.length);
        out.writeBytes(value);
        return this;
    }

    SshWriter string(String value) {
        return string(value.getBytes(StandardCharsets.UTF_8));
    }

    /** RFC 4251 §5 mpint: two's complement, big-endian, minimal; zero is the empty string. */
    SshWriter mpint(BigInteger value) {
        return string(value.signum() == 0 ? new byte[0] : value.toByteArray());
    }

    /** Bytes as they are, without a length (magic numbers, a nested blob already framed). */
    SshWriter raw(byte[] value) {
        out.writeBytes(value);
        return this;
    }

    int size() {
        return out.size();
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }
}
