// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import static io.segura.broker.config.TestConfigs.client;
import static io.segura.broker.config.TestConfigs.issuer;
import static io.segura.broker.config.TestConfigs.policy;
import static io.segura.broker.config.TestConfigs.role;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Defaults, overrides and accepted forms of the trust config, and the loader's whole-file behaviour. */
class TrustConfigLoaderDefaultsTests {

    private static TrustConfig parse(String yaml) {
        return TrustConfigLoader.parse(yaml, "ok.yaml");
    }

    private static IssuerSpec onlyIssuer(String lines) {
        return parse(issuer(lines)).issuers().get(0);
    }

    @Test
    void parseWhenManyProblemsThenAllReportedInFileOrder() {
        String yaml = """
                issuers:
                  - name: gh
                    preset: github-actions
                    audiences: []
                roles:
                  - name: r
                    issuers: [gh]
                    secrets: [db/*]
                    session-ttl: 10
                policies:
                  - name: p
                    mode: audit
                clients:
                  - id: c
                """;
        assertThatThrownBy(() -> TrustConfigLoader.parse(yaml, "many.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.problems()).extracting(p -> p.at().line()).containsExactly(4, 6, 9, 12, 14);
                    assertThat(e.getMessage()).startsWith("5 problems in trust config:\n")
                            .contains("many.yaml:4:16: issuers[0].audiences: must not be empty\n")
                            .contains("many.yaml:9:18: roles[0].session-ttl: expected a duration")
                            .contains("many.yaml:12:11: policies[0].mode: expected enforce or warn");
                });
    }

    @Test
    void parseWhenPresetIssuerOverriddenThenExplicitIssuerWins() {
        IssuerSpec ghes = onlyIssuer("preset: github-actions\nissuer: https://ghes.example/_services/token\n"
                + "audiences: [a]");
        assertThat(ghes.issuer()).isEqualTo("https://ghes.example/_services/token");
        assertThat(ghes.preset()).isEqualTo("github-actions");

        IssuerSpec gitlab = onlyIssuer("preset: gitlab\naudiences: [a]");
        assertThat(gitlab.issuer()).isEqualTo("https://gitlab.com");
        IssuerSpec selfManaged = onlyIssuer("preset: gitlab\nissuer: https://gitlab.acme.example\naudiences: [a]");
        assertThat(selfManaged.issuer()).isEqualTo("https://gitlab.acme.example");
    }

    @Test
    void parseWhenIssuerPatternThenStoredAnchoredAndPresetIssuerDropped() {
        IssuerSpec spec = onlyIssuer("preset: github-actions\n"
                + "issuer-pattern: 'https://token\\.example/[a-z]+|https://other\\.example'\naudiences: [a]");
        assertThat(spec.issuer()).isNull();
        assertThat(spec.issuerPattern()).isEqualTo("^(?:https://token\\.example/[a-z]+|https://other\\.example)$");
        Pattern p = Pattern.compile(spec.issuerPattern());
        assertThat(p.matcher("https://token.example/acme").find()).isTrue();
        assertThat(p.matcher("https://other.example").find()).isTrue();
        // Alternation and suffix bypasses: anchored even for find(), which an unanchored "a|b" would not be.
        assertThat(p.matcher("https://evil.example/?https://other.example").find()).isFalse();
        assertThat(p.matcher("https://other.example.evil.example").find()).isFalse();
        assertThat(p.matcher("https://token.example/acme/../x").find()).isFalse();
    }

    @Test
    void parseWhenAzureDevOpsPresetThenFixedAudienceAndReplayProtection() {
        IssuerSpec azure = onlyIssuer("preset: azure-devops\nissuer: https://vstoken.dev.azure.com/0f0e");
        assertThat(azure.audiences()).containsExactly("api://AzureADTokenExchange");
        assertThat(azure.replayProtection()).isTrue();
        IssuerSpec off = onlyIssuer("preset: azure-devops\nissuer: https://vstoken.dev.azure.com/0f0e\n"
                + "replay-protection: false");
        assertThat(off.replayProtection()).isFalse();
        IssuerSpec github = onlyIssuer("preset: github-actions\naudiences: [a]");
        assertThat(github.replayProtection()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1:9999", "http://localhost:8080/dev/oidc", "http://[::1]:1234",
            "https://issuer.example", "HTTPS://issuer.example"})
    void parseWhenHttpsOrLoopbackHttpThenAccepted(String url) {
        IssuerSpec spec = onlyIssuer("issuer: '" + url + "'\naudiences: [a]\njwks-uri: '" + url + "/jwks'");
        assertThat(spec.issuer()).isEqualTo(url);
        assertThat(spec.jwksUri()).isEqualTo(url + "/jwks");
    }

    @Test
    void parseWhenPublicJwksCaPemAndOptionsThenKept() throws Exception {
        String jwks = new JWKSet(new ECKeyGenerator(Curve.P_256).keyID("k").generate().toPublicJWK()).toString();
        String pem = new String(getClass().getResourceAsStream("/config/test-ca.pem").readAllBytes(),
                StandardCharsets.US_ASCII);
        String pemBlock = pem.lines().map(l -> "  " + l).collect(Collectors.joining("\n"));
        IssuerSpec spec = onlyIssuer("issuer: https://a.example\naudiences: [a, b]\njwks: '" + jwks + "'\n"
                + "ca-pem: |\n" + pemBlock + "\nalgorithms: [PS256, EdDSA]\nclock-skew: 0s\n"
                + "max-token-lifetime: 1h30m");
        assertThat(spec.jwks()).isEqualTo(jwks);
        assertThat(spec.caPem()).contains("BEGIN CERTIFICATE");
        assertThat(spec.audiences()).containsExactly("a", "b");
        assertThat(spec.algorithms()).containsExactly("PS256", "EdDSA");
        assertThat(spec.clockSkew()).isZero();
        assertThat(spec.maxTokenLifetime()).isEqualTo(Duration.ofMinutes(90));
    }

    @Test
    void parseWhenBoundClaimsAreNumbersOrBooleansThenTheirStringForm() {
        RoleSpec r = parse(role("issuers: [gh]\nbound-claims:\n  repository_id: 74\n  ctx.ref_protected: true\n"
                + "  score: -1.50\n  ids: [1, \"2\"]\n  ctx.event: push\nsecrets: [a]")).roles().get(0);
        assertThat(r.boundClaims()).containsExactly(
                Map.entry("repository_id", List.of("74")),
                Map.entry("ctx.ref_protected", List.of("true")),
                Map.entry("score", List.of("-1.50")),
                Map.entry("ids", List.of("1", "2")),
                Map.entry("ctx.event", List.of("push")));
    }

    @Test
    void parseWhenClaimNamesHaveDotsAndSlashesThenKeptAsWritten() {
        RoleSpec r = parse(role("issuers: [gh]\nbound-claims:\n  oidc.circleci.com/project-id: abc\n"
                + "  kubernetes.io.namespace: ci\nsecrets: [a]")).roles().get(0);
        assertThat(r.boundClaims()).containsOnlyKeys("oidc.circleci.com/project-id", "kubernetes.io.namespace");
    }

    @Test
    void parseWhenRoleTrustsIssuersAndClientsThenBoth() {
        RoleSpec r = parse(role("issuers: [gh]\nclients: [bamboo]\nbound-claims: {repository_id: \"1\"}\n"
                + "secrets: ['*']\nsession-ttl: 1h\nmax-lease-ttl: 24h\npolicies: [gate]")).roles().get(0);
        assertThat(r.issuers()).containsExactly("gh");
        assertThat(r.clients()).containsExactly("bamboo");
        assertThat(r.secrets()).containsExactly("*");
        assertThat(r.sessionTtl()).isEqualTo(Duration.ofHours(1));
        assertThat(r.maxLeaseTtl()).isEqualTo(Duration.ofHours(24));
    }

    @Test
    void parseWhenWeeklyWindowCrossesMidnightOrIsUnquotedThenKeptAsGiven() {
        PolicySpec p = parse(policy("mode: warn\nfreeze-windows:\n  - {days: [FRI], from: '22:00', to: '06:00', "
                + "zone: UTC}\n  - {days: [MON, TUE], from: 08:00, to: 23:59, zone: America/New_York}")).policies()
                .get(0);
        assertThat(p.mode()).isEqualTo(PolicySpec.Mode.WARN);
        assertThat(p.maxSecretAge()).isNull();
        assertThat(p.blockExposed()).isFalse();
        assertThat(p.freezeWindows().get(0).fromTime()).isEqualTo(LocalTime.of(22, 0));
        assertThat(p.freezeWindows().get(0).toTime()).isEqualTo(LocalTime.of(6, 0));
        assertThat(p.freezeWindows().get(0).reason()).isNull();
        assertThat(p.freezeWindows().get(1).toTime()).isEqualTo(LocalTime.of(23, 59));
    }

    @Test
    void parseWhenMtlsSubjectThenStoredInRfc2253Form() {
        ClientSpec c = parse(client("mtls-subject: 'CN=bamboo-prod, O=Acme'")).clients().get(0);
        assertThat(c.mtlsSubject()).isEqualTo("CN=bamboo-prod,O=Acme");
        assertThat(c.secretSha256()).isNull();
    }

    @Test
    void parseWhenSectionsEmptyOrAbsentThenEmptyConfig() {
        TrustConfig config = parse("issuers: []\nroles: []\n");
        assertThat(config.issuers()).isEmpty();
        assertThat(config.roles()).isEmpty();
        assertThat(config.policies()).isEmpty();
        assertThat(config.clients()).isEmpty();
        assertThat(config.dynamic().postgresql()).isEmpty();
        assertThat(config.file()).isEqualTo("ok.yaml");
    }

    @Test
    void parseWhenLargerThanCapThenRefusedBeforeParsing() {
        String yaml = "# " + "x".repeat(TrustConfigLoader.MAX_CHARS) + "\n";
        assertThatThrownBy(() -> TrustConfigLoader.parse(yaml, "big.yaml"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("big.yaml: the trust config is larger than");
    }

    @Test
    void parseWhenAliasBombThenRefusedQuickly() {
        StringBuilder b = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i < 12; i++) {
            String prev = "*a" + (i - 1);
            b.append("a").append(i).append(": &a").append(i).append(" [")
                    .append(IntStream.range(0, 10).mapToObj(j -> prev).collect(Collectors.joining(", ")))
                    .append("]\n");
        }
        assertTimeoutPreemptively(Duration.ofSeconds(5), () ->
                assertThatThrownBy(() -> TrustConfigLoader.parse(b.toString(), "bomb.yaml"))
                        .isInstanceOf(ConfigException.class).hasMessageContaining("bomb.yaml:"));
    }

    @Test
    void loadWhenFileIsNotUtf8ThenProblemNamesFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("latin1.yaml");
        Files.write(file, new byte[] {'i', 's', 's', 'u', 'e', 'r', 's', ':', ' ', '[', (byte) 0xE9, ']'});
        assertThatThrownBy(() -> TrustConfigLoader.load(file))
                .isInstanceOf(ConfigException.class).hasMessageContaining("latin1.yaml").hasMessageContaining("UTF-8");
    }

    @Test
    void loadWhenFileValidThenProblemsAndSpecsNameIt(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("trust.yaml");
        Files.writeString(file, issuer("issuer: https://a.example\naudiences: [a]"));
        TrustConfig config = TrustConfigLoader.load(file);
        assertThat(config.issuers().get(0).at()).isEqualTo(new SourceLocation(file.toString(), 2, 5));
    }
}
