// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.gitlab;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.testkit.broker.LiveBroker;
import io.segura.testkit.cli.CliBuild;
import io.segura.testkit.oidc.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The component as a pipeline uses it: {@code include: component} with inputs, a job that {@code extends:} the
 * hidden job, rendered and run in a shell with GitLab's CI variables and an id token minted for the audience the
 * rendered {@code id_tokens:} asks for, against a live broker whose role is the README's.
 */
class GitLabComponentEndToEndTest {

    static final String AUDIENCE = "https://segura.example.com";
    static final String PASSWORD = "pa55-w0rd-for-gitlab";
    static final String KEY = "-----BEGIN KEY-----\nline-two-of-the-gitlab-key\nline-three-tail\n-----END KEY-----";

    @TempDir
    Path work;

    @RegisterExtension
    static final LiveBroker live = LiveBroker.configuredBy(GitLabComponentEndToEndTest::brokerConfig)
            .secret("db/prod/password", PASSWORD).secret("tls/prod/key", KEY);

    static String brokerConfig(String issuerUrl) {
        return String.join("\n",
                "issuers:",
                "  - name: gitlab",
                "    preset: gitlab",
                "    issuer: " + issuerUrl,
                "    audiences: [\"" + AUDIENCE + "\"]",
                "roles:",
                "  - name: deploy-prod",
                "    issuers: [gitlab]",
                "    bound-claims:",
                "      project_id: \"20\"",
                "      job_project_id: \"20\"",
                "      ref_protected: \"true\"",
                "    secrets: [\"db/prod/*\", \"tls/prod/*\"]",
                "    session-ttl: 10m",
                "    max-lease-ttl: 30m",
                "  - name: deploy-env",
                "    issuers: [gitlab]",
                "    bound-claims:",
                "      project_id: \"20\"",
                "      environment: production",
                "    secrets: [\"db/prod/*\", \"tls/prod/*\"]",
                "  - name: deploy-frozen",
                "    issuers: [gitlab]",
                "    bound-claims:",
                "      project_id: \"20\"",
                "    secrets: [\"db/prod/*\"]",
                "    policies: [always-frozen]",
                "policies:",
                "  - name: always-frozen",
                "    mode: enforce",
                "    freeze-windows:",
                "      - {days: [MON, TUE, WED, THU, FRI, SAT, SUN], from: \"00:00\", to: \"23:59\", zone: UTC,"
                        + " reason: \"test freeze\"}",
                "");
    }

    /** The pipeline: the {@code secrets} component's content (rendered with {@code inputs}) plus the user's job. */
    static Map<String, Object> pipeline(Map<String, ?> inputs, String userJob, Map<String, Object> job)
            throws Exception {
        Map<String, Object> pipeline = new LinkedHashMap<>(GitLabComponent.load(Plugin.secrets()).render(inputs));
        if (userJob != null) {
            pipeline.put(userJob, job);
        }
        return pipeline;
    }

    /** The opt-in {@code deploy-gate} component included with {@code inputs} (and {@code environment}). */
    static Map<String, Object> gatePipeline(String role, String environment) throws Exception {
        Map<String, Object> in = new LinkedHashMap<>(inputs(role));
        in.put("environment", environment);
        return GitLabComponent.load(Plugin.deployGate()).render(in);
    }

    static Map<String, String> inputs(String role) {
        Map<String, String> in = new LinkedHashMap<>();
        in.put("url", live.broker().url().toString());
        in.put("role", role);
        in.put("audience", AUDIENCE);
        in.put("secrets", "db/prod/password > DB_PASSWORD; tls/prod/key > TLS_KEY");
        return in;
    }

    static Map<String, String> idTokens(Map<String, Object> job, Map<String, Object> claims) {
        return GitLabJobIdentity.idTokens(live.issuer(), job, claims);
    }

    static Map<String, Object> claims(String sub, String jobProjectId) {
        Map<String, Object> c = new LinkedHashMap<>(Fixtures.claims("gitlab"));
        c.put("sub", sub);
        c.put("job_project_id", jobProjectId);
        return c;
    }

    static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    static ShellJob.Result runJob(Map<String, Object> pipeline, String name, Map<String, Object> claims, Path work)
            throws Exception {
        Map<String, Object> job = GitLabComponent.job(pipeline, name);
        return ShellJob.run(job, GitLabJobIdentity.ciVariables(job), idTokens(job, claims), work, CliBuild.jar(),
                CliBuild.imageBin());
    }

    static void assertNoSecretInLog(String log) {
        for (String secret : new String[] {PASSWORD, KEY}) {
            secret.lines().filter(l -> l.length() >= 4).forEach(l -> assertThat(log).doesNotContain(l));
        }
    }

    @Test
    void jobWhenExtendingHiddenJobThenCommandGetsSecretsOutputMaskedAndSessionRevoked() throws Exception {
        String sub = "project_path:my-group/my-project:ref_type:branch:ref:main:e2e";
        Map<String, Object> deploy = new LinkedHashMap<>();
        deploy.put("extends", ".segura-exec");
        deploy.put("variables", Map.of("SEGURA_COMMAND", Map.of("expand", false, "value",
                "echo \"pw=$DB_PASSWORD\"; printf '%s\\n' \"$TLS_KEY\";"
                + " printf %s \"$DB_PASSWORD\" | sha256sum; printf %s \"$TLS_KEY\" | sha256sum;"
                + " echo \"err=$DB_PASSWORD\" >&2")));
        ShellJob.Result r = runJob(pipeline(inputs("deploy-prod"), "deploy", deploy), "deploy",
                claims(sub, "20"), work);

        assertThat(r.exitCode()).as(r.log()).isZero();
        // stdout and stderr share the job log and exec masks each stream in its own pump, so "pw=" and "err="
        // lines may interleave: count the masks (pw, the key, err) instead of matching whole lines.
        assertThat(r.log()).contains("$ segura-cli exec -- sh -c \"${SEGURA_COMMAND:?", "pw=", "err=",
                sha256(PASSWORD), sha256(KEY));
        assertThat(r.log().split("\\*\\*\\*", -1).length - 1).as("masks in the log").isGreaterThanOrEqualTo(3);
        assertNoSecretInLog(r.log());
        assertThat(live.broker().events("lease.issued", sub)).hasSize(1);
        assertThat(live.broker().leases(true, sub)).isEmpty();
        assertThat(live.broker().events("session.revoked", sub)).isNotEmpty();
    }

    @Test
    void jobWhenForkMergeRequestPipelineThenRoleRefusesAndCommandNeverRuns() throws Exception {
        String sub = "project_path:my-group/my-project:ref_type:branch:ref:main:e2e-fork";
        Map<String, Object> deploy = new LinkedHashMap<>();
        deploy.put("extends", ".segura-exec");
        deploy.put("variables", Map.of("SEGURA_COMMAND", Map.of("value", "echo command-ran", "expand", false)));
        // A fork MR pipeline running in the parent project: project_id is the parent's, job_project_id the fork's.
        ShellJob.Result r = runJob(pipeline(inputs("deploy-prod"), "deploy", deploy), "deploy",
                claims(sub, "4711"), work);

        assertThat(r.exitCode()).as(r.log()).isEqualTo(4);
        assertThat(r.log()).doesNotContain("command-ran");
        assertThat(live.broker().leases(false, sub)).isEmpty();
    }

    @Test
    void commandWhenReadingALeasedSecretThroughDollarNameThenSeesItsValueMasked() throws Exception {
        String sub = "project_path:my-group/my-project:ref_type:branch:ref:main:e2e-expand";
        // The README's form: GitLab leaves the value alone, the command's own shell expands $DB_PASSWORD once exec
        // has put it in the environment.
        Map<String, Object> deploy = new LinkedHashMap<>();
        deploy.put("extends", ".segura-exec");
        deploy.put("variables", Map.of("SEGURA_COMMAND", Map.of("value",
                "echo \"pw=$DB_PASSWORD\"; test \"$DB_PASSWORD\" = '" + PASSWORD + "' && echo value-seen",
                "expand", false)));
        ShellJob.Result r = runJob(pipeline(inputs("deploy-prod"), "deploy", deploy), "deploy",
                claims(sub, "20"), work);

        assertThat(r.exitCode()).as(r.log()).isZero();
        assertThat(r.log()).contains("pw=***", "value-seen");
        assertNoSecretInLog(r.log());
    }

    @Test
    void commandWhenValueOnlyThenInheritsExpandFalseAndSeesTheSecret() throws Exception {
        String sub = "project_path:my-group/my-project:ref_type:branch:ref:main:e2e-inherit";
        Map<String, Object> deploy = new LinkedHashMap<>();
        deploy.put("extends", ".segura-exec");
        deploy.put("variables", Map.of("SEGURA_COMMAND", Map.of("value", "test -n \"$DB_PASSWORD\" && echo non-empty")));
        ShellJob.Result r = runJob(pipeline(inputs("deploy-prod"), "deploy", deploy), "deploy",
                claims(sub, "20"), work);

        assertThat(r.exitCode()).as(r.log()).isZero();
        assertThat(r.log()).contains("non-empty");
    }

    @Test
    void commandWhenPlainStringThenGitLabExpandsItEmptyBeforeTheSecretExists() throws Exception {
        // Why the README insists on expand: false: a plain string is expanded by GitLab when the job starts.
        String sub = "project_path:my-group/my-project:ref_type:branch:ref:main:e2e-plain";
        Map<String, Object> deploy = new LinkedHashMap<>();
        deploy.put("extends", ".segura-exec");
        deploy.put("variables", Map.of("SEGURA_COMMAND", "test -n \"$DB_PASSWORD\" && echo non-empty"));
        ShellJob.Result r = runJob(pipeline(inputs("deploy-prod"), "deploy", deploy), "deploy",
                claims(sub, "20"), work);

        assertThat(r.exitCode()).as(r.log()).isEqualTo(1);
        assertThat(r.log()).doesNotContain("non-empty");
    }

    @Test
    void commandWhenUnsetThenJobFailsNamingSegura_Command() throws Exception {
        Map<String, Object> deploy = new LinkedHashMap<>();
        deploy.put("extends", ".segura-exec");
        ShellJob.Result r = runJob(pipeline(inputs("deploy-prod"), "deploy", deploy), "deploy",
                claims("project_path:my-group/my-project:ref_type:branch:ref:main:e2e-unset", "20"), work);

        assertThat(r.exitCode()).as(r.log()).isNotZero();
        assertThat(r.log()).contains("SEGURA_COMMAND: set SEGURA_COMMAND");
    }

    @Test
    void deployGateWhenRoleAllowsThenPassesWithoutLeasing() throws Exception {
        String sub = "project_path:my-group/my-project:ref_type:branch:ref:main:e2e-gate";
        ShellJob.Result r = runJob(gatePipeline("deploy-prod", "production"), "segura-deploy-gate",
                claims(sub, "20"), work);

        assertThat(r.exitCode()).as(r.log()).isZero();
        assertThat(r.log()).contains("$ segura-cli policy check");
        assertThat(live.broker().leases(false, sub)).isEmpty();
    }

    @Test
    @SuppressWarnings("unchecked")
    void deployGateWhenRoleBoundToEnvironmentThenItsTokenCarriesTheEnvironmentAndPasses() throws Exception {
        String sub = "project_path:my-group/my-project:ref_type:branch:ref:main:e2e-gate-env";
        Map<String, Object> job = GitLabComponent.job(gatePipeline("deploy-env", "production"), "segura-deploy-gate");
        String token = idTokens(job, claims(sub, "20")).get("SEGURA_ID_TOKEN");
        Map<String, Object> payload = (Map<String, Object>) new org.yaml.snakeyaml.Yaml().load(new String(
                java.util.Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8));
        assertThat(payload).containsEntry("environment", "production").containsEntry("environment_action", "verify");

        ShellJob.Result r = runJob(gatePipeline("deploy-env", "production"), "segura-deploy-gate",
                claims(sub, "20"), work);
        assertThat(r.exitCode()).as(r.log()).isZero();

        ShellJob.Result staging = runJob(gatePipeline("deploy-env", "staging"), "segura-deploy-gate",
                claims(sub + "-staging", "20"), work);
        assertThat(staging.exitCode()).as(staging.log()).isEqualTo(4);
    }

    @Test
    void jobWhenNoEnvironmentThenRoleBoundToEnvironmentRefusesIt() throws Exception {
        // What the gate's environment: fixes: a job without one has no environment claim at all.
        String sub = "project_path:my-group/my-project:ref_type:branch:ref:main:e2e-no-env";
        Map<String, Object> deploy = new LinkedHashMap<>();
        deploy.put("extends", ".segura-exec");
        deploy.put("variables", Map.of("SEGURA_COMMAND", Map.of("value", "echo command-ran", "expand", false)));
        Map<String, String> in = inputs("deploy-env");
        in.put("secrets", "db/prod/password > DB_PASSWORD");
        ShellJob.Result r = runJob(pipeline(in, "deploy", deploy), "deploy", claims(sub, "20"), work);

        assertThat(r.exitCode()).as(r.log()).isEqualTo(4);
        assertThat(r.log()).doesNotContain("command-ran");
    }

    @Test
    void deployGateWhenFreezeWindowThenFailsWithExitThreeAndReason() throws Exception {
        String sub = "project_path:my-group/my-project:ref_type:branch:ref:main:e2e-frozen";
        ShellJob.Result r = runJob(gatePipeline("deploy-frozen", "production"), "segura-deploy-gate",
                claims(sub, "20"), work);

        assertThat(r.exitCode()).as(r.log()).isEqualTo(3);
        assertThat(r.log()).contains("test freeze");
    }
}
