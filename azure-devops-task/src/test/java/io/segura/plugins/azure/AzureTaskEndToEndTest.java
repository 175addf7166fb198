// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.azure;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.client.masking.SecretVariants;
import io.segura.plugins.azure.AgentTaskRunner.Stage;
import io.segura.plugins.azure.AgentTaskRunner.StepResult;
import io.segura.testkit.broker.LiveBroker;
import io.segura.testkit.oidc.Fixtures;
import io.segura.testkit.platform.AzureAgent;
import io.segura.testkit.platform.AzureAgent.LoggingCommand;
import io.segura.testkit.platform.AzureOidcEndpoint;
import io.segura.testkit.postgres.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The task as the agent runs it — the packaged {@code .vsix} unpacked, its {@code task.json} handlers under Node
 * with the step's {@code INPUT_*}, the job's {@code SYSTEM_*}/{@code AGENT_*}/{@code BUILD_*} variables and the
 * simulated OIDC endpoint behind {@code SYSTEM_OIDCREQUESTURI}, the main stage and then the post-job stage with
 * the task variables the main stage set — running the bundled CLI jar on this JVM's Java (as
 * {@code JAVA_HOME_17_X64}) against a live broker on PostgreSQL, whose role is the README's.
 */
class AzureTaskEndToEndTest {

    static final String ORG_ID = "0ca3ddd9-5b4c-4b9e-9a8f-2f3c1d9e7a11";
    static final String PROJECT_ID = "271ef6f7-0d3c-4f43-9b8a-5a1e2c3d4f50";
    static final String PASSWORD = "pa55-w0rd-for-azure%3B;x]";
    static final String KEY = "-----BEGIN KEY-----\nline-two-of-the-azure-key\nline-three-tail\n-----END KEY-----";
    static final String SECRETS = "db/prod/password > DB_PASSWORD\n";

    static Path taskDir;
    static AgentTaskRunner agent;
    /** The database the dynamic secret db/app makes its PostgreSQL users for; made with the broker's config. */
    static TestDatabase appDb;

    @TempDir
    static Path unpacked;

    @TempDir
    Path job;

    @RegisterExtension
    static final LiveBroker live = LiveBroker.configuredBy(AzureTaskEndToEndTest::brokerConfig)
            .secret("db/prod/password", PASSWORD).secret("tls/prod/key", KEY)
            .secret("ops/root/password", "root-password-never-leased")
            .secret("dynamic/pg-admin", "trust-auth-ignores-it");

    @BeforeAll
    static void unpackTask() throws Exception {
        taskDir = Vsix.unpack(Vsix.built(), unpacked).resolve("SeguraSecrets");
        agent = new AgentTaskRunner(taskDir);
    }

    @AfterAll
    static void dropAppDb() throws Exception {
        if (appDb != null) {
            appDb.drop();
        }
    }

    /**
     * The README's broker side: the preset's fixed audience {@code api://AzureADTokenExchange} and jti replay
     * protection (no {@code audiences} or {@code replay-protection} given), the role bound to the immutable ids;
     * it may also request the dynamic secret db/app, a PostgreSQL user.
     */
    static String brokerConfig(String issuerUrl) throws Exception {
        appDb = TestDatabase.create("AzureTaskDynamic");
        return String.join("\n",
                "issuers:",
                "  - name: azure-devops",
                "    preset: azure-devops",
                "    issuer: " + issuerUrl,
                "roles:",
                "  - name: deploy-web",
                "    issuers: [azure-devops]",
                "    bound-claims:",
                "      ctx.owner_id: \"" + ORG_ID + "\"",
                "      prj_id: \"" + PROJECT_ID + "\"",
                "      ctx.pipeline: \"1\"",
                "      ctx.ref: refs/heads/main",
                "    secrets: [\"db/prod/*\", \"tls/prod/*\"]",
                "    dynamic: [db/app]",
                "    session-ttl: 10m",
                "    max-lease-ttl: 30m",
                "dynamic:",
                "  postgresql:",
                appDb.postgresqlEngineYaml("db/app"),
                "");
    }

    /** The fixture's pipeline token claims with a subject of its own, so each test finds only its leases. */
    static Map<String, Object> claims(String sub, String definitionId) {
        Map<String, Object> claims = new LinkedHashMap<>(Fixtures.claims("azure-devops"));
        claims.put("sub", sub);
        claims.put("def_id", definitionId);
        return claims;
    }

    static Map<String, String> inputs(String... more) {
        Map<String, String> inputs = new LinkedHashMap<>();
        inputs.put("url", live.broker().url().toString());
        inputs.put("role", "deploy-web");
        inputs.put("secrets", SECRETS);
        for (int i = 0; i < more.length; i += 2) {
            inputs.put(more[i], more[i + 1]);
        }
        return inputs;
    }

    Map<String, String> variables(AzureOidcEndpoint endpoint, boolean mapAccessToken) throws Exception {
        return AgentTaskRunner.jobVariables(AzureAgent.variables(endpoint, mapAccessToken), job.resolve("_temp"),
                job.resolve("s"), System.getProperty("java.home"));
    }

    @Test
    void taskWhenJobMapsTheAccessTokenThenSecretVariablesMaskedFirstAndPostJobRevokes() throws Exception {
        String sub = "p://contoso/web-shop/e2e-main";
        try (AzureOidcEndpoint endpoint = AzureOidcEndpoint.start(live.issuer(), claims(sub, "1"))) {
            Map<String, String> vars = variables(endpoint, true);
            StepResult main = agent.run(Stage.MAIN, inputs("ttl", "15m"), vars, null, Map.of());

            assertThat(main.result()).as(main.output()).isEqualTo("Succeeded");
            assertThat(endpoint.requests()).singleElement().satisfies(r -> {
                assertThat(r.rawQuery()).isEqualTo("api-version=7.1");
                assertThat(r.header("Authorization")).isEqualTo("Bearer " + endpoint.accessToken());
            });
            LoggingCommand variable = onlySecretVariable(main, "DB_PASSWORD");
            assertThat(variable.data()).isEqualTo(PASSWORD);
            assertMaskedBeforeSet(main, PASSWORD, "DB_PASSWORD");
            assertThat(setSecrets(main)).as("every variant the masker knows")
                    .containsAll(SecretVariants.of(PASSWORD, 4))
                    .contains(Base64.getEncoder().encodeToString(PASSWORD.getBytes(StandardCharsets.UTF_8)));
            assertNoValueOutsideTheMaskingChannel(main, PASSWORD);
            List<Map<String, Object>> active = live.broker().leases(true, sub);
            assertThat(active).hasSize(1);
            Map<String, String> taskVariables = main.taskVariables();
            Path state = Path.of(taskVariables.get("SEGURA_STATE_FILE"));
            assertThat(state).startsWith(job.resolve("_temp"));
            String session = sessionToken(state);
            assertThat(main.output()).doesNotContain(session, endpoint.accessToken());

            StepResult post = agent.run(Stage.POST, inputs("ttl", "15m"), vars, null, taskVariables);

            assertThat(post.result()).as(post.output()).isEqualTo("Succeeded");
            assertThat(post.output()).doesNotContain(session, PASSWORD);
            assertThat(live.broker().leases(true, sub)).as("active leases after the post-job step").isEmpty();
            assertThat(live.broker().events("session.revoked", sub)).isNotEmpty();
            assertThat(state).doesNotExist();
            assertThat(leaseWith(session)).as("a lease with the revoked session").isEqualTo(401);
        }
    }

    @Test
    void taskWhenDynamicSecretThenSecretVariablesMaskedALaterStepLogsInAndPostJobDropsTheUser() throws Exception {
        String sub = "p://contoso/web-shop/e2e-dynamic";
        try (AzureOidcEndpoint endpoint = AzureOidcEndpoint.start(live.issuer(), claims(sub, "1"))) {
            Map<String, String> vars = variables(endpoint, true);
            StepResult main = agent.run(Stage.MAIN, inputs("secrets", String.join("\n",
                    "dynamic:db/app > DATABASE_URL",
                    "dynamic:db/app.username > PGUSER",
                    "dynamic:db/app.password > PGPASSWORD", "")), vars, null, Map.of());

            assertThat(main.result()).as(main.output()).isEqualTo("Succeeded");
            String url = onlySecretVariable(main, "DATABASE_URL").data();
            String user = onlySecretVariable(main, "PGUSER").data();
            String password = onlySecretVariable(main, "PGPASSWORD").data();
            assertThat(url).as("one credential for the three specs").startsWith("postgresql://")
                    .contains(user, password);
            assertMaskedBeforeSet(main, url, "DATABASE_URL");
            assertMaskedBeforeSet(main, password, "PGPASSWORD");
            assertThat(setSecrets(main)).containsAll(SecretVariants.of(password, 4));
            assertNoValueOutsideTheMaskingChannel(main, url);
            assertNoValueOutsideTheMaskingChannel(main, password);
            assertThat(main.output()).contains("dynamic secret db/app: lease");

            // a later step of the job maps the secret variable into its env and logs in
            assertThat(psql(url)).isEqualTo(user);

            StepResult post = agent.run(Stage.POST, inputs(), vars, null, main.taskVariables());
            assertThat(post.result()).as(post.output()).isEqualTo("Succeeded");
            assertThat(post.output()).doesNotContain(password);
            try (java.sql.Connection c = appDb.connect(); java.sql.Statement st = c.createStatement();
                    java.sql.ResultSet rs = st.executeQuery("SELECT 1 FROM pg_roles WHERE rolname = '" + user
                            + "'")) {
                assertThat(rs.next()).as("the post-job step dropped " + user).isFalse();
            }
            assertThat(live.broker().events("dynamic.revoked", sub)).hasSize(1);
            assertThat(live.broker().leases(true, sub)).isEmpty();
        }
    }

    /** {@code current_user} of a real {@code psql} login with {@code url}. */
    static String psql(String url) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("psql", url, "-Atc", "select current_user").redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor()).as("psql: " + out).isZero();
        return out;
    }

    @Test
    void taskWhenALaterStepFailsTheJobThenPostJobStillRevokes() throws Exception {
        String sub = "p://contoso/web-shop/e2e-job-failed";
        try (AzureOidcEndpoint endpoint = AzureOidcEndpoint.start(live.issuer(), claims(sub, "1"))) {
            Map<String, String> vars = variables(endpoint, true);
            StepResult main = agent.run(Stage.MAIN, inputs(), vars, null, Map.of());
            assertThat(main.result()).as(main.output()).isEqualTo("Succeeded");
            assertThat(live.broker().leases(true, sub)).hasSize(1);

            // A deploy step failed after the task: the agent still runs post-job steps (condition always()).
            vars.put("AGENT_JOBSTATUS", "Failed");
            StepResult post = agent.run(Stage.POST, inputs(), vars, null, main.taskVariables());

            assertThat(post.result()).as(post.output()).isEqualTo("Succeeded");
            assertThat(live.broker().leases(true, sub)).isEmpty();
            assertThat(live.broker().events("session.revoked", sub)).isNotEmpty();
        }
    }

    @Test
    void taskWhenNoEnvMappingThenTakesTheAgentsSystemVssConnectionToken() throws Exception {
        String sub = "p://contoso/web-shop/e2e-systemvss";
        try (AzureOidcEndpoint endpoint = AzureOidcEndpoint.start(live.issuer(), claims(sub, "1"))) {
            Map<String, String> vars = variables(endpoint, false);
            StepResult main = agent.run(Stage.MAIN, inputs(), vars, endpoint.accessToken(), Map.of());

            assertThat(main.result()).as(main.output()).isEqualTo("Succeeded");
            assertThat(onlySecretVariable(main, "DB_PASSWORD").data()).isEqualTo(PASSWORD);
            assertThat(main.output()).doesNotContain(endpoint.accessToken());
            StepResult post = agent.run(Stage.POST, inputs(), vars, endpoint.accessToken(), main.taskVariables());
            assertThat(post.result()).as(post.output()).isEqualTo("Succeeded");
            assertThat(live.broker().leases(true, sub)).isEmpty();
        }
    }

    @Test
    void taskWhenNoAccessTokenAtAllThenFailedShowingTheYamlEnvLine() throws Exception {
        try (AzureOidcEndpoint endpoint = AzureOidcEndpoint.start(live.issuer(), claims("p://contoso/web-shop/none", "1"))) {
            Map<String, String> vars = variables(endpoint, false);
            StepResult main = agent.run(Stage.MAIN, inputs(), vars, null, Map.of());

            assertThat(main.result()).isEqualTo("Failed");
            assertThat(main.message()).contains("env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)");
            assertThat(main.named("task.setvariable")).isEmpty();
            assertThat(endpoint.requests()).isEmpty();
            StepResult post = agent.run(Stage.POST, inputs(), vars, null, main.taskVariables());
            assertThat(post.result()).as("post-job step after a failed main step").isEqualTo("Succeeded");
        }
    }

    @Test
    void taskWhenMultiLineSecretWithoutUnsafeSettingThenFailedNamingItAndNothingSet() throws Exception {
        String sub = "p://contoso/web-shop/e2e-multiline-refused";
        try (AzureOidcEndpoint endpoint = AzureOidcEndpoint.start(live.issuer(), claims(sub, "1"))) {
            Map<String, String> vars = variables(endpoint, true);
            StepResult main = agent.run(Stage.MAIN, inputs("secrets", SECRETS + "tls/prod/key > TLS_KEY"), vars, null,
                    Map.of());

            assertThat(main.result()).isEqualTo("Failed");
            assertThat(main.message()).contains("TLS_KEY", "System.UnsafeAllowMultilineSecret=true",
                    "SYSTEM_UNSAFEALLOWMULTILINESECRET");
            assertThat(main.named("task.setvariable")).as("no variable half set").isEmpty();
            assertNoValueOutsideTheMaskingChannel(main, PASSWORD);
            assertNoValueOutsideTheMaskingChannel(main, KEY);
            assertThat(live.broker().leases(true, sub)).as("the CLI revoked its session").isEmpty();
        }
    }

    @Test
    void taskWhenMultiLineSecretAndUnsafeSettingTrueThenSetWhole() throws Exception {
        String sub = "p://contoso/web-shop/e2e-multiline-allowed";
        try (AzureOidcEndpoint endpoint = AzureOidcEndpoint.start(live.issuer(), claims(sub, "1"))) {
            Map<String, String> vars = variables(endpoint, true);
            vars.put("SYSTEM_UNSAFEALLOWMULTILINESECRET", "true");
            StepResult main = agent.run(Stage.MAIN, inputs("secrets", SECRETS + "tls/prod/key > TLS_KEY"), vars, null,
                    Map.of());

            assertThat(main.result()).as(main.output()).isEqualTo("Succeeded");
            assertThat(onlySecretVariable(main, "TLS_KEY").data()).isEqualTo(KEY);
            assertThat(setSecrets(main)).contains(KEY).containsAll(KEY.lines().toList());
            assertMaskedBeforeSet(main, KEY, "TLS_KEY");
            assertNoValueOutsideTheMaskingChannel(main, KEY);
            assertNoValueOutsideTheMaskingChannel(main, PASSWORD);
            agent.run(Stage.POST, inputs(), vars, null, main.taskVariables());
            assertThat(live.broker().leases(true, sub)).isEmpty();
        }
    }

    @Test
    void taskWhenTokenIsReplayedThenBrokerRefusesTheSecondExchange() throws Exception {
        String sub = "p://contoso/web-shop/e2e-replay";
        // One token, served twice: a token captured from one job and presented again (Azure's audience is fixed,
        // so any relying party that saw it could).
        String token = live.issuer().mint(withFixedAudience(claims(sub, "1")));
        try (ReplayingOidcEndpoint endpoint = ReplayingOidcEndpoint.serving(token)) {
            Map<String, String> vars = variables(null, false);
            vars.put("SYSTEM_OIDCREQUESTURI", endpoint.requestUri());
            vars.put("SYSTEM_ACCESSTOKEN", "job-access-token");

            StepResult first = agent.run(Stage.MAIN, inputs(), vars, null, Map.of());
            assertThat(first.result()).as(first.output()).isEqualTo("Succeeded");
            agent.run(Stage.POST, inputs(), vars, null, first.taskVariables());

            StepResult replay = agent.run(Stage.MAIN, inputs(), vars, null, Map.of());
            assertThat(replay.result()).isEqualTo("Failed");
            assertThat(replay.message()).contains("invalid_grant", "jti", "already used", "single use");
            assertThat(replay.named("task.setvariable")).isEmpty();
            assertThat(live.broker().leases(false, sub)).as("only the first exchange leased").hasSize(1);
            assertNoValueOutsideTheMaskingChannel(replay, PASSWORD);
        }
    }

    @Test
    void taskWhenPipelineIsNotTheBoundDefinitionThenFailedWithTheBrokersReason() throws Exception {
        String sub = "p://contoso/web-shop/e2e-other-pipeline";
        try (AzureOidcEndpoint endpoint = AzureOidcEndpoint.start(live.issuer(), claims(sub, "2"))) {
            Map<String, String> vars = variables(endpoint, true);
            StepResult main = agent.run(Stage.MAIN, inputs(), vars, null, Map.of());

            assertThat(main.result()).isEqualTo("Failed");
            assertThat(main.message()).contains("ctx.pipeline").contains("2");
            assertThat(main.named("task.setvariable")).isEmpty();
            assertNoValueOutsideTheMaskingChannel(main, PASSWORD);
            assertThat(live.broker().leases(false, sub)).isEmpty();
        }
    }

    @Test
    void taskWhenSecretOutsideTheRoleThenFailedWithTheProblemDetail() throws Exception {
        String sub = "p://contoso/web-shop/e2e-outside-role";
        try (AzureOidcEndpoint endpoint = AzureOidcEndpoint.start(live.issuer(), claims(sub, "1"))) {
            Map<String, String> vars = variables(endpoint, true);
            StepResult main = agent.run(Stage.MAIN, inputs("secrets", "ops/root/password > ROOT_PASSWORD"), vars,
                    null, Map.of());

            assertThat(main.result()).isEqualTo("Failed");
            // RFC 9457: title: detail (HTTP status, type)
            assertThat(main.message()).contains("ops/root/password", "(HTTP 403, https://segura.dev/problems/");
            assertThat(main.output()).doesNotContain("root-password-never-leased");
            assertThat(main.named("task.setvariable")).isEmpty();
            assertThat(live.broker().leases(true, sub)).isEmpty();
        }
    }

    @Test
    void taskWhenInputsAreWrongThenFailedNamingTheTaskInput() throws Exception {
        try (AzureOidcEndpoint endpoint = AzureOidcEndpoint.start(live.issuer(), claims("p://contoso/web-shop/bad", "1"))) {
            Map<String, String> vars = variables(endpoint, true);

            StepResult http = agent.run(Stage.MAIN, inputs("url", "http://segura.example.com"), vars, null, Map.of());
            assertThat(http.result()).isEqualTo("Failed");
            assertThat(http.message()).contains("input 'url' must use https").doesNotContain("SEGURA_URL");

            StepResult ca = agent.run(Stage.MAIN, inputs("caCertificate", "certs/missing-ca.pem"), vars, null,
                    Map.of());
            assertThat(ca.result()).isEqualTo("Failed");
            assertThat(ca.message()).contains("input 'caCertificate'", "missing-ca.pem", "not a readable file");

            StepResult spec = agent.run(Stage.MAIN, inputs("secrets", "db/prod/password > 1BAD"), vars, null,
                    Map.of());
            assertThat(spec.result()).isEqualTo("Failed");
            assertThat(spec.message()).contains("input 'secrets'");

            StepResult noUrl = agent.run(Stage.MAIN, inputs("url", ""), vars, null, Map.of());
            assertThat(noUrl.result()).isEqualTo("Failed");
            assertThat(noUrl.message()).contains("Input 'url' is required");
            assertThat(endpoint.requests()).as("no token requested for a bad input").isEmpty();
        }
    }

    // --- assertions -------------------------------------------------------------------------------------------

    static LoggingCommand onlySecretVariable(StepResult step, String name) {
        List<LoggingCommand> set = step.named("task.setvariable").stream()
                .filter(c -> name.equals(c.properties().get("variable"))).toList();
        assertThat(set).hasSize(1);
        assertThat(set.get(0).properties()).containsEntry("issecret", "true");
        return set.get(0);
    }

    static List<String> setSecrets(StepResult step) {
        return step.named("task.setsecret").stream().map(LoggingCommand::data).toList();
    }

    /** The value and each of its lines are registered with the masker before the variable is set. */
    static void assertMaskedBeforeSet(StepResult step, String value, String name) {
        int set = -1;
        int masked = -1;
        for (int i = 0; i < step.commands().size(); i++) {
            LoggingCommand c = step.commands().get(i);
            if (masked < 0 && c.name().equals("task.setsecret") && c.data().equals(value)) {
                masked = i;
            }
            if (c.name().equals("task.setvariable") && name.equals(c.properties().get("variable"))) {
                set = i;
            }
        }
        assertThat(masked).as("setsecret of the value").isGreaterThanOrEqualTo(0);
        assertThat(masked).as("masked before set").isLessThan(set);
    }

    /**
     * Outside {@code task.setsecret} and the secret {@code task.setvariable} commands (the masking channel), no
     * form of the value appears anywhere in what the step printed, stdout or stderr.
     */
    static void assertNoValueOutsideTheMaskingChannel(StepResult step, String value) {
        StringBuilder outside = new StringBuilder(step.stderr());
        for (String line : step.stdout().split("\n", -1)) {
            boolean channel = line.startsWith("##vso[task.setsecret]")
                    || (line.startsWith("##vso[task.setvariable ") && line.contains(";issecret=true]"));
            if (!channel) {
                outside.append(line).append('\n');
            }
        }
        for (String form : SecretVariants.of(value, 4)) {
            assertThat(outside.toString()).as("output outside the masking channel").doesNotContain(form);
        }
    }

    static Map<String, Object> withFixedAudience(Map<String, Object> claims) {
        Map<String, Object> c = new LinkedHashMap<>(claims);
        c.put("aud", AzureOidcEndpoint.AUDIENCE);
        c.put("iss", live.issuer().issuer());
        c.put("jti", java.util.UUID.randomUUID().toString());
        c.remove("iat");
        c.remove("nbf");
        c.remove("exp");
        return c;
    }

    static String sessionToken(Path stateFile) throws Exception {
        Matcher m = Pattern.compile("\"session\"\\s*:\\s*\"([^\"]+)\"").matcher(Files.readString(stateFile));
        assertThat(m.find()).as("session in the state file").isTrue();
        return m.group(1);
    }

    /** The status of a lease request with {@code session}: 201 while it lives, 401 once revoked. */
    static int leaseWith(String session) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(live.broker().url() + "/api/v2/a2a/leases"))
                .header("Authorization", "Bearer " + session).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"secrets\":[\"db/prod/password\"]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode();
    }
}
