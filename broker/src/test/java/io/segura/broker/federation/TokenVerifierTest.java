// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.federation;

import io.segura.testkit.time.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64;
import io.segura.broker.config.IssuerSpec;
import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.oidc.JwtTampering;
import io.segura.testkit.oidc.SimulatorKeys;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** DESIGN §14 token rules, one test each, against a real issuer over HTTP with real keys. */
class TokenVerifierTest {

    static final Instant START = Instant.parse("2026-11-29T05:00:00Z");
    static final String AUD = TestIssuers.AUDIENCE;

    final MutableClock clock = new MutableClock(START);
    IssuerSimulator sim;
    TokenVerifier verifier;

    @BeforeEach
    void startIssuer() {
        sim = IssuerSimulator.builder().clock(clock).start();
        verifier = verifierFor(TestIssuers.exact(sim.issuer()).build());
    }

    @AfterEach
    void stopIssuer() {
        sim.close();
    }

    TokenVerifier verifierFor(IssuerSpec... specs) {
        List<IssuerSpec> list = List.of(specs);
        return new TokenVerifier(list, new IssuerKeys(list, clock), clock);
    }

    VerifiedToken verify(String token) {
        return verifier.verify(token).block(Duration.ofSeconds(10));
    }

    TokenRejectedException rejected(String token) {
        Throwable t = catchThrowable(() -> verify(token));
        assertThat(t).isInstanceOf(TokenRejectedException.class);
        return (TokenRejectedException) t;
    }

    Map<String, Object> claims() {
        return Map.of("sub", "job-1", "aud", AUD);
    }

    @Test
    void verifyWhenValidRs256ThenReturnsClaimsSubjectAndTokenHash() throws Exception {
        String token = sim.mint(Map.of("sub", "job-1", "aud", AUD, "nothing", "x"));
        VerifiedToken v = verify(token);
        assertThat(v.issuerName()).isEqualTo("ci-test");
        assertThat(v.iss()).isEqualTo(sim.issuer());
        assertThat(v.subject()).isEqualTo("job-1");
        assertThat(v.jti()).isNotBlank();
        assertThat(v.expiresAt()).isEqualTo(START.plus(Duration.ofMinutes(5)));
        assertThat(v.claims()).containsEntry("nothing", "x").containsEntry("aud", AUD);
        assertThat(v.ctx()).isEqualTo(RunContext.none(null));
        assertThat(v.tokenSha256()).isEqualTo(HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII))));
        assertThat(v.toString()).doesNotContain(token);
    }

    @Test
    void verifyWhenValidEs256ThenAccepted() {
        assertThat(verify(sim.token().alg("ES256").claims(claims()).sign()).subject()).isEqualTo("job-1");
    }

    @Test
    void verifyWhenAlgNoneThenRejectedAsAlg() {
        TokenRejectedException e = rejected(sim.token().unsigned().claims(claims()).sign());
        assertThat(e.check()).isEqualTo("alg");
        assertThat(e.getMessage()).contains("\"none\"");
    }

    static Stream<Arguments> rsaPublicKeyEncodings() throws Exception {
        return Stream.of(
                Arguments.of("X.509 DER", (Function<RSAKey, byte[]>) k -> der(k)),
                Arguments.of("PEM", (Function<RSAKey, byte[]>) k -> ("-----BEGIN PUBLIC KEY-----\n"
                        + java.util.Base64.getMimeEncoder().encodeToString(der(k)) + "\n-----END PUBLIC KEY-----\n")
                        .getBytes(StandardCharsets.US_ASCII)),
                Arguments.of("JWK JSON", (Function<RSAKey, byte[]>) k -> k.toPublicJWK().toJSONString()
                        .getBytes(StandardCharsets.UTF_8)));
    }

    static byte[] der(RSAKey k) {
        try {
            return k.toRSAPublicKey().getEncoded();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rsaPublicKeyEncodings")
    void verifyWhenHs256SignedWithRsaPublicKeyThenRejectedAsAlg(String encoding, Function<RSAKey, byte[]> secret) {
        String token = sim.token().hmac("HS256", secret.apply(sim.currentKey())).kid(sim.currentKid())
                .claims(claims()).sign();
        TokenRejectedException e = rejected(token);
        assertThat(e.check()).isEqualTo("alg");
        assertThat(e.getMessage()).contains("\"HS256\"");
    }

    @Test
    void verifyWhenJkuX5uJwkX5cPointAtAttackerKeyThenIgnoredAndRefused() throws Exception {
        RSAKey attacker = SimulatorKeys.rsa(2048, "attacker-kid");
        try (IssuerSimulator evil = IssuerSimulator.start()) {
            evil.publish(attacker);
            List<String> tokens = List.of(
                    sim.token().signWith(attacker).jku(evil.jwksUri()).claims(claims()).sign(),
                    sim.token().signWith(attacker).x5u(evil.jwksUri()).claims(claims()).sign(),
                    sim.token().signWith(attacker).jwk(attacker).claims(claims()).sign(),
                    sim.token().signWith(attacker).x5c(List.of(Base64.encode(der(attacker)))).claims(claims()).sign(),
                    // Same attacks naming the real kid: the signature must be checked with the real key only.
                    sim.token().signWith(attacker).kid(sim.currentKid()).jku(evil.jwksUri()).jwk(attacker)
                            .claims(claims()).sign());
            List<String> checks = new ArrayList<>();
            for (String t : tokens) {
                checks.add(rejected(t).check());
            }
            assertThat(checks).containsExactly("kid", "kid", "kid", "kid", "signature");
            assertThat(evil.jwksRequests()).isZero();
            assertThat(evil.discoveryRequests()).isZero();
        }
    }

    @Test
    void verifyWhenPsychicEs256SignatureThenRejectedAsSignature() {
        String token = JwtTampering.psychicEs256(sim.token().alg("ES256").claims(claims()).sign());
        assertThat(rejected(token).check()).isEqualTo("signature");
    }

    @Test
    void verifyWhenPayloadTamperedThenRejectedAsSignature() {
        String token = JwtTampering.editPayload(sim.mint(claims()), p -> p.put("sub", "admin"));
        assertThat(rejected(token).check()).isEqualTo("signature");
    }

    @Test
    void verifyWhenExpiredBeyondSkewThenRejectedAsExpElseAcceptedWithinSkew() {
        String token = sim.mint(claims());
        clock.advance(Duration.ofMinutes(5).plusSeconds(59));
        assertThat(verify(token).subject()).isEqualTo("job-1");
        clock.advance(Duration.ofSeconds(2));
        TokenRejectedException e = rejected(token);
        assertThat(e.check()).isEqualTo("exp");
        assertThat(e.getMessage()).contains(START.plus(Duration.ofMinutes(5)).toString());
    }

    @Test
    void verifyWhenExpMissingThenRejectedAsExp() {
        assertThat(rejected(sim.token().without("exp").claims(claims()).sign()).check()).isEqualTo("exp");
    }

    @Test
    void verifyWhenNbfInFutureBeyondSkewThenRejectedElseAcceptedWithinSkew() {
        String within = sim.token().claims(claims()).claim("nbf", START.plusSeconds(59)).sign();
        assertThat(verify(within).subject()).isEqualTo("job-1");
        String beyond = sim.token().claims(claims()).claim("nbf", START.plusSeconds(61)).sign();
        assertThat(rejected(beyond).check()).isEqualTo("nbf");
    }

    @Test
    void verifyWhenIatInFutureBeyondSkewThenRejectedAsIat() {
        String token = sim.token().claims(claims()).claim("iat", START.plusSeconds(120)).sign();
        assertThat(rejected(token).check()).isEqualTo("iat");
    }

    @Test
    void verifyWhenLifetimeOverCapThenRejectedAsLifetime() {
        String withIat = sim.token().claims(claims()).claim("exp", START.plus(Duration.ofHours(2)).plusSeconds(1))
                .sign();
        assertThat(rejected(withIat).check()).isEqualTo("lifetime");
        String withoutIat = sim.token().claims(claims()).without("iat")
                .claim("exp", START.plus(Duration.ofHours(3))).sign();
        assertThat(rejected(withoutIat).check()).isEqualTo("lifetime");
        String atCap = sim.token().claims(claims()).claim("exp", START.plus(Duration.ofHours(2))).sign();
        assertThat(verify(atCap).subject()).isEqualTo("job-1");
    }

    @Test
    void verifyWhenIatIsMinLongAndExpTenYearsAheadThenRefusedNotAdmittedByOverflow() {
        // exp - iat overflowed in plain long arithmetic and slipped under the 2 h cap.
        String token = sim.token().claims(claims()).claim("iat", Long.MIN_VALUE)
                .claim("exp", START.plus(Duration.ofDays(3650))).sign();
        TokenRejectedException e = rejected(token);
        assertThat(e.check()).isEqualTo("iat");
        assertThat(e.claim()).isEqualTo("iat");
        assertThat(e.getMessage()).contains("-9223372036854775808", "outside the range");
    }

    @Test
    void verifyWhenIatIsEpochAndExpTenYearsAheadThenRefusedByTheLifetimeCap() {
        String token = sim.token().claims(claims()).claim("iat", 0L)
                .claim("exp", START.plus(Duration.ofDays(3650))).sign();
        assertThat(rejected(token).check()).isEqualTo("lifetime");
    }

    @Test
    void verifyWhenIatNegativeThenRefusedAsIat() {
        TokenRejectedException e = rejected(sim.token().claims(claims()).claim("iat", -1L).sign());
        assertThat(e.check()).isEqualTo("iat");
        assertThat(e.getMessage()).contains("before 1970");
    }

    @Test
    void verifyWhenIatAfterExpThenRefusedAsIat() {
        String token = sim.token().claims(claims()).claim("iat", START.plusSeconds(50))
                .claim("exp", START.plusSeconds(30)).sign();
        TokenRejectedException e = rejected(token);
        assertThat(e.check()).isEqualTo("iat");
        assertThat(e.getMessage()).contains("after it expires");
    }

    static Stream<Arguments> numericClaimsOutOfRange() {
        long tenYears = START.plus(Duration.ofDays(3650)).getEpochSecond();
        return Stream.of(
                Arguments.of("exp", Long.MAX_VALUE, "outside the range"),
                Arguments.of("exp", Long.MIN_VALUE, "outside the range"),
                Arguments.of("exp", 1e300, "outside the range"),
                Arguments.of("exp", new java.math.BigInteger("9223372036854775808"), "outside the range"),
                Arguments.of("exp", START.getEpochSecond() + 0.5, "whole seconds"),
                Arguments.of("nbf", Long.MAX_VALUE, "outside the range"),
                Arguments.of("nbf", -1e300, "outside the range"),
                Arguments.of("nbf", 1e300, "outside the range"),
                Arguments.of("nbf", 1.25, "whole seconds"),
                Arguments.of("iat", -1e300, "outside the range"),
                Arguments.of("iat", 1e300, "outside the range"),
                Arguments.of("iat", Long.MAX_VALUE, "outside the range"),
                Arguments.of("iat", (double) tenYears + 0.5, "whole seconds"),
                Arguments.of("iat", List.of(1), "not a number"),
                Arguments.of("nbf", true, "not a number"));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("numericClaimsOutOfRange")
    void verifyWhenNumericClaimUnrepresentableThenRefusedNamingTheClaim(String claim, Object value, String why) {
        TokenRejectedException e = rejected(sim.token().claims(claims()).claim(claim, value).sign());
        assertThat(e.check()).isEqualTo(claim);
        assertThat(e.claim()).isEqualTo(claim);
        assertThat(e.getMessage()).startsWith("token " + claim + " ").contains(why);
    }

    @Test
    void verifyWhenNumericClaimIsWholeSecondsWrittenAsDecimalThenAccepted() {
        String token = sim.token().claims(claims()).claim("iat", (double) START.getEpochSecond())
                .claim("exp", (double) START.plusSeconds(60).getEpochSecond()).sign();
        assertThat(verify(token).expiresAt()).isEqualTo(START.plusSeconds(60));
    }

    @Test
    void verifyWhenPayloadHoldsNaNThenRefusedAsFormat() {
        String payload = java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString("{\"iss\":\"x\",\"exp\":NaN}".getBytes(StandardCharsets.UTF_8));
        String header = sim.mint(claims()).split("\\.")[0];
        assertThat(rejected(header + "." + payload + ".c2ln").check()).isEqualTo("format");
    }

    static Stream<Arguments> audiences() {
        return Stream.of(
                Arguments.of("string match", AUD, true),
                Arguments.of("string other", "https://other", false),
                Arguments.of("array intersects", List.of("https://other", AUD), true),
                Arguments.of("array disjoint", List.of("https://other", "https://else"), false),
                Arguments.of("empty array", List.of(), false),
                Arguments.of("prefix of configured", AUD.substring(0, AUD.length() - 1), false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("audiences")
    void verifyWhenAudienceThenAcceptedOnlyOnIntersection(String name, Object aud, boolean accepted) {
        String token = sim.token().claim("sub", "job-1").claim("aud", aud).sign();
        if (accepted) {
            assertThat(verify(token).subject()).isEqualTo("job-1");
        } else {
            TokenRejectedException e = rejected(token);
            assertThat(e.check()).isEqualTo("aud");
            assertThat(e.claim()).isEqualTo("aud");
            assertThat(e.getMessage()).startsWith("token audience ").endsWith(" is not accepted by this broker");
        }
    }

    @Test
    void verifyWhenAudienceArrayRejectedThenMessageQuotesTokensOwnArray() {
        String token = sim.token().claim("sub", "x").claim("aud", List.of("https://other")).sign();
        assertThat(rejected(token).getMessage())
                .isEqualTo("token audience [\"https://other\"] is not accepted by this broker");
    }

    @Test
    void verifyWhenAudMissingThenRejectedAsAud() {
        assertThat(rejected(sim.token().claim("sub", "x").sign()).check()).isEqualTo("aud");
    }

    @Test
    void verifyWhenOversizedThenRejectedAsSizeBeforeParsing() {
        String token = sim.token().claims(claims()).claim("padding", "x".repeat(17 * 1024)).sign();
        assertThat(rejected(token).check()).isEqualTo("size");
        assertThat(rejected("a".repeat(TokenVerifier.MAX_TOKEN_CHARS + 1)).check()).isEqualTo("size");
        assertThat(sim.jwksRequests() + sim.discoveryRequests()).isZero();
    }

    @Test
    void verifyWhenNotAJwsThenRejectedAsFormat() {
        assertThat(rejected("not-a-token").check()).isEqualTo("format");
        assertThat(rejected("a.b.c.d.e").check()).isEqualTo("format");
        assertThat(rejected("e30.e30.").check()).isEqualTo("format");
        assertThat(rejected("").check()).isEqualTo("format");
    }

    /** Found by TokenFormatFuzzTest: a header of JSON null made nimbus throw a NullPointerException (a 500). */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"null", "[]", "1", "\"RS256\"", "{\"alg\":null}",
            "{\"alg\":1}", "{\"alg\":{}}"})
    void verifyWhenHeaderIsJsonButNotAnObjectWithAnAlgThenRejectedAsFormat(String header) {
        String token = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                header.getBytes(StandardCharsets.UTF_8)) + ".e30.c2ln";
        assertThat(rejected(token).check()).isEqualTo("format");
    }

    @Test
    void verifyWhenWrongIssuerThenRejectedAsIssNamingTokensIssuer() {
        TokenRejectedException e = rejected(sim.token().claims(claims()).claim("iss", "https://evil").sign());
        assertThat(e.check()).isEqualTo("iss");
        assertThat(e.getMessage()).isEqualTo("issuer \"https://evil\" is not trusted");
        assertThat(rejected(sim.token().claims(claims()).claim("iss", sim.issuer() + "/").sign()).check())
                .isEqualTo("iss");
        assertThat(rejected(sim.token().claims(claims()).without("iss").sign()).check()).isEqualTo("iss");
    }

    @Test
    void verifyWhenRsa1024KeyPublishedThenRefusedAsKey() {
        RSAKey weak = SimulatorKeys.rsa(1024, "weak-1024");
        sim.publish(weak);
        TokenRejectedException e = rejected(sim.token().signWith(weak).claims(claims()).sign());
        assertThat(e.check()).isEqualTo("key");
        assertThat(e.getMessage()).contains("2048");
    }

    @Test
    void verifyWhenAlgorithmNotInIssuersAllowlistThenRejectedAsAlg() {
        verifier = verifierFor(TestIssuers.exact(sim.issuer()).algorithms("RS256").build());
        assertThat(rejected(sim.token().alg("ES256").claims(claims()).sign()).check()).isEqualTo("alg");
        assertThat(rejected(sim.token().alg("RS512").claims(claims()).sign()).check()).isEqualTo("alg");
    }

    @Test
    void constructorWhenHmacOrNoneConfiguredThenRefusesToStart() {
        for (String alg : List.of("HS256", "HS512", "none")) {
            IssuerSpec spec = TestIssuers.exact(sim.issuer()).algorithms(alg).build();
            assertThatThrownBy(() -> verifierFor(spec)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void keysWhenIssuerIsPlainHttpOffLoopbackThenRefusesToStart() {
        IssuerSpec spec = TestIssuers.exact("http://issuer.example.com").build();
        assertThatThrownBy(() -> new IssuerKeys(List.of(spec), clock)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void verifyWhenKeyCachedThenCompletesOnCallingThreadWithoutFetching() {
        verify(sim.mint(claims()));
        sim.resetCounters();
        List<String> tokens = sim.mintMany(2000, i -> Map.of("sub", "job-" + i, "aud", AUD));
        Thread caller = Thread.currentThread();
        long start = System.nanoTime();
        for (String t : tokens) {
            assertThat(verifier.verify(t).map(v -> Thread.currentThread()).block()).isSameAs(caller);
        }
        long perSecond = tokens.size() * 1_000_000_000L / (System.nanoTime() - start);
        System.out.println("RS256 verifications per second, one thread, cold JIT: " + perSecond);
        assertThat(sim.jwksRequests() + sim.discoveryRequests()).isZero();
    }

    @Test
    void verifyWhenUnknownCriticalHeaderThenRejectedAsSignature() {
        String token = sim.token().claims(claims()).header("crit", List.of("x-unknown")).header("x-unknown", 1).sign();
        assertThat(rejected(token).check()).isEqualTo("signature");
    }

    @Test
    void verifyWhenEs256TokenNamesRsaKidThenRefused() {
        String token = sim.token().alg("ES256").kid(sim.currentKid()).claims(claims()).sign();
        assertThat(rejected(token).check()).isEqualTo("kid");
    }

    @Test
    void verifyWhenTimeClaimIsNotANumberThenRejectedNamingTheClaim() {
        TokenRejectedException e = rejected(sim.token().claims(claims()).claim("exp", "tomorrow").sign());
        assertThat(e.check()).isEqualTo("exp");
        assertThat(e.getMessage()).contains("\"tomorrow\"");
    }

    @Test
    void verifyWhenSubMissingThenRejectedAsSub() {
        assertThat(rejected(sim.token().claim("aud", AUD).sign()).check()).isEqualTo("sub");
    }
}
