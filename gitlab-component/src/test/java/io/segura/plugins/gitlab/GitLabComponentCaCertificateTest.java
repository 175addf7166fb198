// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.gitlab;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.testkit.broker.BrokerLauncher;
import io.segura.testkit.cli.CliBuild;
import io.segura.testkit.oidc.Fixtures;
import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.tls.TestIdentity;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ca-certificate} input against a broker serving https with a certificate of a private CA (self-signed
 * here): the README's form, {@code ca-certificate: $SEGURA_CA} with {@code SEGURA_CA} a File-type CI/CD variable
 * holding the PEM text, which the runner writes to a file and whose reference expands to that file's path.
 */
class GitLabComponentCaCertificateTest {

    static final String AUDIENCE = "https://segura.example.com";
    static final String PASSWORD = "ca-test-pa55-w0rd";

    @TempDir
    static Path tls;

    static TestIdentity server;
    static IssuerSimulator issuer;
    static BrokerLauncher broker;

    @TempDir
    Path work;

    @BeforeAll
    static void startBroker() throws Exception {
        server = TestIdentity.create("server", "CN=127.0.0.1", tls);
        TestIdentity client = TestIdentity.create("client", "CN=client,O=Acme", tls);
        Path trust = TestIdentity.trusting(tls.resolve("trust.p12"), "trustpass", client);
        issuer = IssuerSimulator.start();
        broker = BrokerLauncher.builder().owner("GitLabComponentCaCertificateTest").tls(server, trust, "trustpass")
                .config(String.join("\n",
                        "issuers:",
                        "  - name: gitlab",
                        "    preset: gitlab",
                        "    issuer: " + issuer.issuer(),
                        "    audiences: [\"" + AUDIENCE + "\"]",
                        "roles:",
                        "  - name: deploy-prod",
                        "    issuers: [gitlab]",
                        "    bound-claims:",
                        "      project_id: \"20\"",
                        "    secrets: [\"db/prod/*\"]",
                        "")).start();
        broker.putSecret("db/prod/password", PASSWORD);
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
        if (issuer != null) {
            issuer.close();
        }
    }

    ShellJob.Result run(Map<String, Object> inputs, String sub) throws Exception {
        Map<String, Object> pipeline = new LinkedHashMap<>(GitLabComponent.load(Plugin.secrets()).render(inputs));
        pipeline.put("deploy", Map.of("extends", ".segura-exec", "variables", Map.of("SEGURA_COMMAND",
                Map.of("value", "echo \"pw=$DB_PASSWORD\"", "expand", false))));
        Map<String, Object> job = GitLabComponent.job(pipeline, "deploy");
        Map<String, Object> claims = new LinkedHashMap<>(Fixtures.claims("gitlab"));
        claims.put("sub", sub);
        return ShellJob.run(job, GitLabJobIdentity.ciVariables(job), Map.of("SEGURA_CA", server.certificatePem()),
                GitLabJobIdentity.idTokens(issuer, job, claims), work, CliBuild.jar(), CliBuild.imageBin());
    }

    static Map<String, Object> inputs() {
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("url", broker.url().toString());
        in.put("role", "deploy-prod");
        in.put("audience", AUDIENCE);
        in.put("secrets", "db/prod/password > DB_PASSWORD");
        return in;
    }

    @Test
    void jobWhenCaCertificateIsAFileVariableThenTrustsTheBroker() throws Exception {
        Map<String, Object> in = inputs();
        in.put("ca-certificate", "$SEGURA_CA");
        String sub = "project_path:my-group/my-project:ref_type:branch:ref:main:ca";
        ShellJob.Result r = run(in, sub);

        assertThat(broker.url().getScheme()).isEqualTo("https");
        assertThat(r.exitCode()).as(r.log()).isZero();
        assertThat(r.log()).contains("pw=***").doesNotContain(PASSWORD);
        assertThat(broker.events("lease.issued", sub)).hasSize(1);
    }

    @Test
    void jobWhenNoCaCertificateThenRefusesTheUntrustedBrokerBeforeTheCommand() throws Exception {
        String sub = "project_path:my-group/my-project:ref_type:branch:ref:main:no-ca";
        ShellJob.Result r = run(inputs(), sub);

        assertThat(r.exitCode()).as(r.log()).isNotZero();
        assertThat(r.log()).doesNotContain("pw=");
        assertThat(broker.events("lease.issued", sub)).isEmpty();
    }
}
