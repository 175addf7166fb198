// SPDX-License-Identifier: Apache-2.0
package io.segura.testkit.oidc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.SignedJWT;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IssuerSimulatorTest {

    private final HttpClient http = HttpClient.newHttpClient();
    private IssuerSimulator sim;

    @AfterEach
    void stop() {
        if (sim != null) {
            sim.close();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void discoveryWhenFetchedThenNamesIssuerJwksUriAndAlgorithms() throws Exception {
        sim = IssuerSimulator.builder().path("/oidc").start();
        HttpResponse<String> r = get(sim.discoveryUri());
        assertThat(r.statusCode()).isEqualTo(200);
        Map<String, Object> doc = JSONObjectUtils.parse(r.body());
        assertThat(sim.issuer()).isEqualTo("http://127.0.0.1:" + sim.port() + "/oidc");
        assertThat(doc).containsEntry("issuer", sim.issuer())
                .containsEntry("jwks_uri", sim.jwksUri().toString());
        assertThat((List<Object>) doc.get("id_token_signing_alg_values_supported")).contains("RS256", "ES256");
        assertThat(sim.discoveryUri().toString()).isEqualTo(sim.issuer() + "/.well-known/openid-configuration");
        assertThat(sim.discoveryRequests()).isEqualTo(1);
    }

    @Test
    void jwksWhenFetchedThenServesPublicRsaAndEcKeysWithKid() throws Exception {
        sim = IssuerSimulator.builder().jwksPath("/oauth/discovery/keys").start();
        HttpResponse<String> r = get(sim.jwksUri());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(sim.jwksUri().getPath()).isEqualTo("/oauth/discovery/keys");
        JWKSet set = JWKSet.parse(r.body());
        assertThat(set.getKeyByKeyId(sim.currentKid())).isInstanceOf(RSAKey.class);
        assertThat(((RSAKey) set.getKeyByKeyId(sim.currentKid())).size()).isEqualTo(2048);
        assertThat(set.getKeyByKeyId(sim.ecKey().getKeyID())).isInstanceOf(ECKey.class);
        assertThat(set.getKeys()).allSatisfy(k -> assertThat(k.isPrivate()).isFalse());
        assertThat(sim.jwksRequests()).isEqualTo(1);
    }

    @Test
    void mintWhenClaimsGivenThenSignsRs256WithCurrentKeyAndAddsDefaults() throws Exception {
        Instant now = Instant.parse("2026-11-29T05:00:00Z");
        sim = IssuerSimulator.builder().clock(Clock.fixed(now, ZoneOffset.UTC)).start();
        SignedJWT jwt = SignedJWT.parse(sim.mint(Map.of("sub", "job-1", "aud", "https://segura.test")));
        assertThat(jwt.getHeader().getAlgorithm().getName()).isEqualTo("RS256");
        assertThat(jwt.getHeader().getKeyID()).isEqualTo(sim.currentKid());
        assertThat(jwt.verify(new RSASSAVerifier(JWKSet.parse(get(sim.jwksUri()).body())
                .getKeyByKeyId(sim.currentKid()).toRSAKey()))).isTrue();
        var claims = jwt.getJWTClaimsSet();
        assertThat(claims.getIssuer()).isEqualTo(sim.issuer());
        assertThat(claims.getIssueTime().toInstant()).isEqualTo(now);
        assertThat(claims.getNotBeforeTime().toInstant()).isEqualTo(now);
        assertThat(claims.getExpirationTime().toInstant()).isEqualTo(now.plus(Duration.ofMinutes(5)));
        assertThat(claims.getJWTID()).isNotBlank();
        assertThat(claims.getSubject()).isEqualTo("job-1");
    }

    @Test
    void mintManyWhenCalledThenEveryTokenHasItsOwnJti() throws Exception {
        sim = IssuerSimulator.start();
        List<String> tokens = sim.mintMany(200, i -> Map.of("sub", "s" + i));
        Set<String> jtis = new HashSet<>();
        for (String t : tokens) {
            jtis.add(SignedJWT.parse(t).getJWTClaimsSet().getJWTID());
        }
        assertThat(jtis).hasSize(200);
    }

    @Test
    void tokenWhenEs256ThenSignedByEcKey() throws Exception {
        sim = IssuerSimulator.start();
        SignedJWT jwt = SignedJWT.parse(sim.token().alg("ES256").claim("sub", "x").sign());
        assertThat(jwt.getHeader().getKeyID()).isEqualTo(sim.ecKey().getKeyID());
        assertThat(jwt.verify(new ECDSAVerifier(sim.ecKey().toPublicJWK()))).isTrue();
    }

    @Test
    void tokenWhenAttackHeadersRequestedThenTheyAreInTheHeader() throws Exception {
        sim = IssuerSimulator.start();
        RSAKey foreign = SimulatorKeys.rsa(2048, "attacker");
        String t = sim.token().signWith(foreign).jku(URI.create("https://evil.example/jwks"))
                .x5u(URI.create("https://evil.example/cert")).jwk(foreign).sign();
        Map<String, Object> header = JwtTampering.decodePart(t, 0);
        assertThat(header).containsEntry("kid", "attacker").containsEntry("jku", "https://evil.example/jwks")
                .containsEntry("x5u", "https://evil.example/cert").containsKey("jwk");
        assertThat(SignedJWT.parse(t).verify(new RSASSAVerifier(foreign.toRSAPublicKey()))).isTrue();
        String none = sim.token().unsigned().sign();
        assertThat(JwtTampering.decodePart(none, 0)).containsEntry("alg", "none");
        assertThat(none).endsWith(".");
    }

    @Test
    void rotateKeyWhenOldKeptThenBothServedElseOnlyNew() throws Exception {
        sim = IssuerSimulator.start();
        String first = sim.currentKid();
        String second = sim.rotateKey();
        assertThat(second).isNotEqualTo(first).isEqualTo(sim.currentKid());
        JWKSet set = JWKSet.parse(get(sim.jwksUri()).body());
        assertThat(set.getKeyByKeyId(first)).isNotNull();
        assertThat(set.getKeyByKeyId(second)).isNotNull();
        String third = sim.rotateKey(false);
        set = JWKSet.parse(get(sim.jwksUri()).body());
        assertThat(set.getKeyByKeyId(second)).isNull();
        assertThat(set.getKeyByKeyId(third)).isNotNull();
        assertThat(SignedJWT.parse(sim.mint(Map.of())).getHeader().getKeyID()).isEqualTo(third);
    }

    @Test
    void setAvailableWhenFalseThenAnswers503AndRecovers() throws Exception {
        sim = IssuerSimulator.start();
        sim.setAvailable(false);
        assertThat(get(sim.jwksUri()).statusCode()).isEqualTo(503);
        assertThat(get(sim.discoveryUri()).statusCode()).isEqualTo(503);
        sim.setAvailable(true);
        assertThat(get(sim.jwksUri()).statusCode()).isEqualTo(200);
        assertThat(sim.jwksRequests()).isEqualTo(2);
        sim.resetCounters();
        assertThat(sim.jwksRequests()).isZero();
    }

    @Test
    void setAvailableWhenConnectionRefusedModeThenConnectFailsAndSamePortRecovers() throws Exception {
        sim = IssuerSimulator.start();
        sim.setAvailable(false, IssuerSimulator.Outage.CONNECTION_REFUSED);
        assertThatThrownBy(() -> get(sim.jwksUri())).isInstanceOf(ConnectException.class);
        sim.setAvailable(true);
        assertThat(get(sim.jwksUri()).statusCode()).isEqualTo(200);
        sim.setAvailable(false, IssuerSimulator.Outage.CONNECTION_REFUSED);
        sim.close();
        sim = null;
    }

    @Test
    void discoveryIssuerOverrideWhenSetThenServedInsteadOfRealIssuer() throws Exception {
        sim = IssuerSimulator.start();
        sim.setDiscoveryIssuer("https://evil.example");
        assertThat(JSONObjectUtils.parse(get(sim.discoveryUri()).body())).containsEntry("issuer", "https://evil.example");
    }

    @Test
    void httpsWhenEnabledThenServesOverTlsTrustedOnlyViaItsCaPem() throws Exception {
        sim = IssuerSimulator.builder().https().start();
        assertThat(sim.issuer()).startsWith("https://127.0.0.1:");
        assertThat(sim.caPem()).contains("BEGIN CERTIFICATE");
        java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("sim", java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(sim.caPem().getBytes())));
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        HttpClient trusting = HttpClient.newBuilder().sslContext(ctx).build();
        assertThat(trusting.send(HttpRequest.newBuilder(sim.jwksUri()).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(200);
        assertThatThrownBy(() -> get(sim.jwksUri())).isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
    }

    @Test
    void discoveryJwksUriOverrideWhenSetThenServed() throws Exception {
        sim = IssuerSimulator.start();
        sim.setDiscoveryJwksUri("http://evil.example/jwks");
        assertThat(JSONObjectUtils.parse(get(sim.discoveryUri()).body())).containsEntry("jwks_uri", "http://evil.example/jwks");
    }

    @Test
    void unknownPathWhenRequestedThen404() throws Exception {
        sim = IssuerSimulator.start();
        assertThat(get(URI.create(sim.issuer() + "/nope")).statusCode()).isEqualTo(404);
    }

    @ParameterizedTest
    @ValueSource(strings = {"github-actions", "gitlab", "azure-devops", "circleci", "bitbucket", "jenkins",
            "kubernetes", "jenkins-oidc-provider", "kubernetes-tekton"})
    void fixturesClaimsWhenLoadedThenHasIssuerAndNoNote(String preset) {
        Map<String, Object> claims = Fixtures.claims(preset);
        assertThat(claims).containsKey("iss").containsKey("sub").doesNotContainKey("_note");
        claims.put("extra", "mutable");
        assertThat(Fixtures.claims(preset)).doesNotContainKey("extra");
    }

    @Test
    void tamperingWhenPayloadEditedThenSignatureKeptAndClaimChanged() throws Exception {
        sim = IssuerSimulator.start();
        String t = sim.mint(Map.of("sub", "a"));
        String tampered = JwtTampering.editPayload(t, p -> p.put("sub", "b"));
        assertThat(tampered.substring(tampered.lastIndexOf('.'))).isEqualTo(t.substring(t.lastIndexOf('.')));
        assertThat(SignedJWT.parse(tampered).getJWTClaimsSet().getSubject()).isEqualTo("b");
        assertThat(SignedJWT.parse(tampered).verify(new RSASSAVerifier(sim.currentKey().toRSAPublicKey()))).isFalse();
    }

    private HttpResponse<String> get(URI uri) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
