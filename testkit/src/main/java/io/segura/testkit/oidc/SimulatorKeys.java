// SPDX-License-Identifier: Apache-2.0
package io.segura.testkit.oidc;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;

/**
 * Fresh signing keys for tests, as nimbus JWKs holding the private part. Uses the JDK generator directly so that
 * weak keys (RSA-1024) can be made on purpose for the "RSA keys under 2048 bits are refused" tests.
 */
public final class SimulatorKeys {

    private SimulatorKeys() {
    }

    /** An RSA key pair of {@code bits} bits with {@code kid}, {@code use=sig}. */
    public static RSAKey rsa(int bits, String kid) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(bits);
            KeyPair kp = g.generateKeyPair();
            return new RSAKey.Builder((RSAPublicKey) kp.getPublic())
                    .privateKey((RSAPrivateKey) kp.getPrivate())
                    .keyID(kid)
                    .keyUse(KeyUse.SIGNATURE)
                    .build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate an RSA-" + bits + " key", e);
        }
    }

    /** An EC P-256 key pair with {@code kid}, {@code use=sig}. */
    public static ECKey ecP256(String kid) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair kp = g.generateKeyPair();
            return new ECKey.Builder(Curve.P_256, (ECPublicKey) kp.getPublic())
                    .privateKey((ECPrivateKey) kp.getPrivate())
                    .keyID(kid)
                    .keyUse(KeyUse.SIGNATURE)
                    .build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate an EC P-256 key", e);
        }
    }
}
