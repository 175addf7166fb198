// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic.ssh;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * An OpenSSH key revocation list in the binary format of PROTOCOL.krl, the file sshd's {@code RevokedKeys} and
 * {@code ssh-keygen -Q} read: a header, then one {@code KRL_SECTION_CERTIFICATES} section per CA key holding a
 * {@code KRL_SECTION_CERT_SERIAL_LIST} of revoked serials. Unsigned: KRL signatures are not supported by OpenSSH
 * (9.4 and later refuse them); hosts fetch it over TLS from the broker.
 */
record KeyRevocationList(long version, Instant generated, String comment, List<RevokedBy> sections) {

    static final byte[] MAGIC = "SSHKRL\n\0".getBytes(StandardCharsets.US_ASCII);
    static final int FORMAT_VERSION = 1;
    static final int SECTION_CERTIFICATES = 1;
    static final int SECTION_CERT_SERIAL_LIST = 0x20;

    KeyRevocationList {
        Objects.requireNonNull(generated, "generated cannot be null");
        Objects.requireNonNull(comment, "comment cannot be null");
        sections = List.copyOf(sections);
    }

    /** The serials one CA key revoked; serial 0 ("unnumbered") cannot be revoked by serial and never appears. */
    record RevokedBy(byte[] caPublicBlob, SortedSet<Long> serials) {
        RevokedBy {
            caPublicBlob = caPublicBlob.clone();
            serials = new TreeSet<>(serials);
            if (serials.stream().anyMatch(s -> s == 0)) {
                throw new IllegalArgumentException("serial 0 cannot be revoked by serial");
            }
        }
    }

    byte[] encode() {
        SshWriter w = new SshWriter()
                .raw(MAGIC)
                .u32(FORMAT_VERSION)
                .u64(version)
                .u64(generated.getEpochSecond())
                .u64(0) // flags: none are defined
                .string(new byte[0]) // reserved
                .string(comment);
        for (RevokedBy section : sections) {
            if (section.serials().isEmpty()) {
                continue;
            }
            SshWriter serials = new SshWriter();
            // uint64 compares unsigned in OpenSSH; ours come from a sequence starting at 1, so all are positive.
            section.serials().forEach(serials::u64);
            SshWriter certificates = new SshWriter()
                    .string(section.caPublicBlob())
                    .string(new byte[0]) // reserved
                    .u8(SECTION_CERT_SERIAL_LIST)
                    .string(serials.toByteArray());
            w.u8(SECTION_CERTIFICATES).string(certificates.toByteArray());
        }
        return w.toByteArray();
    }
}
