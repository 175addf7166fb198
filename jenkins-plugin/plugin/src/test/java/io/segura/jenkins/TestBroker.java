// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins;

import com.cloudbees.plugins.credentials.CredentialsScope;
import com.cloudbees.plugins.credentials.SecretBytes;
import com.cloudbees.plugins.credentials.SystemCredentialsProvider;
import com.cloudbees.plugins.credentials.impl.CertificateCredentialsImpl;
import com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl;
import io.segura.testkit.broker.BrokerLauncher;
import io.segura.testkit.tls.TestIdentity;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A live https broker (real PostgreSQL, mTLS with {@code client-auth: want}) for the JenkinsRule tests, and the
 * Jenkins side of it: the global configuration and the credentials a job uses.
 */
final class TestBroker implements AutoCloseable {

    static final String CLIENT_ID = "jenkins-ci";
    static final String CLIENT_SECRET = "jenkins-ci-client-secret-0123456789";
    static final String PASSWORD = "pa55-w0rd-for-jenkins";
    /** Jenkins resolves ${…} in freestyle build variables: the value must arrive unchanged. */
    static final String DOLLAR = "d0llar-$HOME-$$-${BUILD_ID}-x";
    static final String KEY = "-----BEGIN KEY-----\nline-two-of-the-jenkins-key\nline-three-tail\n-----END KEY-----";

    final BrokerLauncher broker;
    final TestIdentity server;
    final TestIdentity client;

    private TestBroker(BrokerLauncher broker, TestIdentity server, TestIdentity client) {
        this.broker = broker;
        this.server = server;
        this.client = client;
    }

    /** @param extraYaml more trust config (issuers, roles) appended to the client roles */
    static TestBroker start(String owner, String issuersYaml, String extraRolesYaml) throws Exception {
        Path dir = Files.createTempDirectory("segura-jenkins-plugin");
        TestIdentity server = TestIdentity.create("server", "CN=127.0.0.1", dir);
        TestIdentity client = TestIdentity.create("jenkins-mtls", "CN=jenkins-mtls,O=Acme", dir);
        Path trust = TestIdentity.trusting(dir.resolve("trust.p12"), "trustpass", client);
        String config = issuersYaml + String.join("\n",
                "roles:",
                "  - name: deploy",
                "    clients: [jenkins-ci, jenkins-mtls]",
                "    secrets: [\"db/prod/*\", \"tls/prod/*\"]",
                extraRolesYaml,
                "clients:",
                "  - id: jenkins-ci",
                "    secret-sha256: \"" + sha256(CLIENT_SECRET) + "\"",
                "  - id: jenkins-mtls",
                "    mtls-subject: \"CN=jenkins-mtls, O=Acme\"",
                "");
        BrokerLauncher broker = BrokerLauncher.builder().owner(owner).config(config).tls(server, trust, "trustpass")
                .start();
        broker.putSecret("db/prod/password", PASSWORD);
        broker.putSecret("tls/prod/key", KEY);
        broker.putSecret("db/prod/dollar", DOLLAR);
        return new TestBroker(broker, server, client);
    }

    /** Manage Jenkins » System » Segura, and the credentials: a client secret and the client certificate. */
    void configure(String defaultCredentialsId) throws Exception {
        SeguraGlobalConfiguration config = SeguraGlobalConfiguration.get();
        config.setBrokerUrl(broker.url().toString());
        config.setCaCertificate(server.certificatePem());
        config.setCredentialsId(defaultCredentialsId);
        SystemCredentialsProvider store = SystemCredentialsProvider.getInstance();
        store.getCredentials().add(new UsernamePasswordCredentialsImpl(CredentialsScope.GLOBAL, "segura-client",
                "Segura client jenkins-ci", CLIENT_ID, CLIENT_SECRET));
        store.getCredentials().add(new CertificateCredentialsImpl(CredentialsScope.GLOBAL, "segura-cert",
                "Segura client certificate", client.password(), new CertificateCredentialsImpl.UploadedKeyStoreSource(
                        SecretBytes.fromBytes(Files.readAllBytes(client.keyStore())))));
        store.save();
    }

    List<Map<String, Object>> activeLeases(String subject) throws Exception {
        return broker.leases(true, subject);
    }

    static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public void close() throws Exception {
        broker.close();
    }
}
