// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.client.json.Json;
import io.segura.testkit.broker.BrokerLauncher;
import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.platform.GitHubTokenEndpoint;
import io.segura.testkit.tls.TestIdentity;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * The CLI as Vault, Doppler and Infisical users reach for it (issue 13): connection flags that win over the
 * environment, {@code get}, {@code export}, shell completion and help examples — against a live broker process with a
 * PostgreSQL database and an OIDC issuer simulator. Every test scans what the CLI printed for the secret values.
 */
class CliErgonomicsTest {

    static final String AUDIENCE = "https://segura.test";
    static final String PASSWORD = "pa55-w0rd-for-flags";
    static final String MULTILINE = "-----BEGIN KEY-----\nline-two-of-the-flags-key\n-----END KEY-----\n";
    /** Everything each export format must quote: both quotes, $, backslashes, CR, LF, a tab, non-ASCII. */
    static final String TRICKY = "it's \"quoted\" $HOME ${X} `id` \\n back\\slash\r\nline\ttwo é";
    static final List<String> SECRETS = List.of(PASSWORD, "line-two-of-the-flags-key", "it's \"quoted\"",
            "back\\slash");

    static IssuerSimulator issuer;
    static BrokerLauncher broker;

    @TempDir
    Path work;

    @BeforeAll
    static void startBroker() throws Exception {
        issuer = IssuerSimulator.start();
        broker = BrokerLauncher.builder().owner("CliErgonomicsTest").config(String.join("\n",
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
                "  - name: other",
                "    issuers: [ci]",
                "    bound-claims:",
                "      sub: \"other:*\"",
                "    secrets: [\"ci/*\"]",
                "")).start();
        broker.putSecret("ci/db/password", PASSWORD);
        broker.putSecret("ci/tls/key", MULTILINE);
        broker.putSecret("ci/tricky", TRICKY);
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

    /** A job's environment with a token for {@code sub}; {@code kv} adds or replaces variables. */
    static Map<String, String> env(String sub, String... kv) {
        Map<String, String> vars = new HashMap<>();
        vars.put("SEGURA_URL", broker.url().toString());
        vars.put("SEGURA_AUDIENCE", AUDIENCE);
        vars.put("SEGURA_ROLE", "ci");
        if (sub != null) {
            vars.put("SEGURA_ID_TOKEN", issuer.mint(Map.of("sub", sub, "aud", AUDIENCE)));
        }
        for (int i = 0; i < kv.length; i += 2) {
            vars.put(kv[i], kv[i + 1]);
        }
        return CliHarness.env(vars);
    }

    static void assertNoSecret(CliHarness.Result r) {
        assertThat(r.err()).doesNotContain(SECRETS);
    }

    static void assertSessionRevoked(String sub) throws Exception {
        assertThat(broker.leases(true, sub)).as("active leases of " + sub).isEmpty();
        assertThat(broker.events("session.revoked", sub)).as("session.revoked of " + sub).isNotEmpty();
    }

    // ---- connection flags ---------------------------------------------------------------------------------------

    @Test
    void flagsWhenGivenThenWinOverEnvironment() throws Exception {
        String sub = "repo:acme/flags";
        // every variable a flag replaces is wrong: a dead port, a role that refuses this token, an unparsable TTL
        Map<String, String> env = env(sub, "SEGURA_URL", "http://127.0.0.1:1", "SEGURA_ROLE", "other",
                "SEGURA_TTL", "not-a-duration");
        var r = CliHarness.run(env, "", work, "exec", "--url", broker.url().toString(), "--role", "ci",
                "--ttl", "5m", "--secret", "ci/db/password > PW", "--", "sh", "-c",
                "test \"$PW\" = '" + PASSWORD + "' && echo matched");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("matched");
        assertNoSecret(r);
        assertThat(broker.events("token.exchanged", sub)).singleElement()
                .satisfies(e -> assertThat(e.get("role")).isEqualTo("ci"));
        assertSessionRevoked(sub);
    }

    @Test
    void roleFlagWhenPolicyCheckThenUsedForTheDryRun() throws Exception {
        var r = CliHarness.run(env("repo:acme/policy-flag", "SEGURA_ROLE", "other"), "", work, "policy", "check",
                "--role", "ci", "--secret", "ci/db/password");
        // exit 0 (allowed) or 2 (a broker without /api/v2/policy/evaluate): never 4, which role "other" would give
        assertThat(r.exitCode()).as(r.out() + r.err()).isIn(0, 2);
        if (r.exitCode() == 2) {
            assertThat(r.err()).contains("404");
        }
    }

    @Test
    void audienceFlagWhenPlatformMintsTokenThenAskedForThatAudience() throws Exception {
        try (GitHubTokenEndpoint github = GitHubTokenEndpoint.start(issuer, Map.of("sub", "repo:acme/audience",
                "repository_owner", "acme", "repository", "acme/app"))) {
            Map<String, String> env = new HashMap<>(env(null, "GITHUB_ACTIONS", "true",
                    "ACTIONS_ID_TOKEN_REQUEST_URL", github.requestUrl(),
                    "ACTIONS_ID_TOKEN_REQUEST_TOKEN", github.requestToken(),
                    "SEGURA_AUDIENCE", "https://not-the-broker.example"));
            var wrong = CliHarness.run(env, "", work, "get", "ci/db/password");
            assertThat(wrong.exitCode()).as(wrong.err()).isEqualTo(4);
            var r = CliHarness.run(env, "", work, "get", "--audience", AUDIENCE, "ci/db/password");
            assertThat(r.exitCode()).as(r.err()).isZero();
            assertThat(r.out()).isEqualTo(PASSWORD + "\n");
            assertThat(github.requests()).extracting(req -> req.query().get("audience"))
                    .containsExactly("https://not-the-broker.example", AUDIENCE);
        }
    }

    @Test
    void caCertFlagWhenBrokerBehindTlsThenTrustedAndWinsOverEnvironment() throws Exception {
        TestIdentity server = TestIdentity.create("broker", "CN=127.0.0.1", work);
        TestIdentity stranger = TestIdentity.create("stranger", "CN=127.0.0.1", work);
        try (TlsFront front = TlsFront.start(server, broker.url().getPort())) {
            String https = "https://127.0.0.1:" + front.port();
            String sub = "repo:acme/ca-cert";
            Map<String, String> env = env(sub, "SEGURA_URL", https,
                    "SEGURA_CA_CERT", stranger.certificateFile().toString());
            var untrusted = CliHarness.run(env, "", work, "get", "ci/db/password");
            assertThat(untrusted.exitCode()).as(untrusted.err()).isEqualTo(5);
            assertThat(untrusted.err()).contains(https);
            // relative to the working directory, as every file argument
            var r = CliHarness.run(env, "", work, "get", "--ca-cert", "broker.crt", "ci/db/password");
            assertThat(r.exitCode()).as(r.err()).isZero();
            assertThat(r.out()).isEqualTo(PASSWORD + "\n");
            assertSessionRevoked(sub);
        }
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
                Arguments.of(List.of("exec", "--ttl", "5x", "--", "true"), "--ttl"),
                Arguments.of(List.of("fetch", "--ttl", "0s", "--secret", "ci/db/password"), "--ttl"),
                Arguments.of(List.of("get", "--url", "ftp://broker.example", "ci/db/password"),
                        "--url must be an http(s) URL"),
                Arguments.of(List.of("export", "--url", "http://broker.example", "--secret", "ci/db/password"),
                        "--url must use https"),
                Arguments.of(List.of("whoami", "--url", "not a url"), "--url"),
                Arguments.of(List.of("exec", "--role", "bad role", "--", "true"), "--role \"bad role\" is not a role"),
                Arguments.of(List.of("get", "--audience", " ", "ci/db/password"), "--audience is empty"),
                Arguments.of(List.of("get", "--ca-cert", "missing.pem", "ci/db/password"),
                        "--ca-cert names "),
                Arguments.of(List.of("inject", "--ca-cert", "", "--template", "t", "--output", "o"),
                        "--ca-cert is empty"),
                Arguments.of(List.of("policy", "check", "--ttl", "forever", "--secret", "ci/db/password"), "--ttl"),
                Arguments.of(List.of("export", "--format", "yaml", "--secret", "ci/db/password"),
                        "unknown format \"yaml\"; expected one of dotenv, json, shell"),
                Arguments.of(List.of("get", "ci/db/password > PW"), "without '> NAME'"),
                Arguments.of(List.of("get", "Not/A/Path"), "is not valid"),
                Arguments.of(List.of("export"), "no secrets to export"),
                Arguments.of(List.of("completion", "fish"), "unknown shell \"fish\""),
                Arguments.of(List.of("exec", "--url"), "Missing required parameter for option '--url'"));
    }

    @ParameterizedTest
    @MethodSource("badValues")
    void badValueWhenGivenThenExit2NamingItAndNothingLeased(List<String> args, String message) throws Exception {
        String sub = "repo:acme/bad-" + Integer.toHexString(args.hashCode());
        var r = CliHarness.run(env(sub), "", work, args.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.err()).contains(message);
        assertNoSecret(r);
        assertThat(broker.events("token.exchanged", sub)).isEmpty();
    }

    // ---- get ----------------------------------------------------------------------------------------------------

    @Test
    void getWhenPipedThenOneValueOneNewlineAndRevoked() throws Exception {
        String sub = "repo:acme/get";
        var r = CliHarness.run(env(sub), "", work, "get", "ci/db/password");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(PASSWORD + "\n");
        assertNoSecret(r);
        assertThat(broker.events("lease.issued", sub)).hasSize(1);
        assertSessionRevoked(sub);

        var exact = CliHarness.run(env("repo:acme/get-n"), "", work, "get", "-n", "ci/tls/key@1");
        assertThat(exact.exitCode()).as(exact.err()).isZero();
        assertThat(exact.out()).isEqualTo(MULTILINE);
    }

    @Test
    void getWhenTerminalThenRefusedBeforeLeasingUnlessReveal() throws Exception {
        String sub = "repo:acme/get-terminal";
        var refused = CliHarness.run(env(sub), "", work, true, "get", "ci/db/password");
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.out()).isEmpty();
        assertThat(refused.err()).contains("--reveal", "segura-cli exec", "segura-cli export");
        assertThat(broker.events("token.exchanged", sub)).isEmpty();

        var revealed = CliHarness.run(env(sub), "", work, true, "get", "--reveal", "ci/db/password");
        assertThat(revealed.exitCode()).as(revealed.err()).isZero();
        assertThat(revealed.out()).isEqualTo(PASSWORD + "\n");
        assertSessionRevoked(sub);
    }

    @Test
    void getWhenPathOutsideRoleThenExit4AndRevoked() throws Exception {
        String sub = "repo:acme/get-forbidden";
        var r = CliHarness.run(env(sub), "", work, "get", "other/secret");
        assertThat(r.exitCode()).isEqualTo(4);
        assertThat(r.out()).isEmpty();
        assertSessionRevoked(sub);
    }

    /** The production terminal check, in a real pseudo-terminal ({@code script}) and on a real pipe. */
    @Test
    void getWhenRealProcessThenRefusesPtyAndPrintsToPipe() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "util-linux script(1) not installed");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cli = "'" + javaBin + "' -cp '" + System.getProperty("java.class.path") + "' "
                + SeguraCli.class.getName() + " get ci/db/password";

        ProcessBuilder onTerminal = new ProcessBuilder("script", "-qec", cli, "/dev/null").redirectErrorStream(true);
        onTerminal.environment().clear();
        onTerminal.environment().putAll(env("repo:acme/get-pty"));
        Process p = onTerminal.start();
        p.getOutputStream().close();
        String shown = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(shown).isEqualTo(2);
        assertThat(shown).contains("--reveal").doesNotContain(PASSWORD);
        assertThat(broker.events("token.exchanged", "repo:acme/get-pty")).isEmpty();

        ProcessBuilder piped = new ProcessBuilder("sh", "-c", cli);
        piped.environment().clear();
        piped.environment().putAll(env("repo:acme/get-pipe"));
        Process q = piped.start();
        q.getOutputStream().close();
        String out = new String(q.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(q.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(q.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(q.exitValue()).as(err).isZero();
        assertThat(out).isEqualTo(PASSWORD + "\n");
        assertThat(err).doesNotContain(PASSWORD);
    }

    // ---- export -------------------------------------------------------------------------------------------------

    @Test
    void exportWhenDotenvFileThenEscaped0600AtomicAndRevoked() throws Exception {
        String sub = "repo:acme/export-dotenv";
        Path target = work.resolve("conf/.env");
        Files.createDirectories(target.getParent());
        Files.writeString(target, "OLD=1\n");
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
        var r = CliHarness.run(env(sub, "SEGURA_SECRETS", "ci/db/password > DB_PASSWORD"), "", work, true, "export",
                "--secret", "ci/tricky > TRICKY", "--output", "conf/.env");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("wrote " + target, "dotenv, 0600, 2 variables");
        assertNoSecret(r);
        assertThat(Files.readString(target)).isEqualTo("DB_PASSWORD=\"" + PASSWORD + "\"\n"
                + "TRICKY=\"it's \\\"quoted\\\" \\$HOME \\${X} `id` \\\\n back\\\\slash\\r\\nline\ttwo é\"\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rw-------");
        try (Stream<Path> files = Files.list(target.getParent())) {
            assertThat(files).containsExactly(target); // no temporary file left behind
        }
        assertSessionRevoked(sub);
    }

    @Test
    void exportWhenOutputDirectoryIsASymlinkThenWrittenThroughIt() throws Exception {
        Path real = Files.createDirectories(work.resolve("real-run"));
        Files.createSymbolicLink(work.resolve("run"), real);
        var r = CliHarness.run(env("repo:acme/export-link"), "", work, "export", "--format", "json",
                "--secret", "ci/db/password > PW", "--output", "run/secrets.json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(Json.parseObject(Files.readString(real.resolve("secrets.json")))).containsExactly(
                Map.entry("PW", PASSWORD));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(real.resolve("secrets.json"))))
                .isEqualTo("rw-------");
        assertSessionRevoked("repo:acme/export-link");
    }

    @Test
    void exportWhenShellFormatThenBashReadsBackEveryValueExactly() throws Exception {
        var r = CliHarness.run(env("repo:acme/export-shell"), "", work, "export", "--format", "shell",
                "--secret", "ci/tricky > TRICKY", "--secret", "ci/tls/key > KEY", "--output", "secrets.sh");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(Files.readString(work.resolve("secrets.sh"))).startsWith("export TRICKY='it'\\''s ");
        Process bash = new ProcessBuilder("bash", "-c", ". ./secrets.sh && printf '%s' \"$TRICKY\" > tricky.out"
                + " && printf '%s' \"$KEY\" > key.out").directory(work.toFile()).redirectErrorStream(true).start();
        String bashOut = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(bash.waitFor()).as(bashOut).isZero();
        assertThat(Files.readString(work.resolve("tricky.out"))).isEqualTo(TRICKY);
        assertThat(Files.readString(work.resolve("key.out"))).isEqualTo(MULTILINE);
        assertSessionRevoked("repo:acme/export-shell");
    }

    @Test
    void exportWhenJsonToStdoutThenOneObjectInSpecOrder() throws Exception {
        var r = CliHarness.run(env("repo:acme/export-json"), "", work, "export", "--format", "json",
                "--secret", "ci/tricky > TRICKY", "--secret", "ci/db/password");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("{\"TRICKY\":").endsWith("}\n");
        Map<String, Object> parsed = Json.parseObject(r.out().trim());
        assertThat(parsed).containsExactly(Map.entry("TRICKY", TRICKY), Map.entry("CI_DB_PASSWORD", PASSWORD));
        assertNoSecret(r);
        assertSessionRevoked("repo:acme/export-json");
    }

    @Test
    void exportWhenStdoutIsTerminalThenRefusedUnlessReveal() throws Exception {
        String sub = "repo:acme/export-terminal";
        var refused = CliHarness.run(env(sub), "", work, true, "export", "--secret", "ci/db/password");
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.out()).isEmpty();
        assertThat(refused.err()).contains("--reveal", "segura-cli exec");
        assertThat(broker.events("token.exchanged", sub)).isEmpty();
        var revealed = CliHarness.run(env(sub), "", work, true, "export", "--reveal", "--format", "shell",
                "--secret", "ci/db/password > PW");
        assertThat(revealed.exitCode()).as(revealed.err()).isZero();
        assertThat(revealed.out()).isEqualTo("export PW='" + PASSWORD + "'\n");
        assertSessionRevoked(sub);
    }

    // ---- completion ---------------------------------------------------------------------------------------------

    /** Completes {@code words} (the last one being typed) with the script sourced in {@code shell}. */
    private List<String> complete(String shell, Path script, String... words) throws Exception {
        String line = String.join(" ", words);
        String body;
        if (shell.equals("bash")) {
            StringBuilder arr = new StringBuilder();
            for (String w : words) {
                arr.append(" '").append(w).append("'");
            }
            body = "source " + script + " && complete -p segura-cli && COMP_WORDS=(" + arr + ") && COMP_CWORD="
                    + (words.length - 1) + " && COMP_LINE='" + line + "' && COMP_POINT=${#COMP_LINE}"
                    + " && _complete_segura-cli && printf 'reply:%s\\n' \"${COMPREPLY[@]}\"";
        } else {
            body = "source " + script + " && print -r -- \"registered:$_comps[segura-cli]\"";
        }
        Process p = new ProcessBuilder(shell, "-c", body).directory(work.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return out.lines().toList();
    }

    @Test
    void completionWhenBashThenScriptSourcesAndCompletesCommandsAndFormats() throws Exception {
        var r = CliHarness.run(CliHarness.env(Map.of()), "", work, "completion", "bash");
        assertThat(r.exitCode()).as(r.err()).isZero();
        Path script = work.resolve("segura-cli.bash");
        Files.writeString(script, r.out());
        List<String> commands = complete("bash", script, "segura-cli", "e");
        assertThat(commands).contains("reply:exec", "reply:export").anySatisfy(l -> assertThat(l)
                .startsWith("complete ").contains("-F _complete_segura-cli").endsWith(" segura-cli"));
        assertThat(complete("bash", script, "segura-cli", "export", "--format", ""))
                .contains("reply:dotenv", "reply:json", "reply:shell");
        assertThat(complete("bash", script, "segura-cli", "get", "--r")).contains("reply:--reveal", "reply:--role");
    }

    @Test
    void completionWhenZshThenScriptRegistersThroughBashcompinit() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/zsh")) || Files.isExecutable(Path.of("/bin/zsh")),
                "zsh not installed");
        var r = CliHarness.run(CliHarness.env(Map.of()), "", work, "completion", "zsh");
        assertThat(r.exitCode()).as(r.err()).isZero();
        Path script = work.resolve("segura-cli.zsh");
        Files.writeString(script, r.out());
        assertThat(complete("zsh", script)).anySatisfy(l -> assertThat(l).startsWith("registered:")
                .contains("_complete_segura-cli"));
    }

    // ---- help ---------------------------------------------------------------------------------------------------

    /** Every command and subcommand, as its qualified name ({@code policy check}). */
    private static List<String> commandNames(CommandLine cl, String prefix, List<String> names) {
        cl.getSubcommands().forEach((name, sub) -> {
            if (!name.equals("help")) {
                names.add(prefix + name);
                commandNames(sub, prefix + name + " ", names);
            }
        });
        return names;
    }

    @Test
    void helpWhenEverySubcommandThenRunnableExampleAndTheFlagsItTakes() {
        List<String> names = commandNames(SeguraCli.commandLine(new CliContext(Map.of(), System.out, System.err,
                System.in, work, false)), "", new ArrayList<>());
        assertThat(names).contains("exec", "fetch", "get", "export", "inject", "policy check", "revoke", "rotate",
                "audit", "whoami", "completion", "sync status", "sync run");
        List<String> leasing = List.of("exec", "fetch", "get", "export", "inject", "policy check");
        for (String name : names) {
            List<String> args = new ArrayList<>(List.of(name.split(" ")));
            args.add("--help");
            var r = CliHarness.run(CliHarness.env(Map.of()), "", work, args.toArray(String[]::new));
            assertThat(r.exitCode()).as(name).isZero();
            String example = r.out().substring(Math.max(0, r.out().indexOf("Example")));
            assertThat(r.out()).as(name).contains("Usage: segura-cli " + name, "Example");
            assertThat(example).as("the example of " + name).contains("segura-cli " + name);
            // command groups (policy, admin, sync) take no connection of their own; their subcommands do
            if (!name.equals("policy") && !name.equals("admin") && !name.equals("sync")
                    && !name.equals("completion")) {
                assertThat(r.out()).as(name).contains("--url=URL", "--ca-cert=PEM");
            }
            if (leasing.contains(name)) {
                assertThat(r.out()).as(name).contains("--role=ROLE", "--audience=AUD", "--ttl=DURATION");
            }
        }
    }
}
