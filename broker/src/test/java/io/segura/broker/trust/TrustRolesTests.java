// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.trust;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.broker.config.TrustConfig;
import io.segura.broker.config.TrustConfigLoader;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrustRolesTests {

    private static TrustConfig designExample() throws Exception {
        return TrustConfigLoader.load(
                Path.of(TrustRolesTests.class.getResource("/config/design-example.yaml").toURI()));
    }

    @Test
    void compileWhenDesignExampleThenIndexedByNameIssuerAndClient() throws Exception {
        TrustRoles roles = TrustRoles.compile(designExample());
        assertThat(roles.all()).extracting(TrustRole::name).containsExactly("deploy-prod", "bamboo-nightly");
        assertThat(roles.byName("deploy-prod")).get().extracting(TrustRole::name).isEqualTo("deploy-prod");
        assertThat(roles.byName("deploy")).isEmpty();
        assertThat(roles.byName(null)).isEmpty();
        assertThat(roles.forIssuer("github")).extracting(TrustRole::name).containsExactly("deploy-prod");
        assertThat(roles.forIssuer("ci-test")).isEmpty();
        assertThat(roles.forIssuer(null)).isEmpty();
        assertThat(roles.forClient("bamboo-prod")).extracting(TrustRole::name).containsExactly("bamboo-nightly");
        assertThat(roles.forClient("github")).isEmpty();
    }

    @Test
    void compileWhenDesignExampleThenDeployProdMatchesItsOwnRunOnly() throws Exception {
        TrustRole deploy = TrustRoles.compile(designExample()).byName("deploy-prod").orElseThrow();
        Map<String, Object> claims = Map.of("repository_id", "74", "ref", "refs/heads/main",
                "environment", "production");
        assertThat(deploy.matches(claims, Map.of("event", "push"))).isTrue();
        assertThat(deploy.matches(claims, Map.of("event", "pull_request"))).isFalse();
        assertThat(deploy.matches(Map.of("repository_id", "75", "ref", "refs/heads/main", "environment", "prod"),
                Map.of("event", "push"))).isFalse();
        assertThat(deploy.allowsSecret("db/prod/password")).isTrue();
        assertThat(deploy.allowsSecret("api/stripe/key")).isTrue();
        assertThat(deploy.allowsSecret("db/staging/password")).isFalse();
    }
}
