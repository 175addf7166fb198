// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.testkit.broker.BrokerLauncher;
import io.segura.testkit.oidc.IssuerSimulator;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code segura-cli} command and exit code against a live broker process (one per class) with a PostgreSQL
 * database and an OIDC issuer simulator. Each test uses its own token subject, so the broker's admin API can show
 * exactly that test's leases and audit events.
 */
class CliEndToEndTest {

    static final String AUDIENCE = "https://segura.test";
    static final String PASSWORD = "pa55-w0rd-for-ci";
    static final String MULTILINE = "-----BEGIN KEY-----\nline-two-of-the-key\nline-three-tail\n-----END KEY-----";
    static final String CLIENT_SECRET = "bamboo-client-secret-value";

    static IssuerSimulator issuer;
    static BrokerLauncher broker;

    @TempDir
    Path work;

    @BeforeAll
    static void startBroker() throws Exception {
        issuer = IssuerSimulator.start();
        String secretSha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(CLIENT_SECRET.getBytes(StandardCharsets.UTF_8)));
        broker = BrokerLauncher.builder().owner("CliEndToEndTest").config(String.join("\n",
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
                "    session-ttl: 10m",
                "    max-lease-ttl: 30m",
                "  - name: gated",
                "    issuers: [ci]",
                "    bound-claims:",
                "      sub: \"gated:*\"",
                "    secrets: [\"ci/*\"]",
                "    policies: [production-gate]",
                "  - name: bamboo",
                "    clients: [bamboo-ci]",
                "    secrets: [\"ci/*\"]",
                "policies:",
                "  - name: production-gate",
                "    mode: enforce",
                "    max-secret-age: 90d",
                "    freeze-windows:",
                "      - {from: \"2000-01-01T00:00:00Z\", to: \"2100-01-01T00:00:00Z\", reason: \"test freeze\"}",
                "clients:",
                "  - id: bamboo-ci",
                "    secret-sha256: \"" + secretSha + "\"",
                "")).start();
        broker.putSecret("ci/db/password", PASSWORD);
        broker.putSecret("ci/tls/key", MULTILINE);
        broker.putSecret("ci/rotating", "first-value-1234");
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

    static String token(String sub) {
        return issuer.mint(Map.of("sub", sub, "aud", AUDIENCE));
    }

    static Map<String, String> env(String sub, String... kv) {
        Map<String, String> vars = new HashMap<>();
        vars.put("SEGURA_URL", broker.url().toString());
        vars.put("SEGURA_AUDIENCE", AUDIENCE);
        vars.put("SEGURA_ROLE", "ci");
        if (sub != null) {
            vars.put("SEGURA_ID_TOKEN", token(sub));
        }
        for (int i = 0; i < kv.length; i += 2) {
            vars.put(kv[i], kv[i + 1]);
        }
        return CliHarness.env(vars);
    }

    static void assertSessionRevoked(String sub) throws Exception {
        assertThat(broker.leases(true, sub)).as("active leases of " + sub).isEmpty();
        assertThat(broker.events("session.revoked", sub)).as("session.revoked of " + sub).isNotEmpty();
    }

    // ---- exec ---------------------------------------------------------------------------------------------------

    @Test
    void execWhenSecretsLeasedThenChildGetsThemMaskedAndSessionRevoked() throws Exception {
        String sub = "repo:acme/exec-masking";
        var r = CliHarness.run(env(sub, "SEGURA_SECRETS", "ci/db/password > DB_PASSWORD"), "from-stdin-42\n", work,
                "exec", "--secret", "ci/tls/key > TLS_KEY", "--", "sh", "-c",
                "echo \"pw=$DB_PASSWORD\"; echo \"$TLS_KEY\"; printf %s \"$DB_PASSWORD\" | base64;"
                        + " echo \"len=${#DB_PASSWORD}\"; echo \"err=$DB_PASSWORD\" >&2; read line;"
                        + " echo \"stdin=$line\"; exit 7");
        assertThat(r.exitCode()).isEqualTo(7);
        assertThat(r.out()).contains("pw=***", "len=" + PASSWORD.length(), "stdin=from-stdin-42")
                .doesNotContain(PASSWORD, "line-two-of-the-key", "line-three-tail",
                        Base64.getEncoder().encodeToString(PASSWORD.getBytes(StandardCharsets.UTF_8)));
        assertThat(r.err()).contains("err=***").doesNotContain(PASSWORD);
        assertThat(broker.events("lease.issued", sub)).hasSize(1);
        assertSessionRevoked(sub);
        assertThat(broker.log()).doesNotContain(PASSWORD, "line-two-of-the-key");
    }

    @Test
    void execWhenChildKilledBySignalThenExitCodeAndSessionRevoked() throws Exception {
        String sub = "repo:acme/exec-killed";
        var r = CliHarness.run(env(sub), "", work, "exec", "--secret", "ci/db/password", "--", "sh", "-c",
                "kill -KILL $$");
        assertThat(r.exitCode()).isEqualTo(128 + 9);
        assertSessionRevoked(sub);
    }

    @Test
    void execWhenCommandMissingThen127AndSessionRevoked() throws Exception {
        String sub = "repo:acme/exec-missing";
        var r = CliHarness.run(env(sub), "", work, "exec", "--secret", "ci/db/password", "--",
                "/nonexistent/segura-test-binary");
        assertThat(r.exitCode()).isEqualTo(127);
        assertSessionRevoked(sub);
    }

    @Test
    void execWhenLeaseShortThenRenewedWhileChildRuns() throws Exception {
        String sub = "repo:acme/exec-renew";
        var r = CliHarness.run(env(sub), "", work, "exec", "--ttl", "3s", "--secret", "ci/db/password", "--",
                "sh", "-c", "sleep 5; echo done");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("done");
        assertThat(broker.events("lease.renewed", sub)).isNotEmpty();
        assertSessionRevoked(sub);
    }

    /** The real CLI as its own process: a signal to the CLI reaches the child, and the session is still revoked. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"TERM", "INT"})
    void execWhenCliGetsSignalThenChildStopsAndSessionRevoked(String signal) throws Exception {
        String sub = "repo:acme/exec-sig" + signal.toLowerCase(java.util.Locale.ROOT);
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
                SeguraCli.class.getName(), "exec", "--secret", "ci/db/password", "--", "sh", "-c",
                "trap 'echo child-got-" + signal + "; exit 42' " + signal + "; echo ready; while true; do sleep 0.1; done")
                .redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(env(sub));
        Process cli = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(cli.getInputStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        String line;
        while ((line = out.readLine()) != null) {
            lines.add(line);
            if (line.equals("ready")) {
                break;
            }
        }
        assertThat(lines).as("CLI output before the child was ready").contains("ready");
        assertThat(broker.leases(true, sub)).hasSize(1);
        // to the CLI only, not to the child
        assertThat(new ProcessBuilder("kill", "-" + signal, Long.toString(cli.pid())).start().waitFor()).isZero();
        String rest = out.lines().collect(java.util.stream.Collectors.joining("\n"));
        assertThat(cli.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(rest).contains("child-got-" + signal);
        assertThat(cli.exitValue()).isEqualTo(42);
        assertSessionRevoked(sub);
    }

    @Test
    void auditUsageWhenAJobLeasedThenTheCliShowsWhoLeasedWhichVersion() throws Exception {
        String sub = "repo:acme/audit-usage";
        broker.putSecret("ci/usage-tracked", "usage-tracked-value-1");
        broker.putSecret("ci/usage-tracked", "usage-tracked-value-2");
        var job = CliHarness.run(env(sub), "", work, "exec", "--secret", "ci/usage-tracked > NOW", "--secret",
                "ci/usage-tracked@1 > PINNED", "--", "true");
        assertThat(job.exitCode()).as(job.err()).isZero();
        Map<String, String> admin = CliHarness.env(Map.of("SEGURA_URL", broker.url().toString(), "SEGURA_ADMIN_TOKEN",
                broker.adminToken()));

        var usage = CliHarness.run(admin, "", work, "audit", "usage", "ci/usage-tracked", "--window", "1h");
        assertThat(usage.exitCode()).as(usage.err()).isZero();
        assertThat(usage.out()).contains("ci/usage-tracked (current version 2)", sub, "VERSION", "USES")
                .doesNotContain("usage-tracked-value");
        var pinned = CliHarness.run(admin, "", work, "audit", "usage", "--old-versions", "--window", "1h");
        assertThat(pinned.exitCode()).as(pinned.err()).isZero();
        assertThat(pinned.out()).contains("ci/usage-tracked", sub);
        var stale = CliHarness.run(admin, "", work, "audit", "usage", "--stale", "30d", "--json");
        assertThat(stale.exitCode()).as(stale.err()).isZero();
        assertThat(stale.out()).contains("\"unused_since\"");

        var neither = CliHarness.run(admin, "", work, "audit", "usage");
        assertThat(neither.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(neither.err()).contains("exactly one of PATH, --stale DURATION or --old-versions");
        var badWindow = CliHarness.run(admin, "", work, "audit", "usage", "ci/usage-tracked", "--window", "soon");
        assertThat(badWindow.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(badWindow.err()).contains("window");
    }

    @Test
    void execWhenClientCredentialsThenWorks() throws Exception {
        var r = CliHarness.run(env(null, "SEGURA_ROLE", "bamboo", "SEGURA_CLIENT_ID", "bamboo-ci",
                "SEGURA_CLIENT_SECRET", CLIENT_SECRET), "", work, "exec", "--secret", "ci/db/password > PW", "--",
                "sh", "-c", "test \"$PW\" = '" + PASSWORD + "' && echo matched");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("matched");
    }

    // ---- the client library against the live broker --------------------------------------------------------------

    @Test
    void brokerClientWhenSecretRenewRevokeThenBrokerAgrees() throws Exception {
        String sub = "repo:acme/client-api";
        io.segura.client.ClientConfig config = io.segura.client.ClientConfig.fromEnvironment(env(sub));
        io.segura.client.BrokerClient client = io.segura.client.BrokerClient.create(config);
        io.segura.client.Session session = client.exchange(new io.segura.client.platform.Identity.OidcToken(
                config.idToken()), "ci");
        assertThat(session.role()).isEqualTo("ci");
        io.segura.client.Lease one = client.secret(session, "ci/db/password@1");
        assertThat(one.secrets()).singleElement().satisfies(s -> assertThat(s.value()).isEqualTo(PASSWORD));
        io.segura.client.Lease renewed = client.renew(session, one.leaseId(), java.time.Duration.ofMinutes(20));
        assertThat(renewed.leaseId()).isEqualTo(one.leaseId());
        assertThat(renewed.secrets()).isEmpty();
        assertThat(broker.events("lease.renewed", sub)).hasSize(1);
        assertThat(client.revokeLease(session, one.leaseId())).isTrue();
        client.revokeLease(session, one.leaseId()); // idempotent on the broker: no error
        client.revoke(session);
        assertThat(client.revokeLease(session, one.leaseId())).as("session gone").isFalse();
        client.revoke(session); // RFC 7009: a token already revoked is not an error
        assertSessionRevoked(sub);
        assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(
                () -> client.lease(session, List.of(io.segura.client.SecretSpec.parse("ci/db/password")), null),
                io.segura.client.BrokerException.class).kind())
                .isEqualTo(io.segura.client.BrokerException.Kind.UNAUTHENTICATED);
    }

    // ---- exit codes ---------------------------------------------------------------------------------------------

    @Test
    void execWhenRoleRefusesTokenThenExit4() throws Exception {
        var r = CliHarness.run(env("someone:else"), "", work, "exec", "--secret", "ci/db/password", "--", "true");
        assertThat(r.exitCode()).isEqualTo(4);
        assertThat(r.err()).contains("invalid_grant");
    }

    @Test
    void execWhenPathOutsideRoleThenExit4AndRevoked() throws Exception {
        String sub = "repo:acme/exec-forbidden";
        var r = CliHarness.run(env(sub), "", work, "exec", "--secret", "other/secret", "--", "true");
        assertThat(r.exitCode()).isEqualTo(4);
        assertThat(r.err()).contains("may not lease other/secret");
        assertSessionRevoked(sub);
    }

    /** Whether this broker evaluates deployment policies ({@code /.well-known/segura} features.policies). */
    static boolean brokerEvaluatesPolicies() throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        String body = http.send(java.net.http.HttpRequest.newBuilder(broker.url().resolve("/.well-known/segura"))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        Map<String, Object> features = io.segura.client.json.Json.object(
                io.segura.client.json.Json.parseObject(body).get("features"), "features");
        return Boolean.TRUE.equals(features.get("policies"));
    }

    @Test
    void execWhenRoleIsFrozenByPolicyThenExit3() throws Exception {
        var r = CliHarness.run(env("gated:job", "SEGURA_ROLE", "gated"), "", work, "exec", "--secret",
                "ci/db/password", "--", "true");
        assertThat(r.exitCode()).isEqualTo(3);
        if (brokerEvaluatesPolicies()) {
            assertThat(r.err()).contains("Blocked by policy:", "freeze-window", "test freeze");
        } else {
            // a broker without the gate refuses roles with policies (fail closed): still exit 3
            assertThat(r.err()).contains("policy-unsupported");
        }
    }

    @Test
    void execWhenConfigMissingThenExit2() {
        var r = CliHarness.run(CliHarness.env(Map.of()), "", work, "exec", "--", "true");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("SEGURA_URL is not set", "or give --url URL");
        var bad = CliHarness.run(env("repo:acme/x"), "", work, "exec", "--secret", "Bad/Path", "--", "true");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("--secret: secret spec \"Bad/Path\"");
        assertThat(CliHarness.run(env("repo:acme/x"), "", work, "exec", "--bogus").exitCode()).isEqualTo(2);
    }

    @Test
    void execWhenBrokerUnreachableThenExit5() throws Exception {
        int port;
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        var r = CliHarness.run(env("repo:acme/x", "SEGURA_URL", "http://127.0.0.1:" + port,
                "SEGURA_RETRY_ATTEMPTS", "2", "SEGURA_RETRY_MAX_TIME", "5s"), "", work, "exec", "--", "true");
        assertThat(r.exitCode()).isEqualTo(5);
        assertThat(r.err()).contains("cannot connect");
    }

    @Test
    void execWhenSecretUnknownThenExit2() throws Exception {
        var r = CliHarness.run(env("repo:acme/exec-unknown"), "", work, "exec", "--secret", "ci/nope", "--", "true");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("ci/nope");
    }

    // ---- fetch / revoke -----------------------------------------------------------------------------------------

    @Test
    void fetchWhenLocalThenDotenv0600AndStateFileThenRevokeEndsSession() throws Exception {
        String sub = "repo:acme/fetch";
        var r = CliHarness.run(env(sub), "", work, "fetch", "--secret", "ci/db/password > DB_PASSWORD",
                "--secret", "ci/tls/key > TLS_KEY");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out() + r.err()).doesNotContain(PASSWORD, "line-two-of-the-key");
        Path dotenv = work.resolve(".segura.env");
        assertThat(Files.readString(dotenv)).contains("DB_PASSWORD='" + PASSWORD + "'")
                .contains("TLS_KEY='" + MULTILINE + "'");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dotenv))).isEqualTo("rw-------");
        Path state = work.resolve(".segura-session");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state))).isEqualTo("rw-------");
        assertThat(broker.leases(true, sub)).hasSize(1);

        var revoke = CliHarness.run(env(null), "", work, "revoke");
        assertThat(revoke.exitCode()).as(revoke.err()).isZero();
        assertSessionRevoked(sub);
        assertThat(state).doesNotExist();
        assertThat(CliHarness.run(env(null), "", work, "revoke").exitCode()).isZero();
    }

    @Test
    void execWhenStateFileThenRunsInKeptSessionAndRevokesOnlyItsOwnLease() throws Exception {
        String sub = "repo:acme/exec-kept-session";
        var fetch = CliHarness.run(env(sub), "", work, "fetch", "--export-env", "false", "--state-file", "kept.json",
                "--secret", "ci/db/password");
        assertThat(fetch.exitCode()).as(fetch.err()).isZero();
        assertThat(broker.leases(true, sub)).hasSize(1);

        // No identity in the environment: exec must use the kept session, not exchange a new one.
        for (int i = 0; i < 2; i++) {
            var r = CliHarness.run(env(null), "", work, "exec", "--state-file", "kept.json", "--secret",
                    "ci/db/password > DB_PASSWORD", "--", "sh", "-c", "echo \"pw=$DB_PASSWORD\"");
            assertThat(r.exitCode()).as(r.err()).isZero();
            assertThat(r.out()).contains("pw=***").doesNotContain(PASSWORD);
            assertThat(broker.leases(true, sub)).as("exec revoked its own lease, fetch's remains").hasSize(1);
            assertThat(broker.events("session.revoked", sub)).as("the kept session stays open").isEmpty();
        }
        assertThat(broker.events("token.exchanged", sub)).hasSize(1);

        assertThat(CliHarness.run(env(null), "", work, "revoke", "--state-file", "kept.json").exitCode()).isZero();
        assertSessionRevoked(sub);
        var gone = CliHarness.run(env(null), "", work, "exec", "--state-file", "kept.json", "--", "true");
        assertThat(gone.exitCode()).isEqualTo(2);
        assertThat(gone.err()).contains("no session in", "segura-cli fetch --state-file kept.json");
    }

    @Test
    void revokeWhenSessionAlreadyRevokedThenStillOk() throws Exception {
        String sub = "repo:acme/revoke-twice";
        Path state = work.resolve("state/session.json");
        assertThat(CliHarness.run(env(sub, "SEGURA_EXPORT_DIR", "out"), "", work, "fetch", "--state-file",
                "state/session.json", "--secret", "ci/db/password").exitCode()).isZero();
        assertThat(work.resolve("out/CI_DB_PASSWORD")).hasContent(PASSWORD);
        String stored = Files.readString(state);
        assertThat(CliHarness.run(env(null), "", work, "revoke", "--state-file", "state/session.json").exitCode())
                .isZero();
        Files.writeString(state, stored);
        var again = CliHarness.run(CliHarness.env(Map.of()), "", work, "revoke", "--state-file",
                "state/session.json");
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertSessionRevoked(sub);
    }

    // ---- inject -------------------------------------------------------------------------------------------------

    @Test
    void injectWhenTemplateValidThenAtomic0600FileAndRevoked() throws Exception {
        String sub = "repo:acme/inject";
        Files.writeString(work.resolve("app.tpl"), "password={{ secret \"ci/db/password\" }}\nkey={{TLS}}\n"
                + "again={{DB_PASSWORD}}\n");
        var r = CliHarness.run(env(sub, "SEGURA_SECRETS", "ci/db/password > DB_PASSWORD"), "", work, "inject",
                "--template", "app.tpl", "--output", "conf/app.conf", "--secret", "ci/tls/key > TLS");
        assertThat(r.exitCode()).as(r.err()).isZero();
        Path out = work.resolve("conf/app.conf");
        assertThat(Files.readString(out)).isEqualTo("password=" + PASSWORD + "\nkey=" + MULTILINE + "\nagain="
                + PASSWORD + "\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out))).isEqualTo("rw-------");
        assertSessionRevoked(sub);
    }

    @Test
    void injectWhenUnknownPlaceholderThenExit2AndNothingWritten() throws Exception {
        String sub = "repo:acme/inject-unknown";
        Files.writeString(work.resolve("bad.tpl"), "ok\nx={{ NOPE }}\n");
        var r = CliHarness.run(env(sub), "", work, "inject", "--template", "bad.tpl", "--output", "out.conf");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("template line 2: unknown placeholder {{NOPE}}");
        assertThat(work.resolve("out.conf")).doesNotExist();
        assertThat(broker.events("token.exchanged", sub)).isEmpty();
        Files.writeString(work.resolve("bad2.tpl"), "{{ lookup \"x\" }}");
        assertThat(CliHarness.run(env(sub), "", work, "inject", "--template", "bad2.tpl", "--output", "o")
                .exitCode()).isEqualTo(2);
    }

    // ---- operator commands --------------------------------------------------------------------------------------

    @Test
    void rotateWhenGeneratedThenNewVersionAndExecSeesIt() throws Exception {
        var r = CliHarness.run(env(null, "SEGURA_ADMIN_TOKEN", broker.adminToken()), "", work, "rotate",
                "ci/rotating", "--generate", "40");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("rotated ci/rotating to version 2");
        var fromStdin = CliHarness.run(env(null, "SEGURA_ADMIN_TOKEN", broker.adminToken()), "third-value-5678\n",
                work, "rotate", "ci/rotating", "--value-stdin");
        assertThat(fromStdin.out()).contains("version 3").doesNotContain("third-value");
        var exec = CliHarness.run(env("repo:acme/rotated"), "", work, "exec", "--secret", "ci/rotating > V", "--",
                "sh", "-c", "test \"$V\" = third-value-5678 && echo same");
        assertThat(exec.out()).contains("same");
        var noAdmin = CliHarness.run(env(null), "", work, "rotate", "ci/rotating");
        assertThat(noAdmin.exitCode()).isEqualTo(2);
        var wrongAdmin = CliHarness.run(env(null, "SEGURA_ADMIN_TOKEN", "sga_wrong-wrong-wrong-wrong-wrong-wrong"),
                "", work, "rotate", "ci/rotating");
        assertThat(wrongAdmin.exitCode()).isEqualTo(4);
    }

    @Test
    void auditWhenListedAndVerifiedThenEventsAndChainOk() throws Exception {
        CliHarness.run(env("repo:acme/audited"), "", work, "exec", "--secret", "ci/db/password", "--", "true");
        var list = CliHarness.run(env(null, "SEGURA_ADMIN_TOKEN", broker.adminToken()), "", work, "audit",
                "--subject", "repo:acme/audited");
        assertThat(list.exitCode()).as(list.err()).isZero();
        assertThat(list.out()).contains("token.exchanged", "lease.issued", "session.revoked", "ci/db/password")
                .doesNotContain(PASSWORD);
        // the single chainer links events moments after they commit
        var verify = CliHarness.run(env(null, "SEGURA_ADMIN_TOKEN", broker.adminToken()), "", work, "audit",
                "--verify");
        assertThat(verify.exitCode()).as(verify.out() + verify.err()).isZero();
        assertThat(verify.out()).startsWith("audit chain OK");
    }

    @Test
    void whoamiWhenTokenThenClaimsButNeverToken() {
        Map<String, String> env = env("repo:acme/whoami");
        var r = CliHarness.run(env, "", work, "whoami");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("platform: local", "sub: repo:acme/whoami", "aud: " + AUDIENCE)
                .doesNotContain(env.get("SEGURA_ID_TOKEN"));
    }

    @Test
    void policyCheckWhenLiveBrokerThenDecisionOrClearError() throws Exception {
        var allowed = CliHarness.run(env("repo:acme/policy", "SEGURA_ADMIN_TOKEN", broker.adminToken()), "", work,
                "policy", "check", "--secret", "ci/db/password");
        var frozen = CliHarness.run(env("gated:policy", "SEGURA_ROLE", "gated", "SEGURA_ADMIN_TOKEN",
                broker.adminToken()), "", work, "policy", "check", "--secret", "ci/db/password");
        if (brokerEvaluatesPolicies()) {
            assertThat(allowed.exitCode()).as(allowed.out() + allowed.err()).isZero();
            assertThat(frozen.exitCode()).as(frozen.out() + frozen.err()).isEqualTo(3);
            assertThat(frozen.out()).contains("freeze-window");
        } else {
            // no /api/v2/policy/evaluate on this broker yet: its 404 problem is reported as such
            assertThat(allowed.exitCode()).isEqualTo(2);
            assertThat(allowed.err()).contains("404");
        }
    }

    @Test
    void helpWhenEveryCommandThenUsageWithExample() {
        for (String cmd : List.of("exec", "fetch", "revoke", "inject", "rotate", "audit", "whoami")) {
            var r = CliHarness.run(CliHarness.env(Map.of()), "", work, cmd, "--help");
            assertThat(r.exitCode()).isZero();
            assertThat(r.out()).contains("Usage: segura-cli " + cmd).containsIgnoringCase("example");
        }
        var policy = CliHarness.run(CliHarness.env(Map.of()), "", work, "policy", "check", "--help");
        assertThat(policy.out()).contains("Usage: segura-cli policy check").contains("Examples");
    }
}
