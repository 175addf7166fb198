// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.testkit.broker.BrokerLauncher;
import io.segura.testkit.oidc.IssuerSimulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --lease-id-file} of {@code fetch} and {@code exec} against a live broker: the file holds exactly the id the
 * broker issued (its {@code lease.issued} audit event), and a path that cannot be written is a usage error before
 * any session exists.
 */
class LeaseIdFileTest {

    static final String AUDIENCE = "https://segura.test";
    static final String PASSWORD = "lease-id-test-password";

    static IssuerSimulator issuer;
    static BrokerLauncher broker;

    @TempDir
    Path work;

    @BeforeAll
    static void startBroker() throws Exception {
        issuer = IssuerSimulator.start();
        broker = BrokerLauncher.builder().owner("LeaseIdFileTest").config(String.join("\n",
                "issuers:",
                "  - name: ci",
                "    issuer: " + issuer.issuer(),
                "    audiences: [\"" + AUDIENCE + "\"]",
                "roles:",
                "  - name: ci",
                "    issuers: [ci]",
                "    bound-claims:",
                "      sub: \"repo:acme/*\"",
                "    secrets: [\"ci/*\"]",
                "")).start();
        broker.putSecret("ci/db/password", PASSWORD);
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

    static Map<String, String> env(String sub) {
        Map<String, String> vars = new HashMap<>();
        vars.put("SEGURA_URL", broker.url().toString());
        vars.put("SEGURA_AUDIENCE", AUDIENCE);
        vars.put("SEGURA_ROLE", "ci");
        vars.put("SEGURA_ID_TOKEN", issuer.mint(Map.of("sub", sub, "aud", AUDIENCE)));
        vars.put("SEGURA_EXPORT_DIR", "out");
        return CliHarness.env(vars);
    }

    static String issuedLeaseId(String sub) throws Exception {
        var issued = broker.events("lease.issued", sub);
        assertThat(issued).hasSize(1);
        return (String) issued.get(0).get("lease_id");
    }

    @Test
    void fetchWhenLeaseIdFileThenFileHoldsExactlyTheIssuedLeaseId() throws Exception {
        String sub = "repo:acme/lease-id-fetch";
        Files.createDirectories(work.resolve("results"));
        var r = CliHarness.run(env(sub), "", work, "fetch", "--secret", "ci/db/password > DB_PASSWORD",
                "--lease-id-file", "results/lease-id");
        assertThat(r.exitCode()).as(r.err()).isZero();
        String id = issuedLeaseId(sub);
        assertThat(id).isNotBlank();
        assertThat(work.resolve("results/lease-id")).hasContent(id);
        assertThat(Files.readString(work.resolve("results/lease-id"))).doesNotEndWith("\n");
        assertThat(r.out() + r.err()).doesNotContain(PASSWORD);
        assertThat(CliHarness.run(CliHarness.env(Map.of()), "", work, "revoke").exitCode()).isZero();
    }

    @Test
    void execWhenLeaseIdFileThenWrittenBeforeTheCommandRuns() throws Exception {
        String sub = "repo:acme/lease-id-exec";
        Path file = work.resolve("lease-id");
        var r = CliHarness.run(env(sub), "", work, "exec", "--lease-id-file", file.toString(), "--secret",
                "ci/db/password > DB_PASSWORD", "--", "sh", "-c", "printf 'child sees %s\\n' \"$(cat lease-id)\"");
        assertThat(r.exitCode()).as(r.err()).isZero();
        String id = issuedLeaseId(sub);
        assertThat(file).hasContent(id);
        assertThat(r.out()).contains("child sees " + id);
        assertThat(broker.leases(true, sub)).isEmpty();
    }

    @Test
    void leaseIdFileWhenDirectoryMissingThenExit2AndNoSession() throws Exception {
        String sub = "repo:acme/lease-id-missing-dir";
        var fetch = CliHarness.run(env(sub), "", work, "fetch", "--secret", "ci/db/password", "--lease-id-file",
                "no/such/dir/lease-id");
        assertThat(fetch.exitCode()).isEqualTo(2);
        assertThat(fetch.err()).contains("--lease-id-file no/such/dir/lease-id", "does not exist or is not writable");
        var exec = CliHarness.run(env(sub), "", work, "exec", "--secret", "ci/db/password", "--lease-id-file",
                work.toString(), "--", "true");
        assertThat(exec.exitCode()).isEqualTo(2);
        assertThat(exec.err()).contains("is a directory");
        assertThat(broker.events("token.exchanged", sub)).isEmpty();
        assertThat(broker.leases(false, sub)).isEmpty();
    }

    @Test
    void execWhenLeaseIdFileWithoutSecretsThenExit2() {
        var r = CliHarness.run(CliHarness.env(Map.of("SEGURA_URL", broker.url().toString(), "SEGURA_ROLE", "ci",
                "SEGURA_ID_TOKEN", issuer.mint(Map.of("sub", "repo:acme/lease-id-none", "aud", AUDIENCE)),
                "SEGURA_AUDIENCE", AUDIENCE)), "", work, "exec", "--lease-id-file", "lease-id", "--", "true");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--lease-id-file needs secrets");
        assertThat(work.resolve("lease-id")).doesNotExist();
    }
}
