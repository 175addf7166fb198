// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.jenkins.library;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The simulator's steps behave as Jenkins documents them, so what the library tests prove holds for the steps they
 * stand in for. Runs Jenkinsfiles with an empty library (no broker).
 */
class PipelineSimulatorTest {

    @TempDir
    Path work;

    PipelineSimulator simulator() throws IOException {
        Path library = Files.createDirectories(work.resolve("library"));
        Files.createDirectories(library.resolve("vars"));
        Files.createDirectories(library.resolve("src"));
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", System.getenv("PATH"));
        env.put("BUILD_NUMBER", "42");
        return new PipelineSimulator(library, work.resolve("ws"), env).usernamePassword("up", "user-x", "pass-word-x")
                .secretText("txt", "secret-text-x");
    }

    @Test
    void shWhenStringAndNamedFormsThenRunsRealShellWithJenkinsSemantics() throws Exception {
        PipelineSimulator.Result r = simulator().run("""
                sh 'echo "to-log $BUILD_NUMBER"; echo to-stderr >&2'
                def out = sh(script: 'echo out; echo err-not-captured >&2', returnStdout: true)
                def status = sh(script: 'exit 3', returnStatus: true)
                sh label: 'labelled', script: 'echo labelled-ran'
                sh '''#!/bin/sh
                echo "shebang-no-trace"
                '''
                [out: out, status: status]
                """);

        assertThat(r.failure()).as(r.log()).isNull();
        assertThat(r.value()).isEqualTo(Map.of("out", "out\n", "status", 3));
        assertThat(r.log()).contains("+ echo to-log 42", "to-log 42", "to-stderr", "err-not-captured",
                "[Pipeline] sh (labelled)", "labelled-ran", "shebang-no-trace")
                .doesNotContain("+ echo shebang-no-trace").doesNotContain("\nout\n");
    }

    @Test
    void shWhenNonZeroThenAbortsWithExitCodeAndStopsTheScript() throws Exception {
        PipelineSimulator.Result r = simulator().run("""
                sh 'false'
                echo 'not reached'
                """);

        assertThat(r.failure()).isInstanceOf(PipelineSimulator.AbortException.class)
                .hasMessage("script returned exit code 1");
        assertThat(r.log()).doesNotContain("not reached").endsWith("Finished: FAILURE\n");
    }

    @Test
    void withEnvWhenNestedAndFailingThenScopedAndRestored() throws Exception {
        PipelineSimulator.Result r = simulator().run("""
                env.RUN_WIDE = 'run'
                try {
                    withEnv(['A=outer', 'PATH+EXTRA=/opt/extra/bin']) {
                        withEnv(['A=inner']) {
                            sh 'echo "a=$A run=$RUN_WIDE"; echo "path=$PATH"'
                            echo "groovy sees ${env.A}"
                        }
                        error 'boom'
                    }
                } catch (e) {
                    echo "caught ${e.message}"
                }
                echo "after: ${env.A}"
                sh 'echo "sh after: [$A]"'
                """);

        assertThat(r.failure()).as(r.log()).isNull();
        assertThat(r.log()).contains("a=inner run=run", "path=/opt/extra/bin:", "groovy sees inner", "caught boom",
                "after: null", "sh after: []");
    }

    @Test
    void withCredentialsWhenBoundThenVariablesInBlockAndValuesMaskedInLog() throws Exception {
        PipelineSimulator.Result r = simulator().run("""
                withCredentials([usernamePassword(credentialsId: 'up', usernameVariable: 'U', passwordVariable: 'P'),
                                 string(credentialsId: 'txt', variable: 'T')]) {
                    sh 'echo "u=$U p=$P t=$T"'
                }
                sh 'echo "outside=[$P]"'
                withCredentials([string(credentialsId: 'nope', variable: 'X')]) {
                    echo 'not reached'
                }
                """);

        assertThat(r.log()).contains("u=**** p=**** t=****", "outside=[]").doesNotContain("pass-word-x",
                "secret-text-x", "not reached");
        assertThat(r.failure()).hasMessage("Could not find credentials entry with ID 'nope'");
    }

    @Test
    void closureWhenDelegateFirstThenShResolvesOnDelegateAlsoFromNestedBlocks() throws Exception {
        Path library = work.resolve("library");
        PipelineSimulator sim = simulator();
        Files.writeString(library.resolve("vars/wrapped.groovy"), """
                def call(Closure body) {
                    body.resolveStrategy = Closure.DELEGATE_FIRST
                    body.delegate = new Wrapper(steps: this)
                    body()
                }
                class Wrapper {
                    def steps
                    def sh(String s) { steps.sh('echo wrapped: ' + s) }
                }
                """);
        PipelineSimulator.Result r = sim.run("""
                def method() { sh 'echo from-method' }
                wrapped {
                    sh 'direct'
                    stage('s') { dir('d') { sh 'nested' } }
                    method()
                }
                sh 'echo outside'
                """);

        assertThat(r.failure()).as(r.log()).isNull();
        assertThat(r.log()).contains("wrapped: direct", "wrapped: nested", "\nfrom-method\n", "\noutside\n")
                .doesNotContain("wrapped: echo");
    }

    @Test
    void filesAndPwdWhenUsedThenRelativeToCurrentDirectory() throws Exception {
        PipelineSimulator.Result r = simulator().run("""
                writeFile file: 'a/b.txt', text: 'hello'
                def seen = [readFile('a/b.txt'), fileExists('a/b.txt'), fileExists('nope'), isUnix()]
                dir('a') {
                    seen << readFile(file: 'b.txt')
                    seen << pwd().endsWith('/ws/a')
                }
                seen << pwd(tmp: true).endsWith('/ws@tmp')
                seen
                """);

        assertThat(r.failure()).as(r.log()).isNull();
        assertThat(r.value()).isEqualTo(java.util.List.of("hello", true, false, true, "hello", true, true));
    }
}
