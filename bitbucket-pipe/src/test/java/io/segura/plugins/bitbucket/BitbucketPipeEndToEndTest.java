// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.bitbucket;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.plugins.bitbucket.PipeRunner.PipeResult;
import io.segura.plugins.bitbucket.PipeRunner.Step;
import io.segura.testkit.broker.LiveBroker;
import io.segura.testkit.cli.CliBuild;
import io.segura.testkit.oidc.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The pipe as Bitbucket runs it — the image's entrypoint with the step's variables ({@code NAME_COUNT} lists
 * included), {@code BITBUCKET_STEP_OIDC_TOKEN} and the build directory with the pipe storage — against a live broker
 * on PostgreSQL whose issuer and role are the README's (the {@code bitbucket} preset, bound through {@code ctx} to
 * the repository's and workspace's UUIDs). Without a container: the entrypoint script runs on this host with the CLI
 * jar; {@code BitbucketPipeContainerTest} runs the same flows in the real image. Every captured log, and every file
 * left in the build directory, is scanned for the secret values and the step's token.
 */
class BitbucketPipeEndToEndTest {

    static final String AUDIENCE = "https://segura.example.com";
    static final String WORKSPACE_UUID = "{2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a}";
    /** Bitbucket's default audience (a step with {@code oidc: true} and no {@code audiences}). */
    static final String WORKSPACE_AUDIENCE = "ari:cloud:bitbucket::workspace/" + WORKSPACE_UUID.replaceAll("[{}]", "");
    static final String REPOSITORY_UUID = "{437da666-0d5c-4c1f-9c4e-1f2e3d4c5b6a}";
    static final String ENVIRONMENT_UUID = "{9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d}";
    static final String PASSWORD = "pa55-w0rd-for-bitbucket";
    static final String KEY = "-----BEGIN KEY-----\nline-two-of-the-bitbucket-key\nline-three-tail\n-----END KEY-----";
    static final List<String> SECRETS = List.of("db/prod/password > DB_PASSWORD", "tls/prod/key > TLS_KEY");

    @TempDir
    Path work;

    @RegisterExtension
    static final LiveBroker live = LiveBroker.configuredBy(BitbucketPipeEndToEndTest::brokerConfig)
            .secret("db/prod/password", PASSWORD).secret("tls/prod/key", KEY)
            .secret("db/staging/password", "staging-pa55-not-for-this-role");

    /**
     * The README's broker-side YAML with the simulator as the workspace's issuer; both audiences (the workspace
     * default and a custom one) so that both step forms run against one broker.
     */
    static String brokerConfig(String issuerUrl) {
        return String.join("\n",
                "issuers:",
                "  - name: bitbucket",
                "    preset: bitbucket",
                "    issuer: " + issuerUrl,
                "    audiences: [\"" + WORKSPACE_AUDIENCE + "\", \"" + AUDIENCE + "\"]",
                "roles:",
                "  - name: deploy-prod",
                "    issuers: [bitbucket]",
                "    bound-claims:",
                "      ctx.repository_id: \"" + REPOSITORY_UUID + "\"",
                "      ctx.owner_id: \"" + WORKSPACE_UUID + "\"",
                "      ctx.ref: refs/heads/main",
                "      ctx.environment: \"" + ENVIRONMENT_UUID + "\"",
                "    secrets: [\"db/prod/*\", \"tls/prod/*\"]",
                "    session-ttl: 10m",
                "    max-lease-ttl: 30m",
                "");
    }

    /** How the pipe's container runs; {@code BitbucketPipeContainerTest} runs the real image instead. */
    PipeRunner runner() throws Exception {
        return new PipeRunner(PipeRunner.host(CliBuild.jar(), CliBuild.imageBin()));
    }

    /** A step token shaped like Bitbucket's (fixture claims), for step {@code stepUuid}, with {@code aud}. */
    static String stepToken(String stepUuid, Object aud, String repositoryUuid) {
        Map<String, Object> claims = new LinkedHashMap<>(Fixtures.claims("bitbucket"));
        claims.remove("iss");
        claims.remove("iat");
        claims.remove("exp");
        claims.put("aud", aud);
        claims.put("repositoryUuid", repositoryUuid);
        claims.put("stepUuid", stepUuid);
        claims.put("sub", subject(stepUuid, repositoryUuid));
        return live.issuer().mint(claims);
    }

    static String subject(String stepUuid, String repositoryUuid) {
        return repositoryUuid + ":" + ENVIRONMENT_UUID + ":" + stepUuid;
    }

    static Map<String, Object> variables(Object... more) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("SEGURA_URL", live.broker().url().toString());
        v.put("ROLE", "deploy-prod");
        v.put("SECRETS", SECRETS);
        for (int i = 0; i < more.length; i += 2) {
            v.put((String) more[i], more[i + 1]);
        }
        return v;
    }

    /** No secret value (nor a line of one), no step token and no session token in {@code text}. */
    static void assertNoSecret(String what, String text, String token) {
        for (String secret : List.of(PASSWORD, KEY, "staging-pa55-not-for-this-role")) {
            assertThat(text).as(what).doesNotContain(secret);
            secret.lines().filter(l -> l.length() >= 4 && !l.startsWith("-----"))
                    .forEach(l -> assertThat(text).as(what).doesNotContain(l));
        }
        assertThat(text).as(what).doesNotContain(token).doesNotContain("sgs_");
    }

    /** Every file left in the build directory: no value, no token. */
    static void assertBuildDirClean(Step step, String token) throws IOException {
        try (Stream<Path> files = Files.walk(step.cloneDir())) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertNoSecret("file " + f, Files.readString(f, StandardCharsets.ISO_8859_1), token);
            }
        }
    }

    /**
     * A later line of the step's script in the step's shell ({@code bash} in most build images, else {@code sh}):
     * {@code . loader} then {@code script}.
     */
    static PipeResult laterScriptLine(String shell, Step step, String script)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(shell, "-c", ". \"$LOADER\" && " + script)
                .directory(step.cloneDir().toFile()).redirectErrorStream(true);
        pb.environment().put("LOADER", step.loader().toString());
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new PipeResult(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    @Test
    void pipeWhenNoCommandThenOwnerOnlyEnvFileLoaderDeletesItAndSessionRevoked() throws Exception {
        String sub = subject("{e2e-file}", REPOSITORY_UUID);
        String token = stepToken("{e2e-file}", WORKSPACE_AUDIENCE, REPOSITORY_UUID);
        Step step = PipeRunner.step(work, token);

        PipeResult pipe = runner().run(step, variables());

        assertThat(pipe.exitCode()).as(pipe.log()).isZero();
        assertNoSecret("pipe log", pipe.log(), token);
        assertThat(pipe.log()).contains("✔", ". '" + step.loader() + "'");
        assertThat(Files.getPosixFilePermissions(step.envFile()))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assertNoSecret("loader", Files.readString(step.loader()), token);
        assertThat(live.broker().leases(true, sub)).as("active leases after the pipe").isEmpty();
        assertThat(live.broker().leases(false, sub)).hasSize(1);
        assertThat(live.broker().events("session.revoked", sub)).isNotEmpty();
        assertThat(step.cloneDir().resolve(".segura-session")).doesNotExist();

        Path out = Files.createDirectories(work.resolve("outside-build"));
        PipeResult later = laterScriptLine("bash", step, "printf %s \"$DB_PASSWORD\" > '" + out.resolve("db") + "'"
                + " && printf %s \"$TLS_KEY\" > '" + out.resolve("key") + "' && sh -c 'printf %s \"$TLS_KEY\"' > '"
                + out.resolve("exported") + "'");
        assertThat(later.exitCode()).as(later.log()).isZero();
        assertThat(Files.readString(out.resolve("db"))).isEqualTo(PASSWORD);
        assertThat(Files.readString(out.resolve("key"))).isEqualTo(KEY);
        assertThat(Files.readString(out.resolve("exported"))).as("exported to child processes").isEqualTo(KEY);
        assertThat(step.envFile()).as("the loader deletes the env file").doesNotExist();
        assertBuildDirClean(step, token);

        PipeResult again = laterScriptLine("sh", step, "true");
        assertThat(again.exitCode()).as("a second load finds nothing").isNotZero();
        assertThat(again.log()).contains("is gone");
    }

    @Test
    void pipeWhenCommandThenValuesInItsEnvironmentOutputMaskedAndSessionRevoked() throws Exception {
        String sub = subject("{e2e-command}", REPOSITORY_UUID);
        String token = stepToken("{e2e-command}", WORKSPACE_AUDIENCE, REPOSITORY_UUID);
        Step step = PipeRunner.step(work, token);

        PipeResult pipe = runner().run(step, variables("COMMAND",
                "printf 'password=%s\\n' \"$DB_PASSWORD\"; printf '%s\\n' \"$TLS_KEY\";"
                        + " printf %s \"$DB_PASSWORD\" > proof; echo \"cwd=$(pwd)\""));

        assertThat(pipe.exitCode()).as(pipe.log()).isZero();
        assertNoSecret("pipe log", pipe.log(), token);
        assertThat(pipe.log()).contains("password=***", "cwd=" + step.cloneDir());
        assertThat(Files.readString(step.cloneDir().resolve("proof"))).as("COMMAND had the value").isEqualTo(PASSWORD);
        assertThat(step.envFile()).as("no env file with COMMAND").doesNotExist();
        assertThat(live.broker().leases(true, sub)).isEmpty();
        assertThat(live.broker().leases(false, sub)).hasSize(1);
        assertThat(live.broker().events("session.revoked", sub)).isNotEmpty();
    }

    @Test
    void pipeWhenCommandIsListThenRunWithoutShellAndItsExitCodeIsThePipes() throws Exception {
        String sub = subject("{e2e-argv}", REPOSITORY_UUID);
        String token = stepToken("{e2e-argv}", WORKSPACE_AUDIENCE, REPOSITORY_UUID);
        Step step = PipeRunner.step(work, token);

        PipeResult pipe = runner().run(step, variables("COMMAND",
                List.of("sh", "-c", "printf 'key=%s\\n' \"$TLS_KEY\"; exit 7", "ignored $DB_PASSWORD")));

        assertThat(pipe.exitCode()).as(pipe.log()).isEqualTo(7);
        assertNoSecret("pipe log", pipe.log(), token);
        assertThat(pipe.log()).contains("key=***", "exit code 7");
        assertThat(live.broker().leases(true, sub)).isEmpty();
        assertThat(live.broker().events("session.revoked", sub)).isNotEmpty();
    }

    @Test
    void pipeWhenStepHasCustomAudiencesThenArrayAudAcceptedAndSecretsAsString() throws Exception {
        // oidc: audiences: [...] on the step: aud is a JSON array, here with the broker's audience second.
        String sub = subject("{e2e-aud-array}", REPOSITORY_UUID);
        String token = stepToken("{e2e-aud-array}", List.of("https://other.example.com", AUDIENCE), REPOSITORY_UUID);
        Step step = PipeRunner.step(work, token);

        PipeResult pipe = runner().run(step, variables("SECRETS",
                "db/prod/password > DB_PASSWORD; tls/prod/key > TLS_KEY", "COMMAND", "printf %s \"$DB_PASSWORD\""));

        assertThat(pipe.exitCode()).as(pipe.log()).isZero();
        assertNoSecret("pipe log", pipe.log(), token);
        assertThat(pipe.log()).contains("***");
        assertThat(live.broker().leases(false, sub)).hasSize(1);
        assertThat(live.broker().leases(true, sub)).isEmpty();
    }

    @Test
    void pipeWhenAudArrayLacksTheBrokersAudienceThenRefusedWithTheReason() throws Exception {
        String sub = subject("{e2e-aud-other}", REPOSITORY_UUID);
        String token = stepToken("{e2e-aud-other}", List.of("https://other.example.com", "sts.amazonaws.com"),
                REPOSITORY_UUID);
        Step step = PipeRunner.step(work, token);

        PipeResult pipe = runner().run(step, variables());

        assertThat(pipe.exitCode()).as(pipe.log()).isEqualTo(4);
        assertThat(pipe.log()).contains("invalid_grant", "token audience", "https://other.example.com");
        assertNoSecret("pipe log", pipe.log(), token);
        assertThat(step.envFile()).doesNotExist();
        assertThat(live.broker().leases(false, sub)).isEmpty();
    }

    @Test
    void pipeWhenRepositoryUuidDiffersThenRoleRefusesWithTheReason() throws Exception {
        // Same workspace, branch and environment; another repository (e.g. a fork or a re-created repository).
        String other = "{11111111-2222-4333-8444-555555555555}";
        String sub = subject("{e2e-repo}", other);
        String token = stepToken("{e2e-repo}", WORKSPACE_AUDIENCE, other);
        Step step = PipeRunner.step(work, token);

        PipeResult pipe = runner().run(step, variables());

        assertThat(pipe.exitCode()).as(pipe.log()).isEqualTo(4);
        assertThat(pipe.log()).as("the reason names the claim and its actual value, never the expected one")
                .contains("invalid_grant", "ctx.repository_id", other).doesNotContain(REPOSITORY_UUID);
        assertNoSecret("pipe log", pipe.log(), token);
        assertThat(step.envFile()).doesNotExist();
        assertThat(live.broker().leases(false, sub)).isEmpty();
    }

    @Test
    void pipeWhenSecretOutsideTheRoleThenTheBrokersProblemIsShown() throws Exception {
        String sub = subject("{e2e-outside}", REPOSITORY_UUID);
        String token = stepToken("{e2e-outside}", WORKSPACE_AUDIENCE, REPOSITORY_UUID);
        Step step = PipeRunner.step(work, token);

        PipeResult pipe = runner().run(step, variables("SECRETS",
                List.of("db/prod/password > DB_PASSWORD", "db/staging/password > STAGING_PASSWORD")));

        assertThat(pipe.exitCode()).as(pipe.log()).isEqualTo(4);
        assertThat(pipe.log()).as("the RFC 9457 problem: title, detail, status and type")
                .contains("Not allowed", "may not lease db/staging/password", "HTTP 403",
                        "https://segura.dev/problems/path-not-allowed");
        assertNoSecret("pipe log", pipe.log(), token);
        assertThat(step.envFile()).doesNotExist();
        assertThat(live.broker().leases(true, sub)).isEmpty();
    }

    @Test
    void pipeWhenDebugThenSettingsAndClaimsButNeitherTokenNorValue() throws Exception {
        String token = stepToken("{e2e-debug}", WORKSPACE_AUDIENCE, REPOSITORY_UUID);
        Step step = PipeRunner.step(work, token);

        // SECRETS as a YAML block string: one spec per line.
        PipeResult pipe = runner().run(step, variables("DEBUG", true, "COMMAND", "printf %s \"$TLS_KEY\"",
                "SECRETS", "db/prod/password > DB_PASSWORD\ntls/prod/key > TLS_KEY\n"));

        assertThat(pipe.exitCode()).as(pipe.log()).isZero();
        assertThat(pipe.log()).contains("DEBUG", "  db/prod/password > DB_PASSWORD\n  tls/prod/key > TLS_KEY\n",
                "***", "platform: bitbucket",
                "aud: " + WORKSPACE_AUDIENCE, "sub: " + REPOSITORY_UUID);
        assertNoSecret("pipe log", pipe.log(), token);
    }

    /** Rows: what is wrong, pipe variables, raw env on top, a step change, the text the error must hold. */
    static Stream<Arguments> wrongVariables() {
        return Stream.of(
                row("SEGURA_URL missing", vars("SEGURA_URL", null), Map.of(), null,
                        "SEGURA_URL is not set", "SEGURA_URL: 'https://"),
                row("SEGURA_URL without scheme", vars("SEGURA_URL", "segura.example.com"), Map.of(), null,
                        "SEGURA_URL \"segura.example.com\"", "https://"),
                row("ROLE missing", vars("ROLE", null), Map.of(), null, "ROLE is not set", "ROLE: '"),
                row("ROLE not a name", vars("ROLE", "deploy prod"), Map.of(), null, "ROLE \"deploy prod\"",
                        "letters, digits"),
                row("SECRETS missing", vars("SECRETS", null), Map.of(), null, "SECRETS is not set",
                        "SECRETS: ['db/prod/password > DB_PASSWORD']"),
                row("SECRETS list item missing", vars("SECRETS", null), Map.of("SECRETS_COUNT", "2", "SECRETS_0",
                        "db/prod/password > DB_PASSWORD"), null, "SECRETS_1 is missing", "YAML list"),
                row("SECRETS_COUNT not a number", vars("SECRETS", null), Map.of("SECRETS_COUNT", "two"), null,
                        "SECRETS_COUNT is \"two\"", "YAML list"),
                row("SECRETS as string and list", vars(), Map.of("SECRETS", "db/prod/password"), null,
                        "SECRETS and SECRETS_COUNT are both set", "not both"),
                row("SECRETS spec malformed", vars("SECRETS", List.of("db/prod/password > 1_NOT_A_NAME")),
                        Map.of(), null, "SEGURA_SECRETS", "this pipe's SECRETS"),
                row("DEBUG not a boolean", vars("DEBUG", "yes"), Map.of(), null, "DEBUG is \"yes\"",
                        "true or false"),
                row("COMMAND empty list", vars("COMMAND", List.of()), Map.of(), null, "COMMAND is an empty list",
                        "leave COMMAND out"),
                row("step without oidc: true", vars(), Map.of(), "BITBUCKET_STEP_OIDC_TOKEN",
                        "BITBUCKET_STEP_OIDC_TOKEN is not set", "oidc: true"),
                row("not run as a pipe", vars(), Map.of(), "BITBUCKET_PIPE_SHARED_STORAGE_DIR",
                        "BITBUCKET_PIPE_SHARED_STORAGE_DIR is not set", "set COMMAND"));
    }

    private static Arguments row(String name, Map<String, Object> vars, Map<String, String> raw, String dropFromStep,
            String names, String fix) {
        return Arguments.of(name, vars, raw, dropFromStep, names, fix);
    }

    /** The valid variables with {@code name → value} changed (null: left out). */
    private static Map<String, Object> vars(Object... changes) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("SEGURA_URL", "http://127.0.0.1:9");
        v.put("ROLE", "deploy-prod");
        v.put("SECRETS", SECRETS);
        for (int i = 0; i < changes.length; i += 2) {
            if (changes[i + 1] == null) {
                v.remove((String) changes[i]);
            } else {
                v.put((String) changes[i], changes[i + 1]);
            }
        }
        return v;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wrongVariables")
    void pipeWhenVariableWrongOrMissingThenExit2NamingItAndTheFix(String name, Map<String, Object> vars,
            Map<String, String> raw, String dropFromStep, String names, String fix) throws Exception {
        String token = stepToken("{e2e-usage}", WORKSPACE_AUDIENCE, REPOSITORY_UUID);
        Step step = PipeRunner.step(work, token);
        if (dropFromStep != null) {
            step = step.without(dropFromStep);
        }

        PipeResult pipe = runner().run(step, vars, raw);

        assertThat(pipe.exitCode()).as(pipe.log()).isEqualTo(2);
        assertThat(pipe.log()).contains(names, fix);
        assertNoSecret("pipe log", pipe.log(), token);
        assertThat(step.envFile()).doesNotExist();
        assertThat(step.loader()).doesNotExist();
    }
}
