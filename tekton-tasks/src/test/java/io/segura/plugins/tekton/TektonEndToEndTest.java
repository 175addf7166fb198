// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.tekton;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.tekton.pipeline.v1.Task;
import io.segura.testkit.broker.BrokerLauncher;
import io.segura.testkit.cli.CliBuild;
import io.segura.testkit.oidc.Fixtures;
import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.platform.CiJobs;
import io.segura.testkit.postgres.TestDatabase;
import io.segura.testkit.tls.TestIdentity;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Task and the StepAction run as a TaskRun pod runs them ({@link PodRun}): a projected ServiceAccount token
 * file with the broker's audience in the identity workspace, a secrets workspace, against a live broker whose role
 * is the README's (namespace + ServiceAccount uid); over plain loopback HTTP, or over TLS through {@link TlsFront}
 * with a self-signed certificate that only the CA workspace (a mounted ConfigMap's {@code ca.crt}) makes trusted.
 */
class TektonEndToEndTest {

    static final String AUDIENCE = "https://segura.example.com";
    static final String PASSWORD = "pa55-w0rd-for-tekton";
    static final String KEY = "-----BEGIN KEY-----\nline-two-of-the-tekton-key\nline-three-tail\n-----END KEY-----";

    static IssuerSimulator issuer;
    static BrokerLauncher broker;
    static TestIdentity tls;
    static TlsFront front;
    /** The database the dynamic secret db/app makes its PostgreSQL users in (real PostgreSQL). */
    static TestDatabase appDb;

    @TempDir
    static Path tlsDir;

    @TempDir
    Path work;

    @BeforeAll
    static void startBroker() throws Exception {
        issuer = IssuerSimulator.start();
        appDb = TestDatabase.create("TektonDynamic");
        broker = BrokerLauncher.builder().owner("TektonEndToEndTest").config(String.join("\n",
                "issuers:",
                "  - name: cluster",
                "    preset: kubernetes",
                "    issuer: " + issuer.issuer(),
                "    audiences: [\"" + AUDIENCE + "\"]",
                "roles:",
                "  - name: deploy-prod",
                "    issuers: [cluster]",
                "    bound-claims:",
                "      kubernetes.io.namespace: ci",
                "      kubernetes.io.serviceaccount.uid: a709ef71-2b3c-4d5e-8f9a-0b1c2d3e4f5a",
                "    secrets: [\"db/prod/*\", \"tls/prod/*\"]",
                "    dynamic: [db/app]",
                "    session-ttl: 10m",
                "    max-lease-ttl: 30m",
                "dynamic:",
                "  postgresql:",
                appDb.postgresqlEngineYaml("db/app"),
                "")).start();
        broker.putSecret("dynamic/pg-admin", "trust-auth-ignores-it");
        broker.putSecret("db/prod/password", PASSWORD);
        broker.putSecret("tls/prod/key", KEY);
        tls = TestIdentity.create("segura-ingress", "CN=127.0.0.1,O=Segura test CA", tlsDir);
        front = TlsFront.start(tls, broker.url());
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (front != null) {
            front.close();
        }
        if (broker != null) {
            broker.close();
        }
        if (issuer != null) {
            issuer.close();
        }
        if (appDb != null) {
            appDb.drop();
        }
    }

    /** What the kubelet writes for {@code serviceAccountToken: {audience, path: token}}: a bound SA token. */
    @SuppressWarnings("unchecked")
    static Path projectedToken(Path dir, String podName) throws Exception {
        Map<String, Object> claims = new LinkedHashMap<>(Fixtures.claims("kubernetes"));
        claims.put("aud", List.of(AUDIENCE));
        Map<String, Object> k8s = new LinkedHashMap<>((Map<String, Object>) claims.get("kubernetes.io"));
        k8s.put("pod", Map.of("name", podName, "uid", java.util.UUID.randomUUID().toString()));
        claims.put("kubernetes.io", k8s);
        claims.remove("iss");
        claims.remove("iat");
        claims.remove("nbf");
        claims.remove("exp");
        Files.createDirectories(dir);
        Path token = dir.resolve("token");
        Files.writeString(token, issuer.mint(claims), StandardCharsets.UTF_8);
        return token;
    }

    static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    static void assertNoSecretInLog(String log) {
        for (String secret : new String[] {PASSWORD, KEY}) {
            secret.lines().filter(l -> l.length() >= 4).forEach(l -> assertThat(log).doesNotContain(l));
        }
    }

    static String subject() {
        return String.valueOf(Fixtures.claims("kubernetes").get("sub"));
    }

    /** The newest lease the broker issued to the Tekton subject (its audit event). */
    static String newestLeaseId() throws Exception {
        return (String) broker.events("lease.issued", subject()).get(0).get("lease_id");
    }

    /** What a ConfigMap {@code segura-ca} with key {@code ca.crt} mounted as the ca-certificate workspace holds. */
    Path caWorkspace() throws Exception {
        Path dir = Files.createDirectories(work.resolve("ws-ca-certificate"));
        Files.writeString(dir.resolve("ca.crt"), tls.certificatePem(), StandardCharsets.US_ASCII);
        return dir;
    }

    PodRun.Result runTask(String script, Path secretsDir) throws Exception {
        return runTask(script, secretsDir, broker.url().toString(), null);
    }

    PodRun.Result runTask(String script, Path secretsDir, String url, Path caWorkspace) throws Exception {
        return runTask(script, secretsDir, url, caWorkspace, "db/prod/password > DB_PASSWORD\ntls/prod/key > TLS_KEY");
    }

    PodRun.Result runTask(String script, Path secretsDir, String url, Path caWorkspace, String secrets)
            throws Exception {
        Task task = TektonModels.task(Plugin.TASK);
        Path identity = work.resolve("ws-identity");
        projectedToken(identity, "deploy-run-" + work.getFileName());
        Map<String, String> params = new LinkedHashMap<>();
        params.put("url", url);
        params.put("role", "deploy-prod");
        params.put("audience", AUDIENCE);
        params.put("secrets", secrets);
        params.put("run-image", "alpine:3");
        params.put("run-script", script);
        Map<String, Path> workspaces = new LinkedHashMap<>(Map.of("identity", identity, "secrets", secretsDir));
        if (caWorkspace != null) {
            workspaces.put("ca-certificate", caWorkspace);
        }
        PodRun pod = new PodRun(work, task.getSpec().getParams(), params, task.getSpec().getWorkspaces(), workspaces,
                CiJobs.tekton(null, null));
        assertThat(pod.substitute(task.getSpec().getSteps().get(0).getImage()))
                .isEqualTo("ghcr.io/segura-ci/segura-cli:0.1.0");
        return pod.run(task.getSpec().getSteps(), task.getSpec().getStepTemplate(), CliBuild.jar(),
                CliBuild.imageBin());
    }

    @Test
    void taskWhenRunThenScriptReadsSecretFilesAndSessionRevokedAfterwards() throws Exception {
        Path secrets = Files.createDirectories(work.resolve("ws-secrets"));
        int before = broker.events("session.revoked", subject()).size();
        PodRun.Result r = runTask("sha256sum < \"$SEGURA_SECRETS_DIR/DB_PASSWORD\";"
                + " sha256sum < \"$SEGURA_SECRETS_DIR/TLS_KEY\"; stat -c 'mode=%a' \"$SEGURA_SECRETS_DIR/DB_PASSWORD\";"
                + " echo \"ca=${SEGURA_CA_CERT-unset}\"", secrets);

        assertThat(r.exitCode()).as(r.log()).isZero();
        // The files hold exactly the value (no trailing newline): sha256 of the value itself.
        assertThat(r.log()).contains(sha256(PASSWORD), sha256(KEY), "mode=600", "session revoked", "ca=unset");
        assertNoSecretInLog(r.log());
        assertThat(r.results()).containsOnlyKeys("lease-id").containsEntry("lease-id", newestLeaseId());
        assertThat(r.results().values()).allSatisfy(v -> assertThat(v).doesNotContain(PASSWORD, KEY));
        assertThat(broker.leases(true, subject())).isEmpty();
        assertThat(broker.events("session.revoked", subject())).hasSize(before + 1);
        try (var files = Files.list(secrets)) {
            for (Path f : files.toList()) {
                assertThat(Files.size(f)).as("after revoke " + f).isZero();
            }
        }
    }

    /**
     * A TaskRun whose {@code secrets} include {@code dynamic:db/app > DATABASE_URL}: the script logs in with a real
     * {@code psql} and prints {@code current_user} (a user name, no secret); the test keeps the URL it read (outside
     * the pod's log) to check the log never shows it.
     */
    record DynamicRun(PodRun.Result result, String url, String user, String password) {
    }

    DynamicRun runDynamicTask(String secrets) throws Exception {
        Path secretsDir = Files.createDirectories(work.resolve("ws-secrets"));
        Path seen = work.resolve("url-the-script-read");
        PodRun.Result r = runTask("cp \"$SEGURA_SECRETS_DIR/DATABASE_URL\" '" + seen + "';"
                + " echo \"login=$(psql \"$(cat \"$SEGURA_SECRETS_DIR/DATABASE_URL\")\" -Atc 'select current_user')\";"
                + " stat -c 'mode=%a' \"$SEGURA_SECRETS_DIR/DATABASE_URL\"", secretsDir, broker.url().toString(), null,
                secrets);
        assertThat(r.exitCode()).as(r.log()).isZero();
        String url = Files.readString(seen, StandardCharsets.UTF_8);
        String userInfo = URI.create(url).getRawUserInfo();
        assertThat(userInfo).as("a user and a password in the URL").contains(":");
        String user = userInfo.substring(0, userInfo.indexOf(':'));
        String password = userInfo.substring(userInfo.indexOf(':') + 1);
        // the script's real psql login as the dynamic user, with the file 0600
        assertThat(r.log()).contains("login=" + user, "mode=600", "session revoked");
        assertThat(r.log()).doesNotContain(url, password);
        assertNoSecretInLog(r.log());
        // after the revoke step the file is empty, and the user is gone from the server
        assertThat(Files.size(secretsDir.resolve("DATABASE_URL"))).as("DATABASE_URL after revoke").isZero();
        assertThat(roleExists(user)).as("the revoke step dropped " + user).isFalse();
        return new DynamicRun(r, url, user, password);
    }

    static boolean roleExists(String user) throws Exception {
        try (java.sql.Connection c = appDb.connect();
                java.sql.PreparedStatement st = c.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
            st.setString(1, user);
            try (java.sql.ResultSet rs = st.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** The newest dynamic credential's lease for the Tekton subject (its audit event). */
    static String newestDynamicLeaseId() throws Exception {
        return (String) broker.events("dynamic.issued", subject()).get(0).get("lease_id");
    }

    @Test
    void taskWhenOnlyDynamicSecretThenScriptLogsInAndRevokeStepDropsTheUserOnce() throws Exception {
        int issued = broker.events("dynamic.issued", subject()).size();
        int revoked = broker.events("dynamic.revoked", subject()).size();
        int sessions = broker.events("session.revoked", subject()).size();
        DynamicRun run = runDynamicTask("dynamic:db/app > DATABASE_URL");

        assertThat(broker.events("dynamic.issued", subject())).hasSize(issued + 1);
        // no static secret, so no static lease: the result names the credential's own lease
        assertThat(run.result().results()).containsOnlyKeys("lease-id")
                .containsEntry("lease-id", newestDynamicLeaseId());
        assertThat(run.result().results().get("lease-id")).doesNotContain(run.password(), ",");
        assertThat(broker.events("dynamic.revoked", subject())).as("revoked exactly once").hasSize(revoked + 1);
        assertThat(broker.events("session.revoked", subject())).hasSize(sessions + 1);
        assertThat(broker.leases(true, subject())).isEmpty();
    }

    @Test
    void taskWhenStaticAndDynamicSecretsThenLeaseIdNamesBothLeasesAndRevokeEndsBoth() throws Exception {
        int revoked = broker.events("dynamic.revoked", subject()).size();
        int sessions = broker.events("session.revoked", subject()).size();
        DynamicRun run = runDynamicTask("db/prod/password > DB_PASSWORD\ndynamic:db/app > DATABASE_URL");

        assertThat(run.result().results()).containsOnlyKeys("lease-id")
                .containsEntry("lease-id", newestLeaseId() + "," + newestDynamicLeaseId());
        assertThat(broker.events("dynamic.revoked", subject())).as("revoked exactly once").hasSize(revoked + 1);
        assertThat(broker.events("session.revoked", subject())).hasSize(sessions + 1);
        assertThat(broker.leases(true, subject())).isEmpty();
    }

    @Test
    void taskWhenScriptFailsThenStillRevokedAndTaskFailsWithItsExitCode() throws Exception {
        Path secrets = Files.createDirectories(work.resolve("ws-secrets"));
        int before = broker.events("session.revoked", subject()).size();
        PodRun.Result r = runTask("echo deploying; exit 7", secrets);

        assertThat(r.exitCode()).as(r.log()).isEqualTo(7);
        assertThat(r.log()).contains("deploying", "session revoked");
        assertThat(broker.leases(true, subject())).isEmpty();
        assertThat(broker.events("session.revoked", subject())).hasSize(before + 1);
    }

    @Test
    void stepActionWhenRunThenCommandGetsSecretsMaskedAndSessionRevoked() throws Exception {
        TektonModels.StepAction action = TektonModels.stepAction(Plugin.STEP_ACTION);
        Path token = projectedToken(work.resolve("projected"), "exec-run-" + work.getFileName());
        Map<String, String> params = new LinkedHashMap<>();
        params.put("url", front.url().toString());
        params.put("role", "deploy-prod");
        params.put("audience", AUDIENCE);
        params.put("secrets", "db/prod/password > DB_PASSWORD; tls/prod/key > TLS_KEY");
        params.put("token-path", token.toString());
        params.put("ca-certificate-path", caWorkspace().resolve("ca.crt").toString());
        params.put("command", "echo \"pw=$DB_PASSWORD\"; printf '%s\\n' \"$TLS_KEY\"; printf %s \"$TLS_KEY\" | sha256sum");
        int before = broker.events("session.revoked", subject()).size();
        PodRun pod = new PodRun(work, action.params(), params, List.of(), Map.of(), CiJobs.tekton(null, null));
        PodRun.Result r = pod.run(List.of(action.step()), null, CliBuild.jar(), CliBuild.imageBin());

        assertThat(r.exitCode()).as(r.log()).isZero();
        assertThat(r.stepResults()).containsOnlyKeys("segura-exec/lease-id")
                .containsEntry("segura-exec/lease-id", newestLeaseId());
        // The CLI's own stderr shares the pod log with the child's masked stdout: count masks (pw, the key).
        assertThat(r.log()).contains("pw=", sha256(KEY));
        assertThat(r.log().split("\\*\\*\\*", -1).length - 1).as("masks in the log").isGreaterThanOrEqualTo(2);
        assertNoSecretInLog(r.log());
        assertThat(broker.leases(true, subject())).isEmpty();
        assertThat(broker.events("session.revoked", subject())).hasSize(before + 1);
    }

    @Test
    void stepActionWhenOnlyDynamicSecretThenCommandLogsInMaskedAndTheUserIsDroppedWhenItEnds() throws Exception {
        TektonModels.StepAction action = TektonModels.stepAction(Plugin.STEP_ACTION);
        Path token = projectedToken(work.resolve("projected"), "exec-dynamic-" + work.getFileName());
        Path seen = work.resolve("url-the-command-read");
        Map<String, String> params = new LinkedHashMap<>();
        params.put("url", broker.url().toString());
        params.put("role", "deploy-prod");
        params.put("audience", AUDIENCE);
        params.put("secrets", "dynamic:db/app > DATABASE_URL");
        params.put("token-path", token.toString());
        params.put("command", "printf %s \"$DATABASE_URL\" > '" + seen + "'; echo \"url=$DATABASE_URL\";"
                + " echo \"login=$(psql \"$DATABASE_URL\" -Atc 'select current_user')\"");
        int revoked = broker.events("dynamic.revoked", subject()).size();
        PodRun pod = new PodRun(work, action.params(), params, List.of(), Map.of(), CiJobs.tekton(null, null));
        PodRun.Result r = pod.run(List.of(action.step()), null, CliBuild.jar(), CliBuild.imageBin());

        assertThat(r.exitCode()).as(r.log()).isZero();
        String url = Files.readString(seen, StandardCharsets.UTF_8);
        String userInfo = URI.create(url).getRawUserInfo();
        String user = userInfo.substring(0, userInfo.indexOf(':'));
        String password = userInfo.substring(userInfo.indexOf(':') + 1);
        assertThat(r.log()).contains("url=***", "login=" + user).doesNotContain(url, password);
        assertThat(r.stepResults()).containsOnlyKeys("segura-exec/lease-id")
                .containsEntry("segura-exec/lease-id", newestDynamicLeaseId());
        assertThat(roleExists(user)).as("exec dropped " + user + " when the command ended").isFalse();
        assertThat(broker.events("dynamic.revoked", subject())).as("revoked exactly once").hasSize(revoked + 1);
        assertThat(broker.leases(true, subject())).isEmpty();
    }

    @Test
    void taskWhenCaWorkspaceBoundThenFetchAndRevokeTrustTheBrokersPrivateCaOverTls() throws Exception {
        Path secrets = Files.createDirectories(work.resolve("ws-secrets"));
        int before = broker.events("session.revoked", subject()).size();
        Path ca = caWorkspace();
        PodRun.Result r = runTask("sha256sum < \"$SEGURA_SECRETS_DIR/DB_PASSWORD\"; echo \"ca=$SEGURA_CA_CERT\"", secrets,
                front.url().toString(), ca);

        assertThat(r.exitCode()).as(r.log()).isZero();
        assertThat(r.log()).contains(sha256(PASSWORD), "session revoked", "ca=" + ca.resolve("ca.crt"));
        assertNoSecretInLog(r.log());
        assertThat(r.results()).containsEntry("lease-id", newestLeaseId());
        assertThat(broker.leases(true, subject())).isEmpty();
        assertThat(broker.events("session.revoked", subject())).hasSize(before + 1);
    }

    @Test
    void taskWhenBrokerHasPrivateCaButNoCaWorkspaceThenFetchRefusesTheCertificateAndScriptNeverRuns()
            throws Exception {
        Path secrets = Files.createDirectories(work.resolve("ws-secrets"));
        int issued = broker.events("lease.issued", subject()).size();
        PodRun.Result r = runTask("echo script-ran", secrets, front.url().toString(), null);

        // The JDK's refusal of the unknown issuer; the CLI reports the broker as unavailable (exit 5).
        assertThat(r.exitCode()).as(r.log()).isEqualTo(5);
        assertThat(r.log()).doesNotContain("script-ran");
        assertThat(r.log()).contains("unable to find valid certification path");
        assertThat(r.results()).doesNotContainKey("lease-id");
        assertThat(broker.events("lease.issued", subject())).hasSize(issued);
    }

    @Test
    void taskWhenServiceAccountNotBoundThenFetchFailsAndScriptNeverRuns() throws Exception {
        Path secrets = Files.createDirectories(work.resolve("ws-secrets"));
        Files.setPosixFilePermissions(secrets, PosixFilePermissions.fromString("rwx------"));
        Task task = TektonModels.task(Plugin.TASK);
        Path identity = Files.createDirectories(work.resolve("ws-identity"));
        Files.writeString(identity.resolve("token"), issuer.mint(Map.of("sub", "system:serviceaccount:other:bot",
                "aud", List.of(AUDIENCE), "kubernetes.io", Map.of("namespace", "other"))));
        PodRun pod = new PodRun(work, task.getSpec().getParams(), Map.of("url", broker.url().toString(), "role",
                "deploy-prod", "secrets", "db/prod/password > DB_PASSWORD", "run-image", "alpine:3", "run-script",
                "echo script-ran"), task.getSpec().getWorkspaces(), Map.of("identity", identity, "secrets", secrets),
                CiJobs.tekton(null, null));
        PodRun.Result r = pod.run(task.getSpec().getSteps(), task.getSpec().getStepTemplate(), CliBuild.jar(),
                CliBuild.imageBin());

        assertThat(r.exitCode()).as(r.log()).isEqualTo(4);
        assertThat(r.log()).doesNotContain("script-ran");
        assertThat(r.results()).as("no lease, no lease id").isEmpty();
        assertThat(broker.leases(false, "system:serviceaccount:other:bot")).isEmpty();
    }
}
