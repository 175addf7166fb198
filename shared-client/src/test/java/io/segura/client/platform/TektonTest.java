// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segura.testkit.oidc.Fixtures;
import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.platform.CiJobs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TektonTest {

    private static IssuerSimulator issuer;

    @TempDir
    Path dir;

    private final Tekton tekton = new Tekton();

    @BeforeAll
    static void startIssuer() {
        issuer = IssuerSimulator.start();
    }

    @AfterAll
    static void stopIssuer() {
        issuer.close();
    }

    /** A kubelet-projected token file (the kubelet writes it 0644 into a tmpfs volume). */
    private Path projectToken(Path file, String podUid) throws IOException {
        Map<String, Object> claims = Fixtures.claims("kubernetes");
        claims.remove("iat");
        claims.remove("nbf");
        claims.remove("exp");
        if (podUid != null) {
            claims.put("kubernetes.io", Map.of("namespace", "ci",
                    "pod", Map.of("name", "deploy-run-abc12-deploy-pod", "uid", podUid),
                    "serviceaccount", Map.of("name", "tekton-deployer", "uid", "a709ef71")));
        }
        Files.createDirectories(file.getParent());
        Files.writeString(file, issuer.mint(claims));
        return file;
    }

    @Test
    void detectWhenTokenFileVariableOrDefaultProjectionThenDetected() throws IOException {
        Path token = projectToken(dir.resolve("segura/token"), null);

        assertThat(tekton.detect(TestJobs.job(CiJobs.tekton(token, null), dir).env)).isTrue();
        Tekton withDefault = new Tekton(token);
        assertThat(withDefault.detect(TestJobs.job(CiJobs.tekton(null, null), dir).env)).isTrue();
        Tekton withoutProjection = new Tekton(dir.resolve("absent/token"));
        assertThat(withoutProjection.detect(TestJobs.job(CiJobs.tekton(null, null), dir).env))
                .as("any pod has KUBERNETES_SERVICE_HOST; only the projected token marks a Segura step").isFalse();
    }

    @Test
    void identityThenReadsTheFileAgainEachTimeBecauseTheKubeletRotatesIt() throws Exception {
        Path token = projectToken(dir.resolve("segura/token"), "uid-1");
        var env = TestJobs.job(CiJobs.tekton(token, null), dir).env;

        String first = TestJobs.jwt(tekton.identity(env, null));
        projectToken(token, "uid-2");
        String second = TestJobs.jwt(tekton.identity(env, null));

        assertThat(first).isNotEqualTo(second);
        assertThat(second).isEqualTo(Files.readString(token));
        assertThat(TestJobs.verified(issuer, second).getSubject())
                .isEqualTo("system:serviceaccount:ci:tekton-deployer");
    }

    @Test
    void identityWhenNoProjectedTokenThenSaysHowToProjectIt() {
        Tekton withDefault = new Tekton(dir.resolve("segura/token"));
        var env = TestJobs.job(CiJobs.tekton(null, null), dir).env;

        assertThatThrownBy(() -> withDefault.identity(env, "https://segura.example.com"))
                .isInstanceOf(PlatformException.class)
                .hasMessageContaining("serviceAccountToken")
                .hasMessageContaining("audience: https://segura.example.com");
    }

    @Test
    void exportThenOneOwnerOnlyFilePerValueInTheSecretsWorkspace() throws Exception {
        Path secrets = Files.createDirectory(dir.resolve("secrets"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxrwxrwx")));
        TestJobs job = TestJobs.job(CiJobs.tekton(dir.resolve("token"), secrets), dir);
        String pem = TestJobs.pemPrivateKey();

        assertThat(tekton.maskNatively(job.env, pem)).isFalse();
        tekton.export(job.env, "TLS_KEY", pem);
        tekton.export(job.env, "TLS_KEY", "replaced");

        TestJobs.assertOwnerOnly(secrets.resolve("TLS_KEY"));
        assertThat(Files.readString(secrets.resolve("TLS_KEY"))).isEqualTo("replaced");
        try (var files = Files.list(secrets)) {
            assertThat(files).containsExactly(secrets.resolve("TLS_KEY"));
        }
    }

    @Test
    void exportWhenNoSecretsWorkspaceThenRefusedNeverAResult() {
        var env = TestJobs.job(CiJobs.tekton(dir.resolve("token"), null), dir).env;

        assertThatThrownBy(() -> tekton.export(env, "X", "v"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("medium: Memory")
                .hasMessageContaining("never go into Tekton results");
    }

    @Test
    void exportWhenNameWouldEscapeTheDirectoryThenRejected() {
        var env = TestJobs.job(CiJobs.tekton(dir.resolve("token"), dir), dir).env;

        assertThatThrownBy(() -> tekton.export(env, "../x", "v")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void describeThenClaimsFactsAndNeverTheToken() throws Exception {
        Path token = projectToken(dir.resolve("segura/token"), "900f80ed-1c2d");

        Map<String, String> facts = tekton.describe(TestJobs.job(CiJobs.tekton(token, null), dir).env);

        assertThat(facts).containsEntry("platform", "tekton")
                .containsEntry("owner", "ci")
                .containsEntry("pipeline", "tekton-deployer")
                .containsEntry("run_id", "900f80ed-1c2d")
                .containsEntry("subject", "system:serviceaccount:ci:tekton-deployer");
        assertThat(String.join("\n", facts.values())).doesNotContain(Files.readString(token));
    }
}
