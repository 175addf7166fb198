// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic.ssh;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A user certificate the CA signed: everything a lease answer, an audit record and the certificate table need. A
 * certificate is public (it proves nothing without the caller's private key), so all of this may be shown.
 *
 * @param engine               the engine name, e.g. {@code ssh/deploy}
 * @param certificate          the {@code -cert.pub} line, {@code ssh-ed25519-cert-v01@openssh.com AAAA… ssh/deploy}
 * @param publicKeyFingerprint {@code SHA256:…} of the certified key
 * @param caFingerprint        {@code SHA256:…} of the CA key that signed it
 */
public record SignedCertificate(
        String engine,
        long serial,
        String keyId,
        List<String> principals,
        Instant validAfter,
        Instant validBefore,
        String certificate,
        String publicKeyFingerprint,
        String caFingerprint) {

    public SignedCertificate {
        Objects.requireNonNull(engine, "engine cannot be null");
        Objects.requireNonNull(certificate, "certificate cannot be null");
        principals = List.copyOf(principals);
    }
}
