// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.broker.federation.RunContext;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The exact example of DESIGN §9 must load, to exactly these records. */
class TrustConfigLoaderDesignExampleTests {

    private static TrustConfig load() throws URISyntaxException {
        Path file = Path.of(
                TrustConfigLoaderDesignExampleTests.class.getResource("/config/design-example.yaml").toURI());
        return TrustConfigLoader.load(file);
    }

    @Test
    void loadWhenDesignExampleThenIssuersWithPresetDefaults() throws Exception {
        TrustConfig config = load();
        assertThat(config.issuers()).hasSize(2);
        IssuerSpec github = config.issuers().get(0);
        assertThat(github.name()).isEqualTo("github");
        assertThat(github.preset()).isEqualTo("github-actions");
        assertThat(github.issuer()).isEqualTo("https://token.actions.githubusercontent.com");
        assertThat(github.issuerPattern()).isNull();
        assertThat(github.audiences()).containsExactly("https://segura.example.com");
        assertThat(github.jwksUri()).isNull();
        assertThat(github.jwks()).isNull();
        assertThat(github.algorithms()).containsExactly("RS256", "ES256");
        assertThat(github.clockSkew()).isEqualTo(Duration.ofSeconds(60));
        assertThat(github.maxTokenLifetime()).isEqualTo(Duration.ofHours(2));
        assertThat(github.replayProtection()).isFalse();
        assertThat(github.at().line()).isEqualTo(2);
        assertThat(github.at().file()).endsWith("design-example.yaml");

        IssuerSpec test = config.issuers().get(1);
        assertThat(test.name()).isEqualTo("ci-test");
        assertThat(test.preset()).isNull();
        assertThat(test.issuer()).isEqualTo("http://127.0.0.1:9999");
        assertThat(test.audiences()).containsExactly("https://segura.test");
        assertThat(test.algorithms()).containsExactly("RS256", "ES256");
        assertThat(test.replayProtection()).isTrue();
    }

    @Test
    void loadWhenDesignExampleThenRolesAsWritten() throws Exception {
        TrustConfig config = load();
        assertThat(config.roles()).hasSize(2);
        RoleSpec deploy = config.roles().get(0);
        assertThat(deploy.name()).isEqualTo("deploy-prod");
        assertThat(deploy.issuers()).containsExactly("github");
        assertThat(deploy.boundClaims()).containsExactly(
                Map.entry("repository_id", List.of("74")),
                Map.entry("ref", List.of("refs/heads/main")),
                Map.entry("environment", List.of("prod", "production")),
                Map.entry("ctx.event", List.of("push")));
        assertThat(deploy.condition()).isEqualTo("ctx.event != \"pull_request_target\"");
        assertThat(deploy.conditionAt().line()).isEqualTo(20);
        assertThat(deploy.conditionAt().column()).isEqualTo(16);
        assertThat(deploy.clients()).isEmpty();
        assertThat(deploy.secrets()).containsExactly("db/prod/*", "api/stripe/key");
        assertThat(deploy.sessionTtl()).isEqualTo(Duration.ofMinutes(10));
        assertThat(deploy.maxLeaseTtl()).isEqualTo(Duration.ofMinutes(30));
        assertThat(deploy.policies()).containsExactly("production-gate");

        RoleSpec bamboo = config.roles().get(1);
        assertThat(bamboo.name()).isEqualTo("bamboo-nightly");
        assertThat(bamboo.issuers()).isEmpty();
        assertThat(bamboo.boundClaims()).isEmpty();
        assertThat(bamboo.condition()).isNull();
        assertThat(bamboo.clients()).containsExactly("bamboo-prod");
        assertThat(bamboo.secrets()).containsExactly("db/staging/*");
        assertThat(bamboo.sessionTtl()).isEqualTo(RoleSpec.DEFAULT_SESSION_TTL);
        assertThat(bamboo.maxLeaseTtl()).isEqualTo(RoleSpec.DEFAULT_MAX_LEASE_TTL);
        assertThat(bamboo.policies()).isEmpty();
    }

    @Test
    void loadWhenDesignExampleThenPolicyClientAndDynamic() throws Exception {
        TrustConfig config = load();
        PolicySpec gate = config.policies().get(0);
        assertThat(gate.name()).isEqualTo("production-gate");
        assertThat(gate.mode()).isEqualTo(PolicySpec.Mode.ENFORCE);
        assertThat(gate.maxSecretAge()).isEqualTo(Duration.ofDays(90));
        assertThat(gate.blockExposed()).isTrue();
        assertThat(gate.requireLatestVersion()).isTrue();
        assertThat(gate.freezeWindows()).hasSize(2);
        PolicySpec.FreezeWindow yearEnd = gate.freezeWindows().get(0);
        assertThat(yearEnd.weekly()).isFalse();
        assertThat(yearEnd.from()).isEqualTo(Instant.parse("2026-12-20T00:00:00Z"));
        assertThat(yearEnd.to()).isEqualTo(Instant.parse("2027-01-04T00:00:00Z"));
        assertThat(yearEnd.reason()).isEqualTo("year-end freeze");
        PolicySpec.FreezeWindow weekend = gate.freezeWindows().get(1);
        assertThat(weekend.weekly()).isTrue();
        assertThat(weekend.days()).isEqualTo(Set.of(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY));
        assertThat(weekend.fromTime()).isEqualTo(LocalTime.of(0, 0));
        assertThat(weekend.toTime()).isEqualTo(LocalTime.of(23, 59));
        assertThat(weekend.zone()).isEqualTo(ZoneId.of("Europe/Berlin"));
        assertThat(weekend.reason()).isEqualTo("no weekend deploys");
        assertThat(gate.denyIf()).hasSize(1);
        assertThat(gate.denyIf().get(0).expr()).isEqualTo("ctx.from_fork == true");
        assertThat(gate.denyIf().get(0).message()).isEqualTo("secrets are never released to fork pipelines");
        assertThat(gate.denyIf().get(0).at().line()).isEqualTo(38);

        ClientSpec client = config.clients().get(0);
        assertThat(client.id()).isEqualTo("bamboo-prod");
        assertThat(client.secretSha256())
                .isEqualTo("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
        assertThat(client.mtlsSubject()).isNull();

        assertThat(config.dynamic().postgresql()).hasSize(1);
        DynamicSpec.DatabaseSpec migrate = config.dynamic().postgresql().get(0);
        assertThat(migrate.name()).isEqualTo("db/ci-migrate");
        assertThat(migrate.url()).isEqualTo("postgresql://db.internal:5432/app");
        assertThat(migrate.username()).isEqualTo("segura_admin");
        assertThat(migrate.passwordSecret()).isEqualTo("db/prod/admin-password");
        assertThat(migrate.maxTtl()).isEqualTo(java.time.Duration.ofMinutes(30));
        assertThat(migrate.creation()).containsExactly(
                "CREATE ROLE \"{{name}}\" LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'");
        assertThat(migrate.revocation()).containsExactly("DROP ROLE IF EXISTS \"{{name}}\"");
    }

    @Test
    void ctxFieldsWhenComparedWithRunContextThenSame() {
        assertThat(RoleParser.CTX_FIELDS).isEqualTo(RunContext.none("x").asMap().keySet());
    }
}
