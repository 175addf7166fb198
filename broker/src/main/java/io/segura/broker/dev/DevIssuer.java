// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dev;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * The dev-mode OIDC issuer at {@code /dev/oidc}: mints short-lived RS256 tokens for local experiments, with a key
 * generated at every start (a dev token never outlives its broker). The broker verifies these tokens exactly like a
 * CI platform's — discovery, JWKS and every check — so what works here works against GitHub or GitLab.
 */
public final class DevIssuer {

    /** Claims a caller may not set: the issuer decides them. */
    private static final Set<String> RESERVED = Set.of("iss", "iat", "nbf", "exp", "jti");
    private static final Duration LIFETIME = Duration.ofMinutes(10);

    private final String issuer;
    private final RSAKey key;
    private final Clock clock;

    public DevIssuer(String issuer, Clock clock) {
        this.issuer = Objects.requireNonNull(issuer, "issuer cannot be null");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
        try {
            this.key = new RSAKeyGenerator(2048).keyID("dev-" + UUID.randomUUID().toString().substring(0, 8))
                    .keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS256).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate the dev issuer key", e);
        }
    }

    public String issuer() {
        return issuer;
    }

    public Map<String, Object> discovery() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("issuer", issuer);
        d.put("jwks_uri", issuer + "/jwks");
        d.put("token_endpoint", issuer + "/token");
        d.put("response_types_supported", java.util.List.of("id_token"));
        d.put("subject_types_supported", java.util.List.of("public"));
        d.put("id_token_signing_alg_values_supported", java.util.List.of("RS256"));
        return d;
    }

    public Map<String, Object> jwks() {
        return new JWKSet(key.toPublicJWK()).toJSONObject(true);
    }

    /**
     * Mints a token with the given claims; {@code sub} defaults to {@code dev:local} and {@code aud} to
     * {@value DevMode#AUDIENCE}.
     *
     * @throws IllegalArgumentException when a reserved claim is given
     */
    public String mint(Map<String, Object> claims) {
        for (String name : claims.keySet()) {
            if (RESERVED.contains(name)) {
                throw new IllegalArgumentException("claim \"" + name + "\" is set by the issuer");
            }
        }
        Instant now = clock.instant();
        JWTClaimsSet.Builder b = new JWTClaimsSet.Builder()
                .subject("dev:local")
                .audience(DevMode.AUDIENCE);
        claims.forEach(b::claim);
        b.issuer(issuer).issueTime(Date.from(now)).notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plus(LIFETIME))).jwtID(UUID.randomUUID().toString());
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID())
                .type(JOSEObjectType.JWT).build(), b.build());
        try {
            jwt.sign(new RSASSASigner(key));
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a dev token", e);
        }
        return jwt.serialize();
    }

    public long lifetimeSeconds() {
        return LIFETIME.toSeconds();
    }
}
