// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segura.testkit.oidc.Fixtures;
import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.platform.CiJobs;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BambooTest {

    private static IssuerSimulator issuer;

    @TempDir
    Path dir;

    @BeforeAll
    static void startIssuer() {
        issuer = IssuerSimulator.start();
    }

    @AfterAll
    static void stopIssuer() {
        issuer.close();
    }

    private static String token(String preset) {
        Map<String, Object> claims = Fixtures.claims(preset);
        claims.remove("iat");
        claims.remove("nbf");
        claims.remove("exp");
        return issuer.mint(claims);
    }

    private final Bamboo bamboo = new Bamboo();

    @Test
    void identityWhenPlanVariablesThenClientCredentials() throws Exception {
        var env = TestJobs.job(CiJobs.bamboo("bamboo-prod", "bamboo-client-secret"), dir).env;

        assertThat(bamboo.detect(env)).isTrue();
        assertThat(bamboo.identity(env, null))
                .isEqualTo(new Identity.ClientSecret("bamboo-prod", "bamboo-client-secret"));
    }

    @Test
    void identityWhenPlainVariablesThenTheyWin() throws Exception {
        Map<String, String> vars = CiJobs.bamboo("from-plan", "plan-secret");
        vars.put("SEGURA_CLIENT_ID", "from-agent");
        vars.put("SEGURA_CLIENT_SECRET", "agent-secret");

        assertThat(bamboo.identity(TestJobs.job(vars, dir).env, null))
                .isEqualTo(new Identity.ClientSecret("from-agent", "agent-secret"));
    }

    @Test
    void identityWhenNoCredentialsThenSaysBambooHasNoOidc() {
        var env = TestJobs.job(CiJobs.bamboo(null, null), dir).env;

        assertThatThrownBy(() -> bamboo.identity(env, null))
                .isInstanceOf(PlatformException.class)
                .hasMessageContaining("no job OIDC")
                .hasMessageContaining("SEGURA_CLIENT_SECRET");
    }

    @Test
    void exportAndDescribeThenOwnerOnlyFileAndNoSecretInFacts() throws Exception {
        TestJobs job = TestJobs.job(CiJobs.bamboo("bamboo-prod", "bamboo-client-secret"), dir);

        assertThat(bamboo.maskNatively(job.env, "s3cr3t-value")).isFalse();
        bamboo.export(job.env, "TOKEN", "s3cr3t-value");
        Map<String, String> facts = bamboo.describe(job.env);

        TestJobs.assertOwnerOnly(dir.resolve(".segura/segura.env"));
        assertThat(facts).containsEntry("platform", "bamboo").containsEntry("pipeline", "PROJ-DEPLOY")
                .containsEntry("run_id", "PROJ-DEPLOY-JOB1-17");
        assertThat(String.join("\n", facts.values())).doesNotContain("bamboo-client-secret");
    }
}
