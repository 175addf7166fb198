// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.jenkins.library;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.segura.testkit.broker.LiveBroker;
import io.segura.testkit.cli.CliBuild;
import io.segura.testkit.platform.CiJobs;
import io.segura.testkit.postgres.TestDatabase;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library as a Jenkinsfile uses it: Groovy executes {@code vars/withSegura.groovy} (and {@code src/}) against
 * {@link PipelineSimulator}, whose {@code sh} runs real shells on this machine, with the real CLI jar, against a live
 * broker on PostgreSQL. Every test scans the build log, the workspace and the broker's log for the secret values.
 */
class WithSeguraLibraryEndToEndTest {

    static final String AUDIENCE = "https://segura.example.com";
    static final String PASSWORD = "pa55-w0rd-for-jenkins-lib";
    static final String KEY = "-----BEGIN KEY-----\nline-two-of-the-jenkins-key\nline-three-tail\n-----END KEY-----";
    static final String OTHER = "other-teams-password-value";
    static final String CLIENT_ID = "jenkins-ci";
    static final String CLIENT_SECRET = "client-secret-of-jenkins-ci-0123456789";
    static final String CLIENT_SUBJECT = "client:" + CLIENT_ID;
    static final String JOB_URL = "https://jenkins.example.com/job/team/job/app/job/main/";

    @TempDir
    Path work;

    final List<String> idTokens = new ArrayList<>();

    @RegisterExtension
    static final LiveBroker live = LiveBroker.configuredBy(WithSeguraLibraryEndToEndTest::brokerConfig)
            .secret("db/prod/password", PASSWORD).secret("tls/prod/key", KEY).secret("db/other/password", OTHER)
            .secret("dynamic/pg-admin", "trust-auth-ignores-it");

    /** The database the dynamic secret db/app makes its PostgreSQL users for; made with the broker's config. */
    static TestDatabase appDb;

    @AfterAll
    static void dropAppDb() throws Exception {
        if (appDb != null) {
            appDb.drop();
        }
    }

    static String brokerConfig(String issuerUrl) throws Exception {
        appDb = TestDatabase.create("JenkinsLibraryDynamic");
        return String.join("\n",
                "issuers:",
                "  - name: jenkins",
                "    preset: jenkins",
                "    issuer: " + issuerUrl,
                "    audiences: [\"" + AUDIENCE + "\"]",
                "roles:",
                "  - name: deploy",
                "    clients: [" + CLIENT_ID + "]",
                "    secrets: [\"db/prod/*\", \"tls/prod/*\"]",
                "    dynamic: [db/app]",
                "    session-ttl: 10m",
                "  - name: deploy-oidc",
                "    issuers: [jenkins]",
                "    bound-claims:",
                "      sub: \"" + JOB_URL + "\"",
                "    secrets: [\"db/prod/*\"]",
                "  - name: other-team",
                "    clients: [other-ci]",
                "    secrets: [\"db/other/*\"]",
                "clients:",
                "  - id: " + CLIENT_ID,
                "    secret-sha256: \"" + sha256(CLIENT_SECRET.getBytes(StandardCharsets.UTF_8)) + "\"",
                "  - id: other-ci",
                "    secret-sha256: \"" + sha256("another-client-secret".getBytes(StandardCharsets.UTF_8)) + "\"",
                "dynamic:",
                "  postgresql:",
                appDb.postgresqlEngineYaml("db/app"),
                "");
    }

    /** Every build leaves no active lease of the client behind, whatever it did. */
    @AfterEach
    void noActiveLease() throws Exception {
        assertThat(live.broker().leases(true, CLIENT_SUBJECT)).as("active leases of " + CLIENT_SUBJECT).isEmpty();
        assertThat(live.broker().leases(true, JOB_URL)).as("active leases of " + JOB_URL).isEmpty();
    }

    // ---- the agent ----------------------------------------------------------------------------------------------

    /** An agent with segura-cli on its PATH: the CLI image's script run against the CLI jar, as on an agent image. */
    PipelineSimulator agentWithCli() throws IOException {
        Path bin = Files.createDirectories(work.resolve("agent-bin"));
        Path link = bin.resolve("segura-cli");
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, CliBuild.imageBin().resolve("segura-cli"));
        Map<String, String> env = agentEnv();
        env.put("PATH", bin + ":" + System.getenv("PATH"));
        env.put("SEGURA_CLI_CLASSPATH", CliBuild.jar().toString());
        return simulator(env);
    }

    /** An agent with Java but no segura-cli. */
    PipelineSimulator agentWithoutCli() throws IOException {
        return simulator(agentEnv());
    }

    Map<String, String> agentEnv() {
        Map<String, String> env = new LinkedHashMap<>(CiJobs.jenkins(null));
        env.put("PATH", System.getenv("PATH"));
        env.put("HOME", work.toString());
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("SEGURA_URL", live.broker().url().toString());
        return env;
    }

    PipelineSimulator simulator(Map<String, String> env) throws IOException {
        return simulator(env, Plugin.libraryDir());
    }

    PipelineSimulator simulator(Map<String, String> env, Path library) throws IOException {
        String token = live.issuer().mint(Map.of("sub", JOB_URL, "aud", AUDIENCE, "build_number", 42));
        idTokens.add(token);
        return new PipelineSimulator(library, work.resolve("workspace"), env)
                .usernamePassword("segura-client", CLIENT_ID, CLIENT_SECRET)
                .usernamePassword("other-client", "other-ci", "another-client-secret")
                .secretText("segura-id-token", token);
    }

    // ---- assertions ---------------------------------------------------------------------------------------------

    /** No secret value, no client secret and no id token in the log, any workspace file, or the broker's log. */
    void assertNothingSecretLeft(PipelineSimulator.Result r) throws IOException {
        List<String> secrets = new ArrayList<>(List.of(PASSWORD, OTHER, CLIENT_SECRET));
        KEY.lines().filter(l -> l.length() >= 4).forEach(secrets::add);
        secrets.addAll(idTokens);
        List<String> texts = new ArrayList<>(List.of(r.log(), live.broker().log()));
        if (r.failure() != null) {
            texts.add(String.valueOf(r.failure().getMessage()));
        }
        for (Path root : List.of(work.resolve("workspace"), work.resolve("workspace@tmp"))) {
            if (Files.exists(root)) {
                try (Stream<Path> files = Files.walk(root)) {
                    for (Path f : files.filter(Files::isRegularFile).toList()) {
                        texts.add(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
                    }
                }
            }
        }
        for (String text : texts) {
            for (String secret : secrets) {
                assertThat(text).doesNotContain(secret);
            }
        }
    }

    static int count(String type, String subject) throws Exception {
        return live.broker().events(type, subject).size();
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- the block ----------------------------------------------------------------------------------------------

    @Test
    void blockWhenClientCredentialsThenEveryShGetsSecretsMaskedAndSessionRevokedOnce() throws Exception {
        int exchanged = count("token.exchanged", CLIENT_SUBJECT);
        int revoked = count("session.revoked", CLIENT_SUBJECT);
        PipelineSimulator.Result r = agentWithCli().run("""
                withSegura(role: 'deploy', secrets: 'db/prod/password > DB_PASSWORD; tls/prod/key > TLS_KEY',
                        credentialsId: 'segura-client') {
                    sh 'echo "pw=$DB_PASSWORD"; printf "%s\\\\n" "$TLS_KEY"; echo "err=$DB_PASSWORD" >&2'
                    sh 'printf %s "$DB_PASSWORD" | sha256sum; printf %s "$TLS_KEY" | sha256sum'
                    def out = sh(script: 'echo "out=$DB_PASSWORD"', returnStdout: true)
                    echo "captured: ${out.trim()}"
                    def status = sh(script: 'test -n "$DB_PASSWORD" && exit 7', returnStatus: true)
                    echo "status: ${status}"
                    stage('nested') {
                        dir('sub') {
                            sh label: 'nested step', script: 'echo "nested=$DB_PASSWORD"'
                        }
                    }
                    sh '''#!/bin/sh
                echo "shebang=$DB_PASSWORD"
                '''
                    echo "groovy env: ${env.DB_PASSWORD}"
                    'body-result'
                }
                """);

        assertThat(r.failure()).as(r.log()).isNull();
        assertThat(r.value()).isEqualTo("body-result");
        // the values reached the shells: their digests are in the log, the values are not
        assertThat(r.log()).contains(sha256(PASSWORD.getBytes(StandardCharsets.UTF_8)),
                sha256(KEY.getBytes(StandardCharsets.UTF_8)));
        assertThat(r.log()).contains("pw=***", "err=***", "captured: out=***", "status: 7", "nested=***",
                "shebang=***", "[Pipeline] sh (nested step)", "groovy env: null", "withSegura: session revoked");
        // sh -xe traces (stderr) go through the masker too: the trace names the variable's value, and
        // assertNothingSecretLeft proves no value is in the log. stdout and stderr are masked as two streams, each
        // holding back a possible match's start, so where they meet in the log is not fixed: a trace may be split
        // by the other stream's line ("+ echo pw=" … "***"), and only its start is asserted here.
        assertThat(r.log()).as("the sh -xe trace is in the log").contains("+ echo pw=");
        assertNothingSecretLeft(r);
        assertThat(count("token.exchanged", CLIENT_SUBJECT) - exchanged).as("one session for the block").isEqualTo(1);
        assertThat(count("session.revoked", CLIENT_SUBJECT) - revoked).isEqualTo(1);
        try (Stream<Path> tmp = Files.list(work.resolve("workspace@tmp"))) {
            assertThat(tmp.map(p -> p.getFileName().toString()))
                    .as("the block's directory (session state, scripts) is removed")
                    .noneMatch(n -> n.startsWith("segura-") && !n.equals("segura-cli"));
        }
    }

    @Test
    void blockWhenDynamicSecretThenEveryShLogsInAsItsOwnUserMaskedAndEachUserIsDroppedOnce() throws Exception {
        int issued = count("dynamic.issued", CLIENT_SUBJECT);
        int dropped = count("dynamic.revoked", CLIENT_SUBJECT);
        int revoked = count("session.revoked", CLIENT_SUBJECT);
        PipelineSimulator.Result r = agentWithCli().run("""
                withSegura(role: 'deploy', secrets: 'dynamic:db/app > DATABASE_URL; dynamic:db/app.password > PGPW',
                        credentialsId: 'segura-client') {
                    sh 'echo "first-user=$(psql "$DATABASE_URL" -Atc "select current_user")"; echo "pw=$PGPW url=$DATABASE_URL"'
                    sh 'echo "second-user=$(psql "$DATABASE_URL" -Atc "select current_user")"'
                }
                """);

        assertThat(r.failure()).as(r.log()).isNull();
        assertThat(r.log()).contains("pw=*** url=***", "withSegura: session revoked")
                .as("no URL (it holds the password) unmasked").doesNotContain("postgresql://");
        String first = group(r.log(), "first-user=(v_\\w+)");
        String second = group(r.log(), "second-user=(v_\\w+)");
        assertThat(first).as("each sh has a credential of its own").isNotEqualTo(second);
        try (java.sql.Connection c = appDb.connect(); java.sql.Statement st = c.createStatement();
                java.sql.ResultSet rs = st.executeQuery("SELECT rolname FROM pg_roles WHERE rolname IN ('" + first
                        + "', '" + second + "')")) {
            assertThat(rs.next()).as("both users dropped").isFalse();
        }
        assertThat(count("dynamic.issued", CLIENT_SUBJECT) - issued).as("none for the block's fetch").isEqualTo(2);
        assertThat(count("dynamic.revoked", CLIENT_SUBJECT) - dropped).as("each revoked once").isEqualTo(2);
        assertThat(count("session.revoked", CLIENT_SUBJECT) - revoked).isEqualTo(1);
        assertNothingSecretLeft(r);
    }

    static String group(String text, String regex) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as(regex + " in\n" + text).isTrue();
        return m.group(1);
    }

    @Test
    void blockWhenBodyThrowsThenExceptionPropagatesAndSessionStillRevoked() throws Exception {
        int revoked = count("session.revoked", CLIENT_SUBJECT);
        PipelineSimulator.Result r = agentWithCli().run("""
                withSegura(role: 'deploy', secrets: 'db/prod/password > DB_PASSWORD', credentialsId: 'segura-client') {
                    sh 'echo "pw=$DB_PASSWORD"'
                    error('deploy failed on purpose')
                    echo 'after the error'
                }
                """);

        assertThat(r.failure()).isInstanceOf(PipelineSimulator.AbortException.class)
                .hasMessage("deploy failed on purpose");
        assertThat(r.log()).contains("pw=***", "withSegura: session revoked").doesNotContain("after the error");
        assertThat(r.log().indexOf("withSegura: session revoked")).isLessThan(r.log().indexOf("ERROR:"));
        assertNothingSecretLeft(r);
        assertThat(count("session.revoked", CLIENT_SUBJECT) - revoked).isEqualTo(1);
    }

    @Test
    void blockWhenShFailsThenScriptExitCodeErrorAndSessionRevoked() throws Exception {
        int revoked = count("session.revoked", CLIENT_SUBJECT);
        PipelineSimulator.Result r = agentWithCli().run("""
                withSegura(role: 'deploy', secrets: 'db/prod/password > DB_PASSWORD', credentialsId: 'segura-client') {
                    sh 'echo "failing with $DB_PASSWORD"; exit 3'
                }
                """);

        assertThat(r.failure()).hasMessage("script returned exit code 3");
        assertThat(r.log()).contains("failing with ***");
        assertNothingSecretLeft(r);
        assertThat(count("session.revoked", CLIENT_SUBJECT) - revoked).isEqualTo(1);
    }

    @Test
    void blockWhenIdTokenCredentialThenExchangedAndMasked() throws Exception {
        PipelineSimulator.Result r = agentWithCli().run("""
                withSegura(role: 'deploy-oidc', secrets: ['db/prod/password > DB_PASSWORD'],
                        idTokenCredentialsId: 'segura-id-token', audience: 'https://segura.example.com') {
                    sh 'echo "pw=$DB_PASSWORD"; printf %s "$DB_PASSWORD" | sha256sum'
                }
                """);

        assertThat(r.failure()).as(r.log()).isNull();
        assertThat(r.log()).contains("pw=***", sha256(PASSWORD.getBytes(StandardCharsets.UTF_8)));
        assertNothingSecretLeft(r);
        assertThat(live.broker().events("session.revoked", JOB_URL)).isNotEmpty();
    }

    @Test
    void shInAMethodCalledFromTheBlockIsNotWrappedAndGetsNoSecret() throws Exception {
        PipelineSimulator.Result r = agentWithCli().run("""
                def helper() {
                    sh 'echo "helper=[$DB_PASSWORD]"'
                }
                withSegura(role: 'deploy', secrets: 'db/prod/password > DB_PASSWORD', credentialsId: 'segura-client') {
                    helper()
                    sh 'echo "inline=$DB_PASSWORD"'
                }
                """);

        assertThat(r.failure()).as(r.log()).isNull();
        assertThat(r.log()).contains("helper=[]", "inline=***");
        assertNothingSecretLeft(r);
    }

    // ---- refusals -----------------------------------------------------------------------------------------------

    @Test
    void blockWhenRoleRefusesClientThenErrorCarriesBrokerReasonAndBodyNeverRuns() throws Exception {
        PipelineSimulator.Result r = agentWithCli().run("""
                withSegura(role: 'other-team', secrets: 'db/other/password > PW', credentialsId: 'segura-client') {
                    echo 'body ran'
                }
                """);

        assertThat(r.failure()).isInstanceOf(PipelineSimulator.AbortException.class);
        assertThat(r.failure().getMessage()).contains("withSegura: no session for role 'other-team'",
                "segura-cli exit 4: authentication or authorization refused",
                "invalid_scope: role \"other-team\" does not exist or does not accept client \"jenkins-ci\"");
        assertThat(r.failure().getMessage()).as("the CLI's message, not the shell's trace").doesNotContain("+ ");
        assertThat(r.log()).doesNotContain("body ran");
        assertNothingSecretLeft(r);
    }

    @Test
    void blockWhenSecretOutsideRoleThenProblemDetailInErrorAndNothingLeased() throws Exception {
        int revoked = count("session.revoked", CLIENT_SUBJECT);
        PipelineSimulator.Result r = agentWithCli().run("""
                withSegura(role: 'deploy', secrets: 'db/other/password > PW', credentialsId: 'segura-client') {
                    echo 'body ran'
                }
                """);

        assertThat(r.failure()).isInstanceOf(PipelineSimulator.AbortException.class);
        assertThat(r.failure().getMessage()).contains("withSegura: no session for role 'deploy'", "exit 4",
                "role \"deploy\" may not lease db/other/password",
                "(HTTP 403, https://segura.dev/problems/path-not-allowed)");
        assertThat(r.log()).doesNotContain("body ran");
        assertNothingSecretLeft(r);
        assertThat(count("session.revoked", CLIENT_SUBJECT) - revoked).as("fetch revoked its refused session")
                .isEqualTo(1);
    }

    @Test
    void blockWhenBadArgumentsThenClearErrorsBeforeAnyExchange() throws Exception {
        int exchanged = count("token.exchanged", CLIENT_SUBJECT);
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("withSegura(role: 'deploy', secret: 'db/prod/password') { echo 'ran' }",
                "withSegura: unknown argument 'secret'");
        cases.put("withSegura(role: 'deploy') { echo 'ran' }", "withSegura: secrets is required");
        cases.put("withSegura(role: 'deploy', secrets: 'db/prod/password', credentialsId: 'a',"
                + " idTokenCredentialsId: 'b') { echo 'ran' }", "not both");
        cases.put("withSegura(role: 'deploy', secrets: 'db/prod/password', credentialsId: 'nope') { echo 'ran' }",
                "Could not find credentials entry with ID 'nope'");
        cases.put("withSegura(role: 'deploy', secrets: 'db/prod/password', credentialsId: 'segura-client') {"
                + " bat 'echo %DB_PROD_PASSWORD%' }", "bat is not supported yet");
        for (var c : cases.entrySet()) {
            PipelineSimulator.Result r = agentWithCli().run(c.getKey());
            assertThat(r.failure()).as(c.getKey()).isNotNull();
            assertThat(r.failure().getMessage()).as(c.getKey()).contains(c.getValue());
            assertThat(r.log()).as(c.getKey()).doesNotContain("\nran\n");
        }
        // only the bat case opened (and revoked) a session
        assertThat(count("token.exchanged", CLIENT_SUBJECT) - exchanged).isEqualTo(1);

        PipelineSimulator.Result noUrl = simulatorWithoutUrl().run(
                "withSegura(role: 'deploy', secrets: 'db/prod/password') { echo 'ran' }");
        assertThat(noUrl.failure()).hasMessageContaining("withSegura: no broker URL");
    }

    PipelineSimulator simulatorWithoutUrl() throws IOException {
        Map<String, String> env = agentEnv();
        env.remove("SEGURA_URL");
        return simulator(env);
    }

    // ---- the CLI download ---------------------------------------------------------------------------------------

    /** A loopback HTTP server serving the CLI jar at /segura-cli.jar; counts downloads. */
    static final class JarServer implements AutoCloseable {
        final HttpServer server;
        final AtomicInteger downloads = new AtomicInteger();

        JarServer(byte[] jar) throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
            server.createContext("/segura-cli.jar", exchange -> {
                downloads.incrementAndGet();
                exchange.sendResponseHeaders(200, jar.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(jar);
                }
            });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/segura-cli.jar";
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    @Test
    void cliWhenDownloadedWithMatchingChecksumThenUsedAndCached() throws Exception {
        byte[] jar = Files.readAllBytes(CliBuild.jar());
        try (JarServer server = new JarServer(jar)) {
            String pipeline = """
                    withSegura(role: 'deploy', secrets: 'db/prod/password > DB_PASSWORD', credentialsId: 'segura-client',
                            cliUrl: '%s', cliSha256: '%s') {
                        sh 'echo "pw=$DB_PASSWORD"; printf %%s "$DB_PASSWORD" | sha256sum'
                    }
                    """.formatted(server.url(), sha256(jar).toUpperCase());
            PipelineSimulator agent = agentWithoutCli();
            PipelineSimulator.Result r = agent.run(pipeline);
            assertThat(r.failure()).as(r.log()).isNull();
            assertThat(r.log()).contains("pw=***", sha256(PASSWORD.getBytes(StandardCharsets.UTF_8)));
            assertNothingSecretLeft(r);
            Path cached = work.resolve("workspace@tmp/segura-cli/segura-cli-" + sha256(jar) + ".jar");
            assertThat(cached).hasBinaryContent(jar);

            PipelineSimulator.Result again = agent.run(pipeline);
            assertThat(again.failure()).as(again.log()).isNull();
            assertThat(server.downloads).as("the checked copy is reused").hasValue(1);
        }
    }

    @Test
    void cliWhenDownloadChecksumMismatchThenRefusedBeforeAnyExchange() throws Exception {
        int exchanged = count("token.exchanged", CLIENT_SUBJECT);
        byte[] jar = Files.readAllBytes(CliBuild.jar());
        String wrong = sha256("not the jar".getBytes(StandardCharsets.UTF_8));
        try (JarServer server = new JarServer(jar)) {
            PipelineSimulator.Result r = agentWithoutCli().run("""
                    withSegura(role: 'deploy', secrets: 'db/prod/password > DB_PASSWORD', credentialsId: 'segura-client',
                            cliUrl: '%s', cliSha256: '%s') {
                        echo 'body ran'
                    }
                    """.formatted(server.url(), wrong));
            assertThat(r.failure()).isInstanceOf(PipelineSimulator.AbortException.class);
            assertThat(r.failure().getMessage()).contains("withSegura: could not get segura-cli from " + server.url(),
                    "SHA-256 mismatch, refused", "the download has " + sha256(jar), "pinned checksum is " + wrong);
            assertThat(r.log()).doesNotContain("body ran");
            assertThat(server.downloads).hasValue(1);
        }
        try (Stream<Path> files = Files.walk(work.resolve("workspace@tmp"))) {
            assertThat(files.filter(p -> p.toString().endsWith(".jar") || p.toString().contains(".part.")))
                    .as("nothing unverified is kept").isEmpty();
        }
        assertThat(count("token.exchanged", CLIENT_SUBJECT)).isEqualTo(exchanged);
    }

    /** A release of the library pins the CLI's URL and SHA-256 in vars/withSegura.groovy: a copy pinned so. */
    Path releasedLibrary(String url, String sha256) throws IOException {
        Path released = work.resolve("released-library");
        for (String dir : List.of("vars", "src")) {
            Path from = Plugin.libraryDir().resolve(dir);
            try (Stream<Path> files = Files.walk(from)) {
                for (Path f : files.toList()) {
                    Path to = released.resolve(dir).resolve(from.relativize(f).toString());
                    if (Files.isDirectory(f)) {
                        Files.createDirectories(to);
                    } else {
                        Files.copy(f, to);
                    }
                }
            }
        }
        Path global = released.resolve("vars/withSegura.groovy");
        String text = Files.readString(global);
        String pinned = text.replace("@Field static final String CLI_URL = ''",
                "@Field static final String CLI_URL = '" + url + "'")
                .replace("@Field static final String CLI_SHA256 = ''",
                        "@Field static final String CLI_SHA256 = '" + sha256 + "'");
        assertThat(pinned).as("the release's two pins").contains("CLI_URL = '" + url + "'",
                "CLI_SHA256 = '" + sha256 + "'");
        Files.writeString(global, pinned);
        return released;
    }

    @Test
    void cliWhenReleasePinsUrlAndChecksumThenDownloadedAndCheckedWithoutArguments() throws Exception {
        byte[] jar = Files.readAllBytes(CliBuild.jar());
        try (JarServer server = new JarServer(jar)) {
            String block = """
                    withSegura(role: 'deploy', secrets: 'db/prod/password > DB_PASSWORD', credentialsId: 'segura-client') {
                        sh 'echo "pw=$DB_PASSWORD"'
                    }
                    """;
            PipelineSimulator.Result r = simulator(agentEnv(), releasedLibrary(server.url(), sha256(jar))).run(block);
            assertThat(r.failure()).as(r.log()).isNull();
            assertThat(r.log()).contains("pw=***");
            assertThat(server.downloads).hasValue(1);
            assertNothingSecretLeft(r);

            try (Stream<Path> old = Files.walk(work.resolve("released-library"))) {
                old.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            String tampered = sha256("a different build".getBytes(StandardCharsets.UTF_8));
            PipelineSimulator.Result refused = simulator(agentEnv(), releasedLibrary(server.url(), tampered))
                    .run(block);
            assertThat(refused.failure()).hasMessageContaining("SHA-256 mismatch, refused");
        }
    }

    @Test
    void cliWhenNotOnPathAndNothingPinnedThenSaysWhatToDo() throws Exception {
        PipelineSimulator.Result r = agentWithoutCli().run("""
                withSegura(role: 'deploy', secrets: 'db/prod/password', credentialsId: 'segura-client') { echo 'ran' }
                """);
        assertThat(r.failure()).hasMessageContaining("segura-cli is not on this agent's PATH")
                .hasMessageContaining("cliUrl: with cliSha256:");
        PipelineSimulator.Result bad = agentWithoutCli().run("""
                withSegura(role: 'deploy', secrets: 'db/prod/password', cliUrl: 'http://127.0.0.1:1/x.jar',
                        cliSha256: 'abc') { echo 'ran' }
                """);
        assertThat(bad.failure()).hasMessageContaining("cliSha256 must be 64 hex digits");
    }
}
