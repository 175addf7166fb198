// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.federation;

import io.segura.testkit.time.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.segura.broker.config.IssuerSpec;
import io.segura.testkit.oidc.IssuerSimulator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Key discovery, caching, single-flight refresh, rotation and outages (DESIGN §14) over real HTTP. */
class IssuerKeysTest {

    static final String AUD = TestIssuers.AUDIENCE;
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-29T05:00:00Z"));
    final List<IssuerSimulator> sims = new ArrayList<>();

    @AfterEach
    void stop() {
        sims.forEach(IssuerSimulator::close);
    }

    IssuerSimulator sim(String path) {
        IssuerSimulator s = IssuerSimulator.builder().path(path).clock(clock).start();
        sims.add(s);
        return s;
    }

    TokenVerifier verifier(IssuerSpec... specs) {
        List<IssuerSpec> list = List.of(specs);
        return new TokenVerifier(list, new IssuerKeys(list, clock), clock);
    }

    static VerifiedToken verify(TokenVerifier v, String token) {
        return v.verify(token).block(Duration.ofSeconds(10));
    }

    static Map<String, Object> claims() {
        return Map.of("sub", "job-1", "aud", AUD);
    }

    @Test
    void verifyWhenDiscoveryThenFetchesDiscoveryOnceAndCachesKeys() {
        IssuerSimulator sim = sim("/oidc");
        TokenVerifier v = verifier(TestIssuers.exact(sim.issuer()).build());
        for (int i = 0; i < 5; i++) {
            assertThat(verify(v, sim.mint(claims())).subject()).isEqualTo("job-1");
        }
        assertThat(sim.discoveryRequests()).isEqualTo(1);
        assertThat(sim.jwksRequests()).isEqualTo(1);
    }

    @Test
    void verifyWhenUnknownKidConcurrentlyThenExactlyOneRefreshAndNoSecondWithin30s() throws Exception {
        IssuerSimulator sim = sim("");
        TokenVerifier v = verifier(TestIssuers.exact(sim.issuer()).build());
        verify(v, sim.mint(claims()));
        clock.advance(Duration.ofSeconds(31));
        sim.resetCounters();
        sim.rotateKey();
        sim.setResponseDelay(Duration.ofMillis(300));
        List<String> tokens = sim.mintMany(20, i -> Map.of("sub", "job-" + i, "aud", AUD));
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<VerifiedToken>> results = new ArrayList<>();
            for (String t : tokens) {
                results.add(pool.submit(() -> {
                    go.await();
                    return verify(v, t);
                }));
            }
            go.countDown();
            for (Future<VerifiedToken> f : results) {
                assertThat(f.get().subject()).startsWith("job-");
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(sim.jwksRequests()).isEqualTo(1);
        sim.setResponseDelay(Duration.ZERO);

        clock.advance(Duration.ofSeconds(20));
        sim.rotateKey();
        Throwable e = catchThrowable(() -> verify(v, sim.mint(claims())));
        assertThat(e).isInstanceOf(TokenRejectedException.class);
        assertThat(((TokenRejectedException) e).check()).isEqualTo("kid");
        assertThat(sim.jwksRequests()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(11));
        assertThat(verify(v, sim.mint(claims())).subject()).isEqualTo("job-1");
        assertThat(sim.jwksRequests()).isEqualTo(2);
    }

    @Test
    void refreshWhenNoRateLimitAndConcurrentCallersThenTheyShareOneInFlightFetch() throws Exception {
        IssuerSimulator sim = sim("");
        IssuerSpec spec = TestIssuers.exact(sim.issuer()).jwksUri(sim.jwksUri().toString()).build();
        IssuerKeys keys = new IssuerKeys(List.of(spec), clock, new IssuerKeys.Settings(Duration.ofMinutes(15),
                Duration.ZERO, Duration.ofSeconds(5), 512 * 1024, 16));
        TokenVerifier v = new TokenVerifier(List.of(spec), keys, clock);
        sim.setResponseDelay(Duration.ofMillis(500));
        List<String> tokens = sim.mintMany(20, i -> Map.of("sub", "job-" + i, "aud", AUD));
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<VerifiedToken>> results = new ArrayList<>();
            for (String t : tokens) {
                results.add(pool.submit(() -> {
                    go.await();
                    return verify(v, t);
                }));
            }
            go.countDown();
            for (Future<VerifiedToken> f : results) {
                assertThat(f.get().subject()).startsWith("job-");
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(sim.jwksRequests()).isEqualTo(1);
    }

    @Test
    void verifyWhenKeyRotatedWithOldRemovedThenNewKeyAcceptedWithoutRestart() {
        IssuerSimulator sim = sim("/oidc");
        TokenVerifier v = verifier(TestIssuers.exact(sim.issuer()).build());
        verify(v, sim.mint(claims()));
        clock.advance(Duration.ofSeconds(31));
        sim.rotateKey(false);
        assertThat(verify(v, sim.mint(claims())).subject()).isEqualTo("job-1");
    }

    @Test
    void verifyWhenJwksDownAndNothingCachedThenIssuerUnavailableNot401() {
        IssuerSimulator sim = sim("");
        TokenVerifier v = verifier(TestIssuers.exact(sim.issuer()).build());
        sim.setAvailable(false);
        Throwable e = catchThrowable(() -> verify(v, sim.mint(claims())));
        assertThat(e).isInstanceOf(IssuerUnavailableException.class);
        IssuerUnavailableException u = (IssuerUnavailableException) e;
        assertThat(u.issuerName()).isEqualTo("ci-test");
        assertThat(u.retryAfter()).isPositive();
        // Within the refresh interval nothing is fetched again and the answer stays 503.
        assertThat(catchThrowable(() -> verify(v, sim.mint(claims())))).isInstanceOf(IssuerUnavailableException.class);
        assertThat(sim.discoveryRequests()).isEqualTo(1);
        sim.setAvailable(true);
        clock.advance(Duration.ofSeconds(31));
        assertThat(verify(v, sim.mint(claims())).subject()).isEqualTo("job-1");
    }

    @Test
    void verifyWhenConnectionRefusedThenIssuerUnavailable() {
        IssuerSimulator sim = sim("");
        TokenVerifier v = verifier(TestIssuers.exact(sim.issuer()).build());
        String token = sim.mint(claims());
        sim.setAvailable(false, IssuerSimulator.Outage.CONNECTION_REFUSED);
        assertThat(catchThrowable(() -> verify(v, token))).isInstanceOf(IssuerUnavailableException.class);
    }

    @Test
    void verifyWhenOutageAfterCachingThenCachedKeyStillWorksAndUnknownKidIsUnavailable() {
        IssuerSimulator sim = sim("");
        TokenVerifier v = verifier(TestIssuers.exact(sim.issuer()).build());
        verify(v, sim.mint(claims()));
        sim.setAvailable(false);
        clock.advance(Duration.ofMinutes(16));
        // Past the TTL: the background refresh fails, the cached key keeps working.
        assertThat(verify(v, sim.mint(claims())).subject()).isEqualTo("job-1");
        clock.advance(Duration.ofSeconds(31));
        sim.rotateKey();
        assertThat(catchThrowable(() -> verify(v, sim.mint(claims())))).isInstanceOf(IssuerUnavailableException.class);
    }

    @Test
    void verifyWhenTtlPassedThenKeysRefreshedInBackground() throws Exception {
        IssuerSimulator sim = sim("");
        TokenVerifier v = verifier(TestIssuers.exact(sim.issuer()).build());
        verify(v, sim.mint(claims()));
        clock.advance(Duration.ofMinutes(16));
        verify(v, sim.mint(claims()));
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (sim.jwksRequests() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(sim.jwksRequests()).isEqualTo(2);
    }

    @Test
    void verifyWhenDiscoveryNamesAnotherIssuerThenKeysNotTrusted() {
        IssuerSimulator sim = sim("/oidc");
        sim.setDiscoveryIssuer("https://evil.example");
        TokenVerifier v = verifier(TestIssuers.exact(sim.issuer()).build());
        assertThat(catchThrowable(() -> verify(v, sim.mint(claims())))).isInstanceOf(IssuerUnavailableException.class);
        assertThat(sim.jwksRequests()).isZero();
    }

    @Test
    void verifyWhenHttpsIssuerWithCaPemThenTrustedOnlyWithThatCa() {
        IssuerSimulator tls = IssuerSimulator.builder().https().path("/oidc").clock(clock).start();
        sims.add(tls);
        TestIssuers withCa = TestIssuers.exact(tls.issuer());
        withCa.caPem = tls.caPem();
        assertThat(verify(verifier(withCa.build()), tls.mint(claims())).iss()).isEqualTo(tls.issuer());
        // Without ca-pem the JDK default trust store refuses the self-signed certificate: 503, not 401.
        TokenVerifier defaultTrust = verifier(TestIssuers.exact(tls.issuer()).build());
        assertThat(catchThrowable(() -> verify(defaultTrust, tls.mint(claims()))))
                .isInstanceOf(IssuerUnavailableException.class);
    }

    @Test
    void verifyWhenDiscoveryPointsJwksAtPlainHttpOffLoopbackThenNotFetched() {
        IssuerSimulator sim = sim("/oidc");
        sim.setDiscoveryJwksUri("http://jwks.example.com/keys");
        TokenVerifier v = verifier(TestIssuers.exact(sim.issuer()).build());
        assertThat(catchThrowable(() -> verify(v, sim.mint(claims())))).isInstanceOf(IssuerUnavailableException.class);
        assertThat(sim.jwksRequests()).isZero();
    }

    @Test
    void verifyWhenJwksBodyLargerThanCapThenIssuerUnavailable() {
        IssuerSimulator sim = sim("");
        for (int i = 0; i < 3; i++) {
            sim.publish(io.segura.testkit.oidc.SimulatorKeys.rsa(2048, "filler-" + i));
        }
        IssuerSpec spec = TestIssuers.exact(sim.issuer()).build();
        IssuerKeys keys = new IssuerKeys(List.of(spec), clock,
                new IssuerKeys.Settings(Duration.ofMinutes(15), Duration.ofSeconds(30), Duration.ofSeconds(5), 1024, 8));
        TokenVerifier v = new TokenVerifier(List.of(spec), keys, clock);
        assertThat(sim.jwksJson().length()).isGreaterThan(1024);
        assertThat(catchThrowable(() -> verify(v, sim.mint(claims())))).isInstanceOf(IssuerUnavailableException.class);
        assertThat(sim.jwksRequests()).isEqualTo(1);
    }

    @Test
    void verifyWhenPatternIssuerFloodedWithMadeUpIssuersThenBoundedAndRealOneStillWorks() {
        IssuerSimulator acme = sim("/ent/acme");
        IssuerSpec spec = TestIssuers.pattern(Pattern.quote("http://127.0.0.1:" + acme.port() + "/ent/") + "[a-z]+")
                .build();
        IssuerKeys keys = new IssuerKeys(List.of(spec), clock,
                new IssuerKeys.Settings(Duration.ofMinutes(15), Duration.ofSeconds(30), Duration.ofSeconds(5),
                        512 * 1024, 2));
        TokenVerifier v = new TokenVerifier(List.of(spec), keys, clock);
        assertThat(verify(v, acme.mint(claims())).iss()).isEqualTo(acme.issuer());
        for (String slug : List.of("aaa", "bbb", "ccc")) {
            String iss = "http://127.0.0.1:" + acme.port() + "/ent/" + slug;
            String forged = acme.token().claims(claims()).claim("iss", iss).sign();
            assertThat(catchThrowable(() -> verify(v, forged))).isInstanceOf(IssuerUnavailableException.class);
        }
        assertThat(verify(v, acme.mint(claims())).iss()).isEqualTo(acme.issuer());
    }

    @Test
    void verifyWhenJwksUriConfiguredThenNoDiscovery() {
        IssuerSimulator sim = sim("");
        TokenVerifier v = verifier(TestIssuers.exact(sim.issuer()).jwksUri(sim.jwksUri().toString()).build());
        assertThat(verify(v, sim.mint(claims())).subject()).isEqualTo("job-1");
        assertThat(sim.discoveryRequests()).isZero();
        assertThat(sim.jwksRequests()).isEqualTo(1);
    }

    @Test
    void verifyWhenInlineJwksThenNoHttpAtAll() {
        IssuerSimulator sim = sim("");
        TokenVerifier v = verifier(TestIssuers.exact(sim.issuer()).jwks(sim.jwksJson()).build());
        assertThat(verify(v, sim.mint(claims())).subject()).isEqualTo("job-1");
        sim.rotateKey();
        assertThat(((TokenRejectedException) catchThrowable(() -> verify(v, sim.mint(claims())))).check())
                .isEqualTo("kid");
        assertThat(sim.discoveryRequests() + sim.jwksRequests()).isZero();
    }

    @Test
    void verifyWhenIssuerPatternThenDiscoversPerMatchedIssuer() {
        IssuerSimulator acme = sim("/ent/acme");
        IssuerSimulator globex = sim("/ent/globex");
        TokenVerifier v = verifier(TestIssuers.pattern(enterprisePattern(acme, globex)).build());
        assertThat(verify(v, acme.mint(claims())).iss()).isEqualTo(acme.issuer());
        assertThat(verify(v, globex.mint(claims())).iss()).isEqualTo(globex.issuer());
        assertThat(acme.discoveryRequests()).isEqualTo(1);
        assertThat(globex.discoveryRequests()).isEqualTo(1);
        // A key of one enterprise issuer never verifies a token claiming the other.
        String crossed = acme.token().claims(claims()).claim("iss", globex.issuer()).kid(globex.currentKid()).sign();
        assertThat(((TokenRejectedException) catchThrowable(() -> verify(v, crossed))).check())
                .isEqualTo("signature");
    }

    /** Two simulators listen on different ports; the pattern accepts both ports and any lower-case slug. */
    static String enterprisePattern(IssuerSimulator a, IssuerSimulator b) {
        return Pattern.quote("http://127.0.0.1:") + "(" + a.port() + "|" + b.port() + ")" + Pattern.quote("/ent/")
                + "[a-z]+";
    }

    @Test
    void verifyWhenIssuerPatternSuffixBypassThenRejectedAsIss() {
        IssuerSimulator acme = sim("/ent/acme");
        TokenVerifier v = verifier(TestIssuers.pattern(Pattern.quote(acme.issuer())).build());
        for (String iss : List.of(acme.issuer() + ".evil.example", acme.issuer() + "/x", "x" + acme.issuer(),
                acme.issuer() + "\n")) {
            String token = acme.token().claims(claims()).claim("iss", iss).sign();
            assertThat(((TokenRejectedException) catchThrowable(() -> verify(v, token))).check()).isEqualTo("iss");
        }
        assertThat(acme.discoveryRequests()).isZero();
    }

    @Test
    void verifyWhenIssuerPatternAlternationBypassThenRejectedAsIss() {
        IssuerSimulator acme = sim("/ent/acme");
        String pattern = "https://token\\.example\\.com|https://ghe\\.example\\.com/_services/token";
        TokenVerifier v = verifier(TestIssuers.pattern(pattern).build());
        for (String iss : List.of("https://token.example.com.evil.io", "https://evil.io/https://ghe.example.com/_services/token",
                "https://evil.io#https://token.example.com")) {
            String token = acme.token().claims(claims()).claim("iss", iss).sign();
            TokenRejectedException e = (TokenRejectedException) catchThrowable(() -> verify(v, token));
            assertThat(e.check()).isEqualTo("iss");
            assertThat(e.getMessage()).doesNotContain("ghe\\.example").doesNotContain(pattern);
        }
    }

    @Test
    void rejectionMessagesWhenAnyCheckFailsThenNeverContainConfiguredAudienceOrIssuerPattern() {
        IssuerSimulator acme = sim("/ent/acme");
        String pattern = Pattern.quote("http://127.0.0.1:" + acme.port() + "/ent/") + "[a-z]+";
        String secretAudience = "https://segura.internal/aud-7f3c";
        TokenVerifier v = verifier(TestIssuers.pattern(pattern).audiences(secretAudience).algorithms("RS256").build());
        List<String> tokens = List.of(
                acme.token().claim("sub", "x").claim("aud", "https://other").sign(),
                acme.token().claim("sub", "x").claim("aud", List.of("https://a", "https://b")).sign(),
                acme.token().claim("sub", "x").claim("aud", secretAudience).claim("iss", "https://evil").sign(),
                acme.token().claim("sub", "x").claim("aud", secretAudience).alg("ES256").sign(),
                acme.token().claim("sub", "x").claim("aud", secretAudience).claim("exp", 1).sign(),
                acme.token().claim("sub", "x").claim("aud", secretAudience)
                        .claim("exp", Instant.now().plus(Duration.ofDays(300))).sign(),
                acme.token().claim("sub", "x").claim("aud", secretAudience).kid("nope").sign());
        for (String t : tokens) {
            Throwable e = catchThrowable(() -> verify(v, t));
            assertThat(e).isInstanceOf(TokenRejectedException.class);
            assertThat(e.getMessage()).doesNotContain(secretAudience).doesNotContain(pattern)
                    .doesNotContain("[a-z]+").doesNotContain(t).doesNotContain(t.substring(t.lastIndexOf('.') + 1));
        }
    }
}
