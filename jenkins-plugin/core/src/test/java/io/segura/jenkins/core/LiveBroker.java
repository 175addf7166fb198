// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins.core;

import io.segura.client.RetryPolicy;
import io.segura.testkit.broker.BrokerLauncher;
import io.segura.testkit.oidc.Fixtures;
import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.postgres.TestDatabase;
import io.segura.testkit.tls.TestIdentity;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One real broker for the module's tests: {@code broker/target/segura-broker.jar} on real PostgreSQL, serving https
 * with client-certificate authentication ({@code client-auth: want}) as a production broker for Jenkins would, and
 * an OIDC issuer simulator standing in for Jenkins' oidc-provider issuer ({@code ${JENKINS_URL}oidc}, preset
 * {@code jenkins}). Started once per test JVM (JUnit's root store closes it at the end): a broker start costs
 * seconds. Tests assert on their own lease ids, so they do not see each other's leases.
 */
@SuppressWarnings("deprecation") // CloseableResource: closed by every JUnit 5.x/6.x, unlike a plain AutoCloseable
final class LiveBroker implements ExtensionContext.Store.CloseableResource {

    static final String AUDIENCE = "https://segura.example.com";
    static final String JOB_URL = "https://jenkins.example.com/job/team/job/app/job/main/";
    static final String CLIENT_ID = "jenkins-ci";
    static final String CLIENT_SECRET = "jenkins-ci-client-secret-0123456789";
    static final String OTHER_CLIENT_SECRET = "other-client-secret-9876543210";
    static final String PASSWORD = "pa55-w0rd-for-jenkins";
    static final String KEY = "-----BEGIN KEY-----\nline-two-of-the-jenkins-key\nline-three-tail\n-----END KEY-----";
    /** JSON- and URL-encoding change it: quotes, backslash, slash, ampersand, space, plus, equals. */
    static final String TOKEN = "t0k\"en\\with/sp&ce s+=";
    static final List<String> VALUES = List.of(PASSWORD, KEY, TOKEN);
    static final String ALL_SECRETS = "db/prod/password > DB_PASSWORD\ntls/prod/key > TLS_KEY\napi/token > API_TOKEN";

    /** The dynamic database engine's name; its users are created in {@link #target}. */
    static final String DYNAMIC = "db/app-pg";
    /** The SSH certificate authority's name, and the one principal its certificates carry. */
    static final String SSH = "ssh/deploy";
    static final String SSH_PRINCIPAL = "jenkins-deploy";

    final BrokerLauncher broker;
    final TestDatabase target;
    final IssuerSimulator issuer;
    final TestIdentity server;
    final TestIdentity mtlsClient;
    final TestIdentity stranger;
    final Path dir;
    final AtomicInteger mints = new AtomicInteger();
    private boolean closed;

    private LiveBroker(BrokerLauncher broker, TestDatabase target, IssuerSimulator issuer, TestIdentity server,
            TestIdentity mtlsClient, TestIdentity stranger, Path dir) {
        this.broker = broker;
        this.target = target;
        this.issuer = issuer;
        this.server = server;
        this.mtlsClient = mtlsClient;
        this.stranger = stranger;
        this.dir = dir;
    }

    static LiveBroker start() throws Exception {
        Path dir = Files.createTempDirectory("segura-jenkins-core");
        TestIdentity server = TestIdentity.create("server", "CN=127.0.0.1", dir);
        TestIdentity client = TestIdentity.create("jenkins-mtls", "CN=jenkins-mtls,O=Acme", dir);
        TestIdentity stranger = TestIdentity.create("stranger", "CN=stranger,O=Elsewhere", dir);
        Path trust = TestIdentity.trusting(dir.resolve("trust.p12"), "trustpass", client, stranger);
        // the database the dynamic engine creates its users in (the real PostgreSQL, trust auth)
        TestDatabase target = TestDatabase.create("JenkinsCoreDynamic");
        IssuerSimulator issuer = IssuerSimulator.builder().path("/oidc").start();
        BrokerLauncher broker;
        try {
            broker = BrokerLauncher.builder().owner("JenkinsCoreTest").config(config(issuer.issuer(), target))
                    .tls(server, trust, "trustpass").start();
        } catch (Exception | Error e) {
            issuer.close();
            target.drop();
            throw e;
        }
        broker.putSecret("db/prod/password", PASSWORD);
        broker.putSecret("tls/prod/key", KEY);
        broker.putSecret("api/token", TOKEN);
        broker.putSecret("db/staging/password", "staging-only-password");
        broker.putSecret("dynamic/pg-admin", "trust-auth-ignores-it");
        return new LiveBroker(broker, target, issuer, server, client, stranger, dir);
    }

    /**
     * The README's roles: one bound to a client secret and a certificate subject, one to the Jenkins issuer; the
     * first may also request the PostgreSQL dynamic secret {@link #DYNAMIC} and SSH certificates of {@link #SSH}, as
     * in docs/DYNAMIC-SECRETS.md.
     */
    static String config(String issuerUrl, TestDatabase target) throws Exception {
        return String.join("\n",
                "issuers:",
                "  - name: jenkins",
                "    preset: jenkins",
                "    issuer: " + issuerUrl,
                "    audiences: [\"" + AUDIENCE + "\"]",
                "roles:",
                "  - name: deploy",
                "    clients: [jenkins-ci, jenkins-mtls]",
                "    secrets: [\"db/prod/*\", \"tls/prod/*\", \"api/*\"]",
                "    dynamic: [" + DYNAMIC + ", " + SSH + "]",
                "    session-ttl: 10m",
                "    max-lease-ttl: 30m",
                "  - name: deploy-oidc",
                "    issuers: [jenkins]",
                "    bound-claims:",
                "      sub: \"" + JOB_URL + "\"",
                "    secrets: [\"db/prod/*\", \"tls/prod/*\", \"api/*\"]",
                "  - name: capped",
                "    clients: [jenkins-ci]",
                "    secrets: [\"db/prod/*\"]",
                "    max-lease-ttl: 1m",
                "  - name: nightly",
                "    clients: [other-client]",
                "    secrets: [\"db/staging/*\"]",
                "  - name: gated",
                "    clients: [jenkins-ci]",
                "    secrets: [\"db/prod/*\"]",
                "    policies: [release-freeze]",
                "policies:",
                "  - name: release-freeze",
                "    mode: enforce",
                "    deny-if:",
                "      - expr: 'true'",
                "        message: \"releases are frozen for this test\"",
                "clients:",
                "  - id: jenkins-ci",
                "    secret-sha256: \"" + sha256(CLIENT_SECRET) + "\"",
                "  - id: other-client",
                "    secret-sha256: \"" + sha256(OTHER_CLIENT_SECRET) + "\"",
                "  - id: jenkins-mtls",
                "    mtls-subject: \"CN=jenkins-mtls, O=Acme\"",
                "dynamic:",
                "  postgresql:",
                target.postgresqlEngineYaml(DYNAMIC),
                "      max-ttl: 30m",
                "  ssh:",
                "    - name: " + SSH,
                "      ca-key-secret: ssh/ca/deploy",
                "      principals: [" + SSH_PRINCIPAL + "]",
                "      max-ttl: 15m",
                "");
    }

    static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    /** The plugin's global configuration for this broker: its URL and its CA as PEM text. */
    BrokerSettings settings() throws BindingException {
        return BrokerSettings.of(broker.url().toString(), server.certificatePem())
                .withRetry(new RetryPolicy(2, Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofSeconds(5)));
    }

    /**
     * The credentials a Jenkins job could see, by id, as the adapter's {@code CredentialsProvider} lookup returns
     * them: a "Username with password", a "Certificate" (the PKCS#12 file), an oidc-provider id token (minted fresh
     * on each read, with the fixture's claims for this job), and a credential of the other client.
     */
    CredentialLookup credentials() {
        return id -> {
            switch (id) {
                case "segura-client":
                    return Optional.of(new JobIdentity.ClientSecret(CLIENT_ID, CLIENT_SECRET));
                case "segura-wrong-secret":
                    return Optional.of(new JobIdentity.ClientSecret(CLIENT_ID, "not-the-secret-of-jenkins-ci"));
                case "segura-other":
                    return Optional.of(new JobIdentity.ClientSecret("other-client", OTHER_CLIENT_SECRET));
                case "segura-cert":
                    return Optional.of(new JobIdentity.KeyStoreCertificate(load(mtlsClient),
                            mtlsClient.password().toCharArray()));
                case "segura-stranger-cert":
                    return Optional.of(new JobIdentity.KeyStoreCertificate(load(stranger),
                            stranger.password().toCharArray()));
                case "segura-id-token":
                    return Optional.of(new JobIdentity.IdToken(() -> {
                        mints.incrementAndGet();
                        Map<String, Object> claims = new LinkedHashMap<>(Fixtures.claims("jenkins"));
                        claims.keySet().removeAll(List.of("iss", "iat", "exp"));
                        claims.put("aud", AUDIENCE);
                        return issuer.mint(claims);
                    }));
                case "segura-id-token-other-audience":
                    return Optional.of(new JobIdentity.IdToken(() -> {
                        Map<String, Object> claims = new LinkedHashMap<>(Fixtures.claims("jenkins"));
                        claims.keySet().removeAll(List.of("iss", "iat", "exp"));
                        claims.put("aud", "https://elsewhere.example.com");
                        return issuer.mint(claims);
                    }));
                case "segura-empty-token":
                    return Optional.of(new JobIdentity.IdToken(() -> " "));
                default:
                    return Optional.empty();
            }
        };
    }

    private static KeyStore load(TestIdentity identity) throws java.io.IOException {
        try (InputStream in = Files.newInputStream(identity.keyStore())) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, identity.password().toCharArray());
            return ks;
        } catch (java.security.GeneralSecurityException e) {
            throw new java.io.IOException("test key store does not load", e);
        }
    }

    /** Whether the broker lists {@code leaseId} among the active leases. */
    boolean active(String leaseId) throws Exception {
        return broker.leases(true, null).stream().anyMatch(l -> leaseId.equals(l.get("lease_id")));
    }

    /** The lease as the admin API shows it (any state). */
    Map<String, Object> lease(String leaseId) throws Exception {
        return broker.leases(false, null).stream().filter(l -> leaseId.equals(l.get("lease_id"))).findFirst()
                .orElseThrow(() -> new AssertionError("no lease " + leaseId));
    }

    @Override
    public synchronized void close() throws Exception {
        if (closed) {
            return;
        }
        closed = true;
        try {
            broker.close();
        } finally {
            try {
                issuer.close();
            } finally {
                target.drop();
            }
        }
    }

    /** Resolves a {@code LiveBroker} parameter, starting the shared broker on first use. */
    static final class Resolver implements ParameterResolver {
        @Override
        public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
            return p.getParameter().getType() == LiveBroker.class;
        }

        @Override
        public Object resolveParameter(ParameterContext p, ExtensionContext e) {
            return e.getRoot().getStore(ExtensionContext.Namespace.create(LiveBroker.class))
                    .getOrComputeIfAbsent(LiveBroker.class, k -> {
                        try {
                            return start();
                        } catch (RuntimeException ex) {
                            throw ex; // e.g. JUnit's abort when PostgreSQL is absent and not required
                        } catch (Exception ex) {
                            throw new IllegalStateException("the test broker did not start: " + ex.getMessage(), ex);
                        }
                    }, LiveBroker.class);
        }
    }
}
