// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.broker.config.Preset;
import io.segura.broker.config.TrustConfig;
import io.segura.broker.config.TrustConfigLoader;
import io.segura.testkit.oidc.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PolicyLintTests {

    private static List<String> lint(String yaml) {
        TrustConfig config = TrustConfigLoader.parse(yaml, "trust.yaml");
        return PolicyLint.warnings(config, DeploymentGate.compile(config, new CelExpressions()));
    }

    private static final String BASE = """
            issuers:
              - name: gh
                preset: github-actions
                audiences: [https://b.example]
              - name: raw
                issuer: http://127.0.0.1:9999
                audiences: [https://b.example]
            policies:
              - name: gate
                deny-if:
                  - expr: 'claims.pipeline_source == "merge_request_event"'
                    message: "no MR pipelines"
              - name: fine
                deny-if:
                  - expr: 'claims.event_name == "pull_request" || ctx.from_fork == true'
                    message: "no PRs"
            roles:
            """;

    @Test
    void warningsWhenProdPathsWithoutPolicyThenFlagged() {
        List<String> w = lint(BASE + """
                  - name: open-prod
                    issuers: [gh]
                    bound-claims: {repository_id: "1"}
                    secrets: ["db/prod/*", "api/key"]
                  - name: everything
                    issuers: [gh]
                    bound-claims: {repository_id: "2"}
                    secrets: ["*"]
                  - name: staging
                    issuers: [gh]
                    bound-claims: {repository_id: "3"}
                    secrets: ["db/staging/*"]
                  - name: gated-prod
                    issuers: [gh]
                    bound-claims: {repository_id: "4"}
                    secrets: ["db/prod/*"]
                    policies: [fine]
                """);
        assertThat(w).hasSize(2);
        assertThat(w.get(0)).contains("role \"open-prod\"", "[db/prod/*]", "no deployment policy");
        assertThat(w.get(1)).contains("role \"everything\"", "[*]");
    }

    @Test
    void warningsWhenDenyIfReadsClaimThePresetNeverCarriesThenFlagged() {
        List<String> w = lint(BASE + """
                  - name: gl-claim-on-github
                    issuers: [gh]
                    bound-claims: {repository_id: "1"}
                    secrets: ["db/staging/*"]
                    policies: [gate, fine]
                  - name: raw-issuer
                    issuers: [raw]
                    bound-claims: {repository_id: "1"}
                    secrets: ["db/staging/*"]
                    policies: [gate]
                """);
        assertThat(w).singleElement().satisfies(s -> assertThat(s).contains("role \"gl-claim-on-github\"",
                "policy \"gate\" deny-if[0]", "trust.yaml:11:15", "claims.pipeline_source", "gh (github-actions)"));
    }

    @ParameterizedTest
    @EnumSource(value = Preset.class, names = "JENKINS", mode = EnumSource.Mode.EXCLUDE)
    void carriesWhenFixtureClaimThenKnown(Preset preset) {
        for (String claim : Fixtures.claims(preset.configName()).keySet()) {
            assertThat(PresetClaims.carries(preset, claim)).as(preset + " " + claim).contains(true);
        }
    }
}
