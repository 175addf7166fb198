// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic.ssh;

import java.util.Arrays;
import java.util.Optional;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.crypto.params.ECDomainParameters;

/**
 * The public-key types this CA knows, with their PROTOCOL.certkeys certificate type and, for ECDSA, the RFC 5656
 * curve identifier and the hash its signatures use (RFC 5656 §6.2.1: SHA-256/384/512 for P-256/384/521).
 */
public enum SshKeyType {
    ED25519("ssh-ed25519", "ssh-ed25519-cert-v01@openssh.com", null, null),
    ECDSA_P256("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256-cert-v01@openssh.com", "nistp256", "secp256r1"),
    ECDSA_P384("ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384-cert-v01@openssh.com", "nistp384", "secp384r1"),
    ECDSA_P521("ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521-cert-v01@openssh.com", "nistp521", "secp521r1"),
    RSA("ssh-rsa", "ssh-rsa-cert-v01@openssh.com", null, null);

    private final String wireName;
    private final String certificateType;
    private final String curve;
    private final ECDomainParameters domain;

    SshKeyType(String wireName, String certificateType, String curve, String secName) {
        this.wireName = wireName;
        this.certificateType = certificateType;
        this.curve = curve;
        this.domain = secName == null ? null : new ECDomainParameters(ECNamedCurveTable.getByName(secName));
    }

    /** The key's name on the wire and in {@code authorized_keys}, e.g. {@code ssh-ed25519}. */
    public String wireName() {
        return wireName;
    }

    /** The certificate key type of PROTOCOL.certkeys, e.g. {@code ssh-ed25519-cert-v01@openssh.com}. */
    public String certificateType() {
        return certificateType;
    }

    String curve() {
        return curve;
    }

    boolean isEcdsa() {
        return domain != null;
    }

    ECDomainParameters domain() {
        return domain;
    }

    /** The digest of RFC 5656 §6.2.1 for this curve. */
    Digest digest() {
        return switch (this) {
            case ECDSA_P256 -> new SHA256Digest();
            case ECDSA_P384 -> new SHA384Digest();
            case ECDSA_P521 -> new SHA512Digest();
            default -> throw new IllegalStateException(this + " is not an ECDSA type");
        };
    }

    public static Optional<SshKeyType> byWireName(String name) {
        return Arrays.stream(values()).filter(t -> t.wireName.equals(name)).findFirst();
    }
}
