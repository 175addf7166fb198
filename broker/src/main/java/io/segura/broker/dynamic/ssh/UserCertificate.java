// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic.ssh;

import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The contents of an OpenSSH user certificate, encoded and signed exactly as PROTOCOL.certkeys lays it out:
 *
 * <pre>
 * string  "&lt;type&gt;-cert-v01@openssh.com"   string  nonce        &lt;the key's own fields&gt;
 * uint64  serial      uint32 type (1 = user)    string  key id       string  valid principals
 * uint64  valid after uint64 valid before       string  critical options   string  extensions
 * string  reserved    string signature key      string  signature (over everything before it)
 * </pre>
 *
 * Options and extensions are {@code (string name, string data)} pairs in lexical order of name; an option's data is
 * its value as a string (so a string inside the data string), an extension's data is empty.
 */
record UserCertificate(
        UserPublicKey key,
        byte[] nonce,
        long serial,
        String keyId,
        List<String> principals,
        Instant validAfter,
        Instant validBefore,
        SortedMap<String, String> criticalOptions,
        SortedSet<String> extensions) {

    static final int SSH_CERT_TYPE_USER = 1;

    UserCertificate {
        Objects.requireNonNull(key, "key cannot be null");
        nonce = nonce.clone();
        principals = List.copyOf(principals);
        criticalOptions = new TreeMap<>(criticalOptions);
        extensions = new TreeSet<>(extensions);
        if (!validAfter.isBefore(validBefore)) {
            throw new IllegalArgumentException("valid-after must be before valid-before");
        }
    }

    /** The signed certificate's wire blob (what a {@code -cert.pub} file holds in base64). */
    byte[] sign(CaKey ca) {
        SshWriter w = new SshWriter()
                .string(key.type().certificateType())
                .string(nonce)
                .raw(key.fields())
                .u64(serial)
                .u32(SSH_CERT_TYPE_USER)
                .string(keyId);
        SshWriter names = new SshWriter();
        principals.forEach(names::string);
        w.string(names.toByteArray())
                .u64(validAfter.getEpochSecond())
                .u64(validBefore.getEpochSecond());
        SshWriter options = new SshWriter();
        criticalOptions.forEach((name, value) -> options.string(name).string(new SshWriter().string(value)
                .toByteArray()));
        w.string(options.toByteArray());
        SshWriter flags = new SshWriter();
        extensions.forEach(name -> flags.string(name).string(new byte[0]));
        w.string(flags.toByteArray())
                .string(new byte[0])
                .string(ca.publicBlob());
        byte[] signed = w.toByteArray();
        return w.string(ca.sign(signed)).toByteArray();
    }

    /** {@code TYPE-cert-v01@openssh.com BASE64 COMMENT}, the line of a {@code -cert.pub} file. */
    static String line(SshKeyType type, byte[] blob, String comment) {
        return type.certificateType() + " " + Base64.getEncoder().encodeToString(blob) + " " + comment;
    }
}
