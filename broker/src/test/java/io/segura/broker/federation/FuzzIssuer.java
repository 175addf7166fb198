// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.federation;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import io.segura.broker.config.IssuerSpec;
import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.time.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The verifier the token fuzz tests attack: an issuer simulator's real keys configured inline (so verification never
 * leaves the thread and never waits on HTTP), an exact and a pattern issuer, the DESIGN §3 defaults, a fixed clock.
 * One per JVM: key generation is the slow part.
 */
final class FuzzIssuer {

    static final Instant NOW = Instant.parse("2027-01-06T10:00:00Z");
    static final String PATTERN_ISS = "https://ci.fuzz.example/tenant-a";
    static final Duration SKEW = Duration.ofSeconds(60);
    static final Duration MAX_LIFETIME = Duration.ofHours(2);

    static final MutableClock CLOCK = new MutableClock(NOW);
    static final IssuerSimulator SIM = IssuerSimulator.builder().clock(CLOCK).start();
    static final TokenVerifier VERIFIER;

    static {
        String jwks = SIM.jwksJson();
        List<IssuerSpec> specs = List.of(
                TestIssuers.exact(SIM.issuer()).name("exact").jwks(jwks).build(),
                TestIssuers.pattern("https://ci\\.fuzz\\.example/[a-z-]{1,20}").name("pattern").jwks(jwks).build());
        VERIFIER = new TokenVerifier(specs, new IssuerKeys(specs, CLOCK), CLOCK);
        Runtime.getRuntime().addShutdownHook(new Thread(SIM::close));
    }

    private FuzzIssuer() {
    }

    /**
     * Verifies {@code token}: a typed refusal is the only failure allowed; anything else escapes to the fuzzer as a
     * finding. An accepted token must satisfy every time rule, checked here without the verifier's arithmetic.
     */
    static void verifyOrRefuse(String token) {
        VerifiedToken v;
        try {
            v = VERIFIER.verify(token).block(Duration.ofSeconds(30));
        } catch (TokenRejectedException e) {
            assertThat(e.check()).isNotBlank();
            assertThat(e.getMessage()).isNotBlank().doesNotContain("\n", "\r");
            return;
        }
        assertThat(v).isNotNull();
        assertThat(v.subject()).isNotEmpty();
        assertThat(v.iss().equals(SIM.issuer()) || v.iss().matches("https://ci\\.fuzz\\.example/[a-z-]{1,20}"))
                .as("accepted issuer %s", v.iss()).isTrue();
        assertThat(v.expiresAt()).isAfterOrEqualTo(NOW.minus(SKEW))
                .isBeforeOrEqualTo(NOW.plus(SKEW).plus(MAX_LIFETIME));
        if (v.claims().get("iat") instanceof Number iat) {
            assertThat(iat.doubleValue()).isBetween(0d, (double) v.expiresAt().getEpochSecond());
            assertThat(v.expiresAt().getEpochSecond() - iat.longValue()).isLessThanOrEqualTo(MAX_LIFETIME.toSeconds());
        }
    }

    /** A compact JWS over exactly {@code payload}'s bytes, signed ES256 by the issuer's published EC key. */
    static String signEs256(byte[] payload, boolean withKid) {
        try {
            JWSHeader.Builder header = new JWSHeader.Builder(JWSAlgorithm.ES256);
            if (withKid) {
                header.keyID(SIM.ecKey().getKeyID());
            }
            JWSObject jws = new JWSObject(header.build(), new Payload(payload));
            jws.sign(new ECDSASigner(SIM.ecKey()));
            return jws.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign the fuzz token", e);
        }
    }
}
