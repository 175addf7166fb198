// SPDX-License-Identifier: Apache-2.0
package io.segura.testkit.oidc;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Builds one compact JWS with full control over header, claims, algorithm and key — including everything an attack
 * test needs ({@code alg: none}, HS256 with any secret, {@code jku}/{@code x5u}/{@code jwk}/{@code x5c} headers, a
 * foreign key). The JWS is assembled by hand (JDK {@link Signature}/{@link Mac}) so that no library refuses to produce
 * a malicious token. Not thread-safe; create one per token via {@link IssuerSimulator#token()}.
 */
public final class TokenBuilder {

    private final IssuerSimulator issuer;
    private final Map<String, Object> claims = new LinkedHashMap<>();
    private final Set<String> removed = new HashSet<>();
    private final Map<String, Object> extraHeader = new LinkedHashMap<>();
    private String alg = "RS256";
    private JWK key;
    private byte[] hmacSecret;
    private String kid;
    private boolean kidSet;
    private boolean defaults = true;

    TokenBuilder(IssuerSimulator issuer) {
        this.issuer = Objects.requireNonNull(issuer, "issuer cannot be null");
    }

    /** Adds claims (an {@link Instant} value becomes epoch seconds). */
    public TokenBuilder claims(Map<String, ?> values) {
        values.forEach(this::claim);
        return this;
    }

    public TokenBuilder claim(String name, Object value) {
        claims.put(name, value instanceof Instant i ? i.getEpochSecond() : value);
        removed.remove(name);
        return this;
    }

    /** Leaves {@code name} out of the token, also when it is one of the defaults (iss, iat, nbf, exp, jti). */
    public TokenBuilder without(String name) {
        claims.remove(name);
        removed.add(name);
        return this;
    }

    /** No default iss/iat/nbf/exp/jti: exactly the claims given. */
    public TokenBuilder noDefaults() {
        defaults = false;
        return this;
    }

    /** Signing algorithm name: RS256/384/512, PS256/384/512, ES256 (uses the simulator's EC key unless a key is given). */
    public TokenBuilder alg(String algorithm) {
        this.alg = algorithm;
        return this;
    }

    /** An unsigned token: {@code alg: none} and an empty signature. */
    public TokenBuilder unsigned() {
        this.alg = "none";
        return this;
    }

    /** HMAC-signed ({@code HS256/384/512}) with an arbitrary secret, e.g. the RSA public key's bytes. */
    public TokenBuilder hmac(String algorithm, byte[] secret) {
        this.alg = algorithm;
        this.hmacSecret = secret.clone();
        return this;
    }

    /** Signs with this private key (a key the issuer does not publish); its kid is used unless {@link #kid} is set. */
    public TokenBuilder signWith(JWK privateKey) {
        this.key = privateKey;
        return this;
    }

    public TokenBuilder kid(String value) {
        this.kid = value;
        this.kidSet = true;
        return this;
    }

    public TokenBuilder noKid() {
        return kid(null);
    }

    public TokenBuilder jku(URI uri) {
        return header("jku", uri.toString());
    }

    public TokenBuilder x5u(URI uri) {
        return header("x5u", uri.toString());
    }

    /** Embeds {@code jwk} (its public part) in the header. */
    public TokenBuilder jwk(JWK jwk) {
        return header("jwk", jwk.toPublicJWK().toJSONObject());
    }

    public TokenBuilder x5c(List<Base64> chain) {
        List<String> encoded = new ArrayList<>();
        chain.forEach(b -> encoded.add(b.toString()));
        return header("x5c", encoded);
    }

    /** Any extra header parameter (or an override of {@code typ}). */
    public TokenBuilder header(String name, Object value) {
        extraHeader.put(name, value);
        return this;
    }

    /** Serializes and signs. */
    public String sign() {
        JWK signingKey = key != null ? key : alg.startsWith("ES") ? issuer.ecKey() : issuer.currentKey();
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("alg", alg);
        header.put("typ", "JWT");
        String effectiveKid = kidSet ? kid : hmacSecret != null || "none".equals(alg) ? null : signingKey.getKeyID();
        if (effectiveKid != null) {
            header.put("kid", effectiveKid);
        }
        header.putAll(extraHeader);
        Map<String, Object> payload = new LinkedHashMap<>();
        if (defaults) {
            Instant now = issuer.clock().instant();
            putDefault(payload, "iss", issuer.issuer());
            putDefault(payload, "iat", now.getEpochSecond());
            putDefault(payload, "nbf", now.getEpochSecond());
            putDefault(payload, "exp", now.plus(issuer.tokenLifetime()).getEpochSecond());
            putDefault(payload, "jti", UUID.randomUUID().toString());
        }
        payload.putAll(claims);
        String input = Base64URL.encode(JSONObjectUtils.toJSONString(header)) + "."
                + Base64URL.encode(JSONObjectUtils.toJSONString(payload));
        return input + "." + Base64URL.encode(signature(input.getBytes(StandardCharsets.US_ASCII), signingKey));
    }

    private void putDefault(Map<String, Object> payload, String name, Object value) {
        if (!removed.contains(name) && !claims.containsKey(name)) {
            payload.put(name, value);
        }
    }

    private byte[] signature(byte[] input, JWK signingKey) {
        try {
            if ("none".equals(alg)) {
                return new byte[0];
            }
            if (alg.startsWith("HS")) {
                String macName = "Hmac" + "SHA" + alg.substring(2);
                Mac mac = Mac.getInstance(macName);
                mac.init(new SecretKeySpec(hmacSecret == null ? new byte[32] : hmacSecret, macName));
                return mac.doFinal(input);
            }
            Signature s = signatureFor(alg);
            s.initSign(privateKey(signingKey));
            s.update(input);
            return s.sign();
        } catch (GeneralSecurityException | JOSEException e) {
            throw new IllegalStateException("cannot sign with " + alg, e);
        }
    }

    private static PrivateKey privateKey(JWK jwk) throws JOSEException {
        if (jwk instanceof RSAKey rsa) {
            return rsa.toPrivateKey();
        }
        if (jwk instanceof ECKey ec) {
            return ec.toPrivateKey();
        }
        throw new IllegalArgumentException("unsupported signing key type " + jwk.getKeyType());
    }

    static Signature signatureFor(String alg) throws GeneralSecurityException {
        String bits = alg.substring(2);
        switch (alg.substring(0, 2)) {
            case "RS":
                return Signature.getInstance("SHA" + bits + "withRSA");
            case "ES":
                // JWS wants R || S (RFC 7518 §3.4), which is the JDK's P1363 format.
                return Signature.getInstance("SHA" + bits + "withECDSAinP1363Format");
            case "PS":
                Signature pss = Signature.getInstance("RSASSA-PSS");
                int len = Integer.parseInt(bits) / 8;
                pss.setParameter(new PSSParameterSpec("SHA-" + bits, "MGF1", new MGF1ParameterSpec("SHA-" + bits),
                        len, 1));
                return pss;
            default:
                throw new IllegalArgumentException("unsupported algorithm " + alg);
        }
    }
}
