// SPDX-License-Identifier: Apache-2.0
package io.segura.testkit.broker;

import com.nimbusds.jose.util.JSONObjectUtils;
import io.segura.testkit.postgres.TestDatabase;
import io.segura.testkit.tls.TestIdentity;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real broker process for end-to-end tests: {@code java -jar broker/target/segura-broker.jar} against a fresh
 * PostgreSQL database ({@link TestDatabase}), with a trust config the test writes, a generated master key and admin
 * token, on a free loopback port. {@link #start()} waits for {@code /actuator/health}; {@link #close()} stops the
 * process and drops the database. A start takes several seconds: share one broker per test class.
 *
 * <p>The jar is found through the {@code segura.broker.jar} system property, {@code SEGURA_BROKER_JAR}, or by
 * walking up from the working directory to {@code broker/target/segura-broker.jar} (built by the broker module's
 * {@code package} phase, which {@code ./mvnw verify} runs before any later module's tests).
 */
public final class BrokerLauncher implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private final Process process;
    private final TestDatabase database;
    private final Path dir;
    private final URI url;
    private final String adminToken;
    private final String masterKey;
    private final String config;
    private final boolean ownsDatabase;
    private final HttpClient http;

    private BrokerLauncher(Process process, TestDatabase database, Path dir, URI url, String adminToken,
            String masterKey, String config, boolean ownsDatabase, HttpClient http) {
        this.process = process;
        this.masterKey = masterKey;
        this.config = config;
        this.ownsDatabase = ownsDatabase;
        this.database = database;
        this.dir = dir;
        this.url = url;
        this.adminToken = adminToken;
        this.http = http;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The broker's base URL, {@code http://127.0.0.1:PORT} ({@code https://…} when started with {@code tls}). */
    public URI url() {
        return url;
    }

    public String adminToken() {
        return adminToken;
    }

    public TestDatabase database() {
        return database;
    }

    public long pid() {
        return process.pid();
    }

    /** The broker's log so far (stdout and stderr), for assertions that nothing secret was logged. */
    public String log() throws IOException {
        return Files.readString(dir.resolve("broker.log"), StandardCharsets.UTF_8);
    }

    /** Stores a new version of a secret through the admin API; returns its version. */
    public int putSecret(String path, String value) throws IOException, InterruptedException {
        Map<String, Object> body = Map.of("value", value);
        Map<String, Object> answer = admin("PUT", "/api/v2/admin/secrets/" + path, JSONObjectUtils.toJSONString(
                body), 201);
        return ((Number) answer.get("version")).intValue();
    }

    /** {@code GET /api/v2/admin/leases}: the leases (active only when {@code active}) of {@code subject}. */
    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> leases(boolean active, String subject) throws IOException,
            InterruptedException {
        String q = "?active=" + active + (subject == null ? "" : "&subject=" + enc(subject));
        return (List<Map<String, Object>>) (List<?>) admin("GET", "/api/v2/admin/leases" + q, null, 200)
                .get("leases");
    }

    /** {@code GET /api/v2/a2a/events}: audit events of a type (or all when null), newest first. */
    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> events(String type, String subject) throws IOException, InterruptedException {
        StringBuilder q = new StringBuilder("?limit=1000");
        if (type != null) {
            q.append("&type=").append(enc(type));
        }
        if (subject != null) {
            q.append("&subject=").append(enc(subject));
        }
        return (List<Map<String, Object>>) (List<?>) admin("GET", "/api/v2/a2a/events" + q, null, 200)
                .get("events");
    }

    /** One admin API call; fails unless the answer has {@code expectedStatus}. */
    public Map<String, Object> admin(String method, String path, String jsonBody, int expectedStatus)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path))
                .header("Authorization", "Bearer " + adminToken).timeout(Duration.ofSeconds(30));
        if (jsonBody != null) {
            b.header("Content-Type", "application/json");
        }
        b.method(method, jsonBody == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(jsonBody));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != expectedStatus) {
            throw new IOException(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        try {
            return r.body().isBlank() ? Map.of() : JSONObjectUtils.parse(r.body());
        } catch (ParseException e) {
            throw new IOException(method + " " + path + " answered invalid JSON", e);
        }
    }

    /**
     * Kills the broker at once (SIGKILL, as a crashed node or an OOM kill): no shutdown hook runs, its database
     * connections just drop. {@link #close()} still cleans up afterwards.
     */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }

    /**
     * Stops the broker (SIGTERM, then SIGKILL after 15 s), drops the database unless it was given to the builder,
     * and removes the work directory.
     */
    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        try {
            if (ownsDatabase) {
                database.drop();
            }
        } finally {
            deleteTree(dir);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Locates {@code broker/target/segura-broker.jar}; the error says how to build it. */
    static Path brokerJar() {
        String explicit = System.getProperty("segura.broker.jar", System.getenv("SEGURA_BROKER_JAR"));
        if (explicit != null && !explicit.isBlank()) {
            Path p = Path.of(explicit).toAbsolutePath().normalize();
            if (Files.isRegularFile(p)) {
                return p;
            }
            throw new IllegalStateException("the broker jar " + p + " does not exist; build it with"
                    + " `./mvnw -pl broker -am package -DskipTests` (./mvnw verify builds it before later modules'"
                    + " tests)");
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path p = d.resolve("broker/target/segura-broker.jar");
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new IllegalStateException("broker/target/segura-broker.jar not found above " + Path.of("")
                .toAbsolutePath() + "; build it with `./mvnw -pl broker -am package -DskipTests`");
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Configures and starts a broker. */
    public static final class Builder {

        private String config;
        private final Map<String, String> env = new LinkedHashMap<>();
        private String owner = "broker";
        private TestIdentity tlsServer;
        /** What the launcher's own calls trust when the broker serves https. */
        private javax.net.ssl.SSLContext tlsClient;
        private TestDatabase database;
        private io.segura.testkit.net.NetworkNamespace namespace;
        private String bindAddress = "127.0.0.1";
        private String masterKey;
        private String adminToken;

        private Builder() {
        }

        /**
         * Another replica of {@code first} (DESIGN §15): the same database (which {@code first} drops), trust config,
         * master key and admin token, on its own port and with its own work directory.
         */
        public Builder replicaOf(BrokerLauncher first) {
            Objects.requireNonNull(first, "first cannot be null");
            this.database = first.database;
            this.config = first.config;
            this.masterKey = first.masterKey;
            this.adminToken = first.adminToken;
            return this;
        }

        /**
         * Serves https with {@code server}'s key store (its certificate names 127.0.0.1) and asks for client
         * certificates ({@code SERVER_SSL_CLIENT_AUTH=want}), trusting those in {@code trustStore}: mTLS client
         * authentication as in production. The launcher's own admin calls trust {@code server} and present none.
         */
        public Builder tls(TestIdentity server, Path trustStore, String trustStorePassword) {
            this.tlsServer = Objects.requireNonNull(server, "server cannot be null");
            env.put("SERVER_SSL_ENABLED", "true");
            env.put("SERVER_SSL_KEY_STORE", "file:" + server.keyStore());
            env.put("SERVER_SSL_KEY_STORE_PASSWORD", server.password());
            env.put("SERVER_SSL_KEY_STORE_TYPE", "PKCS12");
            env.put("SERVER_SSL_CLIENT_AUTH", "want");
            env.put("SERVER_SSL_TRUST_STORE", "file:" + trustStore);
            env.put("SERVER_SSL_TRUST_STORE_PASSWORD", trustStorePassword);
            env.put("SERVER_SSL_TRUST_STORE_TYPE", "PKCS12");
            return this;
        }

        /**
         * Serves https from PEM files, reloaded when they change ({@code SEGURA_TLS_CERT}/{@code SEGURA_TLS_KEY}),
         * asking for client certificates issued by {@code clientCa} ({@code SEGURA_TLS_CLIENT_CA}) when it is not
         * null: the production set-up of README "TLS and mTLS clients".
         *
         * @param serverCa the CA that issued {@code cert}; the launcher's admin calls trust it and present no
         *                 certificate
         */
        public Builder tlsPem(Path cert, Path key, Path clientCa, io.segura.testkit.tls.TestCa serverCa) {
            this.tlsClient = serverCa.trustingContext();
            env.put("SEGURA_TLS_CERT", cert.toString());
            env.put("SEGURA_TLS_KEY", key.toString());
            if (clientCa != null) {
                env.put("SEGURA_TLS_CLIENT_CA", clientCa.toString());
            }
            return this;
        }

        /**
         * Runs the broker in {@code namespace} (another host, as far as the network goes), listening on
         * {@code link}'s namespace address and reaching the database over {@code database}'s link (the database's
         * server must listen on its host address, {@link io.segura.testkit.postgres.PrivateCluster#start(List)}).
         * The broker reaches nothing else of this host: no issuer on loopback, so it serves leases and the like,
         * not token exchanges of loopback issuers.
         */
        public Builder inNamespace(io.segura.testkit.net.NetworkNamespace namespace,
                io.segura.testkit.net.NetworkNamespace.Link link, io.segura.testkit.net.NetworkNamespace.Link database) {
            this.namespace = Objects.requireNonNull(namespace, "namespace cannot be null");
            this.bindAddress = link.address();
            env.put("SERVER_ADDRESS", link.address());
            // set when started: the database is known only then (replicaOf may come after)
            this.databaseHost = database.hostAddress();
            return this;
        }

        private String databaseHost;

        /**
         * Runs the broker's clock {@code ahead} of this host's (a replica whose NTP is off), with Debian's libfaketime
         * preloaded into its JVM ({@code FAKETIME="+30s"}): every wall-clock read — {@code System.currentTimeMillis},
         * {@code Instant.now} — is shifted. So is the monotonic clock, by a constant (so {@code System.nanoTime}
         * differences are unchanged): with {@code FAKETIME_DONT_FAKE_MONOTONIC=1} the broker took 122 s to start here
         * instead of 5 s. Skipped (or in CI failed) without the {@code faketime} package.
         */
        public Builder clockAhead(Duration ahead) {
            Path lib = fakeTimeLibrary();
            env.put("LD_PRELOAD", lib.toString());
            env.put("FAKETIME", "+" + ahead.toSeconds() + "s");
            return this;
        }

        private static Path fakeTimeLibrary() {
            for (String arch : List.of("x86_64-linux-gnu", "aarch64-linux-gnu")) {
                Path p = Path.of("/usr/lib", arch, "faketime", "libfaketimeMT.so.1");
                if (Files.isReadable(p)) {
                    return p;
                }
            }
            String missing = "libfaketime is not installed: apt-get install faketime (.ci/run installs it when"
                    + " missing)";
            if (!Boolean.parseBoolean(System.getenv(TestDatabase.REQUIRE_ENV))) {
                Assumptions.abort(missing);
            }
            throw new IllegalStateException(missing);
        }

        /** The trust config YAML (DESIGN §9), written to a file the broker reads as {@code SEGURA_CONFIG}. */
        public Builder config(String yaml) {
            this.config = Objects.requireNonNull(yaml, "yaml cannot be null");
            return this;
        }

        /** An extra environment variable of the broker process. */
        public Builder env(String name, String value) {
            env.put(name, value);
            return this;
        }

        /**
         * Runs on {@code existing} instead of a fresh database, e.g. a second replica, or a broker restarted with
         * other keys; the caller drops it.
         */
        public Builder database(TestDatabase existing) {
            this.database = Objects.requireNonNull(existing, "existing cannot be null");
            return this;
        }

        /** Names the database after the test class. */
        public Builder owner(String value) {
            this.owner = Objects.requireNonNull(value, "value cannot be null");
            return this;
        }

        /**
         * Starts the process and waits until it is healthy. Without PostgreSQL the calling test is skipped (an
         * assumption), unless {@code SEGURA_REQUIRE_POSTGRES=true}.
         */
        public BrokerLauncher start() throws IOException, InterruptedException {
            if (config == null) {
                throw new IllegalStateException("config(yaml) is required");
            }
            Path jar = brokerJar();
            TestDatabase db = database;
            try {
                if (db == null) {
                    db = TestDatabase.create(owner);
                }
            } catch (SQLException e) {
                if (Boolean.parseBoolean(System.getenv(TestDatabase.REQUIRE_ENV))) {
                    throw new IllegalStateException("PostgreSQL is required but not reachable: " + e.getMessage(),
                            e);
                }
                Assumptions.abort("PostgreSQL not reachable (" + e.getMessage() + ")");
                throw new AssertionError("unreachable");
            }
            Path dir = Files.createTempDirectory("segura-broker-");
            Process process = null;
            try {
                Path configFile = dir.resolve("trust.yaml");
                Files.writeString(configFile, config, StandardCharsets.UTF_8);
                SecureRandom random = new SecureRandom();
                byte[] key = new byte[32];
                random.nextBytes(key);
                byte[] admin = new byte[32];
                random.nextBytes(admin);
                String masterKey = this.masterKey != null ? this.masterKey : Base64.getEncoder().encodeToString(key);
                String adminToken = this.adminToken != null ? this.adminToken
                        : "sga_" + Base64.getUrlEncoder().withoutPadding().encodeToString(admin);
                int port = freePort();
                String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
                List<String> cmd = new ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                        "-jar", jar.toString()));
                if (namespace != null) {
                    cmd = namespace.exec(cmd);
                }
                ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                        .redirectErrorStream(true).redirectOutput(dir.resolve("broker.log").toFile());
                Map<String, String> penv = pb.environment();
                penv.keySet().removeIf(k -> k.startsWith("SEGURA_"));
                penv.put("SEGURA_CONFIG", configFile.toString());
                penv.put("SEGURA_DATABASE_URL", databaseHost == null ? db.r2dbcUrl()
                        : db.r2dbcUrl().replace("@" + db.host() + ":", "@" + databaseHost + ":"));
                penv.put("SEGURA_MASTER_KEY", masterKey);
                penv.put("SEGURA_ADMIN_TOKEN", adminToken);
                penv.put("SERVER_PORT", Integer.toString(port));
                penv.put("SERVER_ADDRESS", "127.0.0.1");
                penv.putAll(env);
                process = pb.start();
                boolean https = tlsServer != null || tlsClient != null;
                URI url = URI.create((https ? "https" : "http") + "://" + bindAddress + ":" + port);
                HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
                if (tlsClient != null) {
                    http.sslContext(tlsClient);
                } else if (tlsServer != null) {
                    try {
                        http.sslContext(TestIdentity.anonymousContext(tlsServer));
                    } catch (java.security.GeneralSecurityException e) {
                        throw new IOException("cannot trust the broker's test certificate", e);
                    }
                }
                BrokerLauncher launcher = new BrokerLauncher(process, db, dir, url, adminToken, masterKey, config,
                        database == null, http.build());
                launcher.awaitHealthy();
                return launcher;
            } catch (IOException | InterruptedException | RuntimeException e) {
                if (process != null) {
                    process.destroyForcibly();
                }
                if (database == null) {
                    try {
                        db.drop();
                    } catch (SQLException dropFailure) {
                        e.addSuppressed(dropFailure);
                    }
                }
                throw e;
            }
        }
    }

    private void awaitHealthy() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        HttpRequest health = HttpRequest.newBuilder(URI.create(url + "/actuator/health"))
                .timeout(Duration.ofSeconds(2)).build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the broker exited with " + process.exitValue()
                        + " before it became healthy; its log:\n" + tail(log()));
            }
            try {
                HttpResponse<String> r = http.send(health, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("UP")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the broker did not become healthy within " + START_TIMEOUT.toSeconds()
                + " s; its log:\n" + tail(log()));
    }

    private static String tail(String log) {
        return log.length() <= 6000 ? log : log.substring(log.length() - 6000);
    }
}
