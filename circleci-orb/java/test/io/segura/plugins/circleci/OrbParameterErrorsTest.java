// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.circleci;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.testkit.platform.CiJobs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Values CircleCI's compiler lets through (the parameter exists, the type fits) but the orb cannot use: the step
 * fails with exit 2, the CLI's usage code, and a message naming the parameter and the fix, before anything reaches a
 * broker (the URL below is a closed port) and before the next step.
 */
class OrbParameterErrorsTest {

    static CircleCiOrb orb;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() throws Exception {
        orb = CircleCiOrb.load(Plugin.packed());
    }

    static Map<String, Object> execArgs() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("url", "http://127.0.0.1:9");
        a.put("secrets", "db/prod/password > DB_PASSWORD");
        a.put("command", "echo command-ran");
        return a;
    }

    CircleCiJob job() throws Exception {
        return new CircleCiJob(Files.createDirectories(dir.resolve("project")), CiJobs.circleCi("not-a-jwt", "/unused"),
                null);
    }

    /** Runs the steps and a marker step after them; returns the log after checking exit 2 and no marker. */
    String failsWithUsageError(CircleCiJob job, List<CircleCiOrb.RunStep> steps) throws Exception {
        List<CircleCiOrb.RunStep> all = new ArrayList<>(steps);
        all.add(CircleCiOrb.RunStep.of("Next", "echo next-step-ran"));
        CircleCiJob.Result r = job.run(all);
        assertThat(r.exitCode()).as(r.log()).isEqualTo(2);
        assertThat(r.log()).doesNotContain("command-ran", "next-step-ran", "Exception", "\tat ");
        return r.log();
    }

    String execFails(String parameter, Object value) throws Exception {
        Map<String, Object> args = execArgs();
        args.put(parameter, value);
        return failsWithUsageError(job(), orb.command("exec", args));
    }

    @Test
    void execWhenUrlEmptyThenNamesUrlAndShowsAnExample() throws Exception {
        assertThat(execFails("url", "")).contains("segura/exec: parameter `url` is empty: set it to the broker's"
                + " base URL, e.g. url: https://segura.example.com");
    }

    @Test
    void execWhenUrlNotHttpsThenNamesUrlAndSaysHttpsOrLoopback() throws Exception {
        assertThat(execFails("url", "http://segura.example.com")).contains("parameter `url` is"
                + " 'http://segura.example.com': it must be an https:// URL (http:// only for a broker on loopback)");
        assertThat(execFails("url", "segura.example.com")).contains("parameter `url` is 'segura.example.com'");
    }

    @Test
    void execWhenCommandEmptyThenNamesCommand() throws Exception {
        assertThat(execFails("command", "")).contains("segura/exec: parameter `command` is empty: give the command"
                + " to run with the secrets, e.g. command: ./deploy.sh");
    }

    @Test
    void execWhenTtlNotADurationThenNamesTtlAndTheFormat() throws Exception {
        assertThat(execFails("ttl", "fifteen minutes")).contains("parameter `ttl` is 'fifteen minutes': give a"
                + " duration like 15m");
    }

    @Test
    void execWhenCaCertFileMissingThenNamesCaCert() throws Exception {
        String missing = dir.resolve("no-such-ca.pem").toString();
        assertThat(execFails("ca_cert", missing)).contains("parameter `ca_cert` names '" + missing + "', which is not"
                + " a readable file");
    }

    @Test
    void fetchWhenSecretsEmptyThenNamesSecrets() throws Exception {
        Map<String, Object> args = execArgs();
        args.remove("command");
        args.put("secrets", "");
        assertThat(failsWithUsageError(job(), orb.command("fetch", args)))
                .contains("segura/fetch: parameter `secrets` is empty: list what to fetch");
    }

    @Test
    void fetchWhenNoBashEnvThenSaysItMustRunInACircleciJob() throws Exception {
        Map<String, Object> args = execArgs();
        args.remove("command");
        List<CircleCiOrb.RunStep> steps = new ArrayList<>();
        for (CircleCiOrb.RunStep s : orb.command("fetch", args)) {
            Map<String, String> env = new LinkedHashMap<>(s.environment());
            env.put("BASH_ENV", "");
            steps.add(new CircleCiOrb.RunStep(s.name(), s.command(), env, s.when()));
        }
        assertThat(failsWithUsageError(job(), steps)).contains("segura/fetch: BASH_ENV is not set",
                "run fetch as a step of a CircleCI job");
    }

    @Test
    void execWhenImageHasNoSeguraCliThenSaysWhichExecutorToUse() throws Exception {
        assertThat(failsWithUsageError(job().withoutCli(), orb.command("exec", execArgs())))
                .contains("segura-cli is not on the PATH: run the job in the orb's executor (executor:"
                        + " segura/default)");
    }

    @Test
    void deployGateWhenUrlEmptyThenNamesUrl() throws Exception {
        assertThat(failsWithUsageError(job(), orb.job("deploy-gate", Map.of("url", ""))))
                .contains("segura/deploy-gate: parameter `url` is empty");
    }
}
