// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.replicas;

import static io.segura.broker.replicas.ReplicaClient.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.segura.testkit.broker.BrokerLauncher;
import io.segura.testkit.net.HaProxy;
import io.segura.testkit.net.NetworkNamespace;
import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.postgres.PrivateCluster;
import io.segura.testkit.postgres.TestDatabase;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 16's remaining faults, on three packaged brokers sharing one PostgreSQL behind a real HAProxy, each replica
 * with a fault of its own so that one set of starts serves every test:
 * <ul>
 *   <li>{@code r1}: an ordinary replica on this host;</li>
 *   <li>{@code r2}: a replica on a host of its own — a Linux network namespace ({@link NetworkNamespace}) that reaches
 *       HAProxy over one veth link and PostgreSQL over another. The network partition is real: the database link's
 *       host end goes down ({@code ip link set DEV down}), so the kernel drops every packet between r2 and PostgreSQL
 *       without a reset or an error, and TCP on both sides just waits, as across a failed switch. Chosen over
 *       {@code tc netem} (this kernel has no netem qdisc) and over a user-space relay (which would be a process
 *       imitating the kernel). PostgreSQL is a cluster of the test's own ({@link PrivateCluster}) because it must
 *       listen on the link; the machine's shared server listens on loopback only;</li>
 *   <li>{@code r3}: a replica whose wall clock runs 30 s ahead: Debian's libfaketime preloaded into its JVM
 *       ({@code FAKETIME=+30s}; its audit events' times prove the JVM took it).</li>
 * </ul>
 * Every replica trusts HAProxy ({@code SEGURA_TRUSTED_PROXIES}: 127.0.0.1 and r2's link) to name the client in
 * {@code X-Forwarded-For}; the tests' "clients" connect from 127.0.0.2, an address of this host that is no proxy.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultsIT {

    static final String AUDIENCE = "https://segura.test";
    static final String SECRET = "faults-secret-" + UUID.randomUUID();
    static final Duration SKEW = Duration.ofSeconds(30);
    /** The issuer's documented tolerance for clocks (issuer {@code clock-skew}, README; also the default). */
    static final Duration CLOCK_SKEW = Duration.ofSeconds(60);
    /** Where the tests' clients connect from: loopback, but not HAProxy's address, so no trusted proxy. */
    static final String CLIENT_ADDRESS = "127.0.0.2";

    static NetworkNamespace host2;
    static NetworkNamespace.Link service;
    static NetworkNamespace.Link databaseLink;
    static PrivateCluster cluster;
    static TestDatabase database;
    static IssuerSimulator issuer;
    static final List<BrokerLauncher> replicas = new ArrayList<>();
    static HaProxy proxy;
    static ReplicaClient client;
    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        NetworkNamespace.requireSupported();
        HaProxy.requireInstalled();
        host2 = NetworkNamespace.create();
        service = host2.addLink();
        databaseLink = host2.addLink();
        cluster = PrivateCluster.start(List.of(databaseLink.hostAddress()));
        database = TestDatabase.create("FaultsIT", cluster.url());
        issuer = IssuerSimulator.start();
        String config = String.join("\n",
                "issuers:",
                "  - name: ci",
                "    issuer: " + issuer.issuer(),
                "    audiences: [\"" + AUDIENCE + "\"]",
                "    replay-protection: true",
                "    clock-skew: " + CLOCK_SKEW.toSeconds() + "s",
                "roles:",
                "  - name: deploy",
                "    issuers: [ci]",
                "    bound-claims:",
                "      repository_id: \"74\"",
                "    secrets: [\"api/*\"]",
                "");
        String trusted = "127.0.0.1/32," + service.hostAddress() + "/32";
        BrokerLauncher r1 = BrokerLauncher.builder().owner("FaultsIT").config(config).database(database)
                .env("SEGURA_TRUSTED_PROXIES", trusted).env("SEGURA_SWEEP_INTERVAL", "200ms").start();
        replicas.add(r1);
        replicas.add(BrokerLauncher.builder().replicaOf(r1).inNamespace(host2, service, databaseLink)
                .env("SEGURA_TRUSTED_PROXIES", trusted).env("SEGURA_SWEEP_INTERVAL", "200ms").start());
        replicas.add(BrokerLauncher.builder().replicaOf(r1).clockAhead(SKEW)
                .env("SEGURA_TRUSTED_PROXIES", trusted).env("SEGURA_SWEEP_INTERVAL", "200ms").start());
        Map<String, URI> backends = new LinkedHashMap<>();
        for (int i = 0; i < replicas.size(); i++) {
            backends.put("r" + (i + 1), replicas.get(i).url());
        }
        proxy = HaProxy.start(backends);
        client = new ReplicaClient(proxy.url(), issuer, AUDIENCE, r1.adminToken());
        HttpResponse<String> put = client.putSecret("api/key", SECRET);
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
    }

    @AfterAll
    static void stop() throws Exception {
        List<AutoCloseable> parts = new ArrayList<>();
        parts.add(proxy);
        for (int i = replicas.size() - 1; i >= 0; i--) {
            parts.add(replicas.get(i));
        }
        parts.add(database == null ? null : database::drop);
        parts.add(cluster);
        parts.add(issuer);
        parts.add(host2);
        Exception failure = null;
        for (AutoCloseable part : parts) {
            try {
                if (part != null) {
                    part.close();
                }
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    static BrokerLauncher r(int n) {
        return replicas.get(n - 1);
    }

    /**
     * Behind HAProxy the audit records the client, not the proxy; a spoofed {@code X-Forwarded-For} is worthless:
     * HAProxy appends the real peer, and the broker takes the right-most address that is not a trusted proxy; sent
     * straight to a replica by an untrusted peer, the header is ignored.
     */
    @Test
    @Order(1)
    void clientAddressWhenSpoofedForwardedForThroughHaProxyOrDirectThenTheRealPeerIsRecorded() throws Exception {
        for (String via : List.of("r1", "r2", "r3")) {
            String session = client.session("r1");
            Raw answer = rawLease(proxy.url(), session, via, "203.0.113.9");
            assertThat(answer.status()).as(answer.text()).isEqualTo(201);
            assertThat(answer.header(HaProxy.SERVED_BY)).isEqualTo(via);
            assertThat(leaseIssuedFrom(answer)).as("client_ip of a lease through HAProxy to " + via)
                    .isEqualTo(CLIENT_ADDRESS);
        }
        String session = client.session("r1");
        Raw direct = rawLease(r(1).url(), session, null, "203.0.113.9");
        assertThat(direct.status()).as(direct.text()).isEqualTo(201);
        assertThat(leaseIssuedFrom(direct)).as("client_ip of a lease sent straight to r1").isEqualTo(CLIENT_ADDRESS);
    }

    /**
     * 30 s of clock skew on r3. The JVM runs on the skewed clock (its audit events are 30 s ahead); tokens near their
     * {@code exp} are judged by each replica's own clock with the issuer's documented {@code clock-skew} (60 s), so a
     * replica 30 s ahead has 30 s of it left: a token expired 20 s ago passes both, one expired 45 s ago passes r1 and
     * not r3, one expired 75 s ago passes neither. Sessions issued by either are honoured by the other, and a
     * single-use token's jti row outlives the skewed replica's purge: it refuses the replay on the replica on time.
     */
    @Test
    @Order(2)
    void skewWhenOneReplicaRuns30SecondsAheadThenTokensAreJudgedWithTheDocumentedSkewAndNothingBreaks()
            throws Exception {
        // the skew is real: r3's audit time is 30 s ahead of this host's
        String subject = "repo:acme/app-" + UUID.randomUUID() + ":ref:refs/heads/main";
        String viaR3 = client.sessionOf(client.exchange(issuer.mint(Map.of("aud", AUDIENCE, "sub", subject,
                "repository_id", "74")), "r3"));
        List<Map<String, Object>> exchanged = r(1).events("token.exchanged", subject);
        assertThat(exchanged).as("token.exchanged of " + subject).hasSize(1);
        Instant wrote = Instant.parse((String) exchanged.get(0).get("time"));
        assertThat(Duration.between(Instant.now(), wrote)).as("r3's clock against this host's")
                .isBetween(SKEW.minusSeconds(5), SKEW.plusSeconds(5));

        assertThat(exchangeExpiredAgo(20, "r1").statusCode()).isEqualTo(200);
        assertThat(exchangeExpiredAgo(20, "r3").statusCode()).isEqualTo(200);
        assertThat(exchangeExpiredAgo(45, "r1").statusCode()).isEqualTo(200);
        HttpResponse<String> r3Late = exchangeExpiredAgo(45, "r3");
        assertThat(r3Late.statusCode()).as(r3Late.body()).isIn(400, 401);
        assertThat(r3Late.body()).contains("expired");
        for (String via : List.of("r1", "r3")) {
            HttpResponse<String> late = exchangeExpiredAgo(75, via);
            assertThat(late.statusCode()).as(via + ": " + late.body()).isIn(400, 401);
            assertThat(late.body()).contains("expired");
        }

        // sessions cross the skew both ways
        String viaR1 = client.session("r1");
        assertThat(client.lease(viaR3, "r1", null).statusCode()).isEqualTo(201);
        assertThat(client.lease(viaR1, "r3", null).statusCode()).isEqualTo(201);

        // a single-use token spent at r1, its row kept until exp + clock-skew; r3 purges by a clock 30 s ahead
        String jti = UUID.randomUUID().toString();
        long exp = Instant.now().plusSeconds(5).getEpochSecond();
        String single = issuer.mint(Map.of("aud", AUDIENCE, "sub", "repo:acme/app-" + jti, "repository_id", "74",
                "jti", jti, "exp", exp));
        assertThat(client.exchange(single, "r1").statusCode()).isEqualTo(200);
        Instant keepUntil = Instant.ofEpochSecond(exp).plus(CLOCK_SKEW);
        // a canary that a purge deletes only once its replica's clock is past the token row's expiry (by the purge's
        // own rule, whatever its margin): before keepUntil, only r3's clock is there, so once the canary is gone r3 has
        // purged with its clock past the token's row (a purge without a margin deleted the row there)
        String canary = "canary-" + jti;
        Instant canaryExpiry = keepUntil.plusSeconds(1).minus(io.segura.broker.session.ReplayStore.CLOCK_MARGIN);
        try (Connection c = database.connect(); PreparedStatement insert = c.prepareStatement(
                "INSERT INTO jti_replay (issuer, jti, expires_at) VALUES ('ci', ?, ?)")) {
            insert.setString(1, canary);
            insert.setTimestamp(2, Timestamp.from(canaryExpiry));
            insert.executeUpdate();
        }
        long deadline = System.nanoTime() + Duration.between(Instant.now(), keepUntil).toNanos();
        await("r3's purge to run with its clock past the token's row", Duration.ofSeconds(90),
                () -> System.nanoTime() > deadline || !jtiRowExists(canary));
        assertThat(jtiRowExists(canary)).as("r3 purged before the token's row expired for r1 (in time? load?)")
                .isFalse();
        assertThat(jtiRowExists(jti)).as("the token's row after r3's purge").isTrue();
        HttpResponse<String> replay = client.exchange(single, "r1");
        assertThat(replay.statusCode()).as(replay.body()).isIn(400, 401);
        assertThat(replay.body()).containsAnyOf("already used", "expired");

        // the audit chain, written by clocks 30 s apart, is one and verifies
        Map<String, Object>[] report = new Map[1];
        await("the chainer to link every event", Duration.ofSeconds(90), () -> {
            report[0] = client.verify();
            return ((Number) report[0].get("pending_unchained")).longValue() == 0;
        });
        assertThat(report[0]).containsEntry("ok", true);
    }

    /**
     * A network partition between r2 and PostgreSQL, with leases flowing through HAProxy: r2 fails its readiness probe
     * (and HAProxy stops sending it requests) and answers what reaches it anyway with 503 + {@code Retry-After}; r1 and
     * r3 keep serving every request; r2 stays alive (liveness 200, the same process) and serves again once the link
     * is back.
     */
    @Test
    @Order(3)
    void partitionWhenOneReplicaLosesPostgresThenItLeavesTheBalancerAnswers503AndComesBackWithoutRestart()
            throws Exception {
        String session = client.session("r1");
        long pid = r(2).pid();
        List<Answer> answers = new CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<Future<?>> traffic = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            traffic.add(pool.submit(() -> {
                while (!stop.get()) {
                    long started = System.nanoTime();
                    HttpResponse<String> r = client.lease(session, null, null);
                    answers.add(new Answer(started, Duration.ofNanos(System.nanoTime() - started).toMillis(),
                            r.statusCode(), r.headers().firstValue("Retry-After").orElse(null),
                            r.headers().firstValue(HaProxy.SERVED_BY).orElse(null), r.body()));
                    Thread.sleep(20);
                }
                return null;
            }));
        }
        try {
            await("r2 to serve leases before the partition", Duration.ofSeconds(60),
                    () -> answers.stream().filter(a -> "r2".equals(a.servedBy()) && a.status() == 201).count() >= 5);
            databaseLink.down();
            long cut = System.nanoTime();
            await("r2's readiness probe to fail", Duration.ofSeconds(60),
                    () -> status(r(2).url().resolve("/actuator/health/readiness")) == 503);
            assertThat(status(r(2).url().resolve("/actuator/health/liveness"))).as("r2 is alive").isEqualTo(200);
            HttpResponse<String> direct = new ReplicaClient(r(2).url(), issuer, AUDIENCE, r(1).adminToken())
                    .lease(session, null, null);
            assertThat(direct.statusCode()).as(direct.body()).isEqualTo(503);
            assertThat(direct.headers().firstValue("Retry-After")).as("Retry-After").isPresent();
            // a request aimed at r2 through HAProxy goes elsewhere once HAProxy has taken r2 out
            await("HAProxy to take r2 out", Duration.ofSeconds(60), () -> {
                HttpResponse<String> aimed = client.lease(session, "r2", null);
                return aimed.statusCode() == 201 && !"r2".equals(aimed.headers().firstValue(HaProxy.SERVED_BY)
                        .orElse(""));
            });
            long out = System.nanoTime();
            await("leases while r2 is out", Duration.ofSeconds(60),
                    () -> answers.stream().filter(a -> a.started() > out).count() >= 30);
            long outUntil = System.nanoTime();

            databaseLink.up();
            long healed = System.nanoTime();
            await("r2's readiness probe to pass again", Duration.ofSeconds(90),
                    () -> status(r(2).url().resolve("/actuator/health/readiness")) == 200);
            proxy.awaitUp("r2", Duration.ofSeconds(60));
            long back = System.nanoTime();
            await("r2 to serve leases through HAProxy again", Duration.ofSeconds(60), () -> answers.stream()
                    .filter(a -> a.started() > back && "r2".equals(a.servedBy()) && a.status() == 201).count() >= 5);
            long recovered = System.nanoTime();
            stop.set(true);
            for (Future<?> f : traffic) {
                f.get(60, TimeUnit.SECONDS);
            }
            System.out.printf("partition of r2 from PostgreSQL: %d answers, %d 503 (%s), r2 out of HAProxy %d ms"
                    + " after the cut (as the test saw it, after r2's own 503), back %d ms after the heal, slowest answer"
                    + " by replica (ms) %s%n", answers.size(),
                    answers.stream().filter(a -> a.status() == 503).count(), answers.stream()
                            .filter(a -> a.status() == 503).map(Answer::servedBy).distinct().toList(),
                    Duration.ofNanos(out - cut).toMillis(), Duration.ofNanos(recovered - healed).toMillis(),
                    new TreeMap<>(answers.stream().collect(Collectors.toMap(a -> String.valueOf(a.servedBy()),
                            Answer::millis, Math::max))));
            assertThat(answers).as("every answer").allSatisfy(a -> {
                assertThat(a.status()).as(a.body()).isIn(201, 503);
                if (a.status() == 503) {
                    assertThat(a.servedBy()).as("only the partitioned replica refuses").isEqualTo("r2");
                    assertThat(a.retryAfter()).as("Retry-After on " + a.body()).isNotNull();
                    assertThat(a.body()).doesNotContain(SECRET);
                }
                assertThat(a.millis()).as("no hung request").isLessThan(30_000);
                if (!"r2".equals(a.servedBy())) {
                    // a lease waiting on a session row that r2's cut-off transaction locked is served once PostgreSQL
                    // ends that transaction (half the 10 s database timeout), before its own lock wait would end
                    assertThat(a.millis()).as("a healthy replica's answer, " + a.servedBy()).isLessThan(10_000);
                }
            });
            assertThat(answers).as("while r2 is out, the others serve everything")
                    .filteredOn(a -> a.started() > out && a.started() < outUntil).isNotEmpty()
                    .allSatisfy(a -> {
                        assertThat(a.status()).as(a.body()).isEqualTo(201);
                        assertThat(a.servedBy()).isIn("r1", "r3");
                    });
            assertThat(answers).as("after r2 is back").filteredOn(a -> a.started() > back)
                    .allSatisfy(a -> assertThat(a.status()).as(a.body()).isEqualTo(201));
            assertThat(r(2).pid()).as("the same r2 process").isEqualTo(pid);
        } finally {
            stop.set(true);
            pool.shutdownNow();
            databaseLink.up();
        }
    }

    /** DESIGN §14: no replica logged the secret's value or a session token. */
    @Test
    @Order(100)
    void logsWhenAllFaultsAreDoneThenNoSecretOrSessionTokenInAny() throws Exception {
        for (int i = 0; i < replicas.size(); i++) {
            String log = replicas.get(i).log();
            assertThat(log).as("r" + (i + 1) + " log").doesNotContain(SECRET);
            for (String token : client.sessionTokens()) {
                assertThat(log).as("r" + (i + 1) + " log").doesNotContain(token);
            }
        }
    }

    record Answer(long started, long millis, int status, String retryAfter, String servedBy, String body) {
    }

    /** An exchange through {@code via} of a fresh token whose {@code exp} passed {@code seconds} ago. */
    static HttpResponse<String> exchangeExpiredAgo(int seconds, String via) {
        long now = Instant.now().getEpochSecond();
        return client.exchange(issuer.mint(Map.of("aud", AUDIENCE, "sub", "repo:acme/app-" + UUID.randomUUID(),
                "repository_id", "74", "iat", now - seconds - 60, "nbf", now - seconds - 60,
                "exp", now - seconds)), via);
    }

    static int status(URI uri) {
        try {
            return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static boolean jtiRowExists(String jti) {
        try (Connection c = database.connect(); PreparedStatement q = c.prepareStatement(
                "SELECT count(*) FROM jti_replay WHERE jti = ?")) {
            q.setString(1, jti);
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                return rs.getLong(1) > 0;
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The {@code client_ip} of the lease.issued event of a raw 201 lease answer. */
    static String leaseIssuedFrom(Raw answer) throws Exception {
        String leaseId = (String) com.nimbusds.jose.util.JSONObjectUtils.parse(answer.body()).get("lease_id");
        for (Map<String, Object> e : r(1).events("lease.issued", null)) {
            if (leaseId.equals(e.get("lease_id"))) {
                return (String) e.get("client_ip");
            }
        }
        throw new AssertionError("no lease.issued event for " + leaseId);
    }

    /** An HTTP/1.1 exchange over a socket bound to {@link #CLIENT_ADDRESS} (the JDK's client cannot pick one). */
    record Raw(int status, Map<String, String> headers, String body, String text) {

        String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }
    }

    static Raw rawLease(URI base, String session, String via, String forwardedFor) throws IOException {
        String body = "{\"secrets\":[\"api/key\"]}";
        StringBuilder req = new StringBuilder("POST /api/v2/a2a/leases HTTP/1.1\r\n")
                .append("Host: ").append(base.getHost()).append(':').append(base.getPort()).append("\r\n")
                .append("Authorization: Bearer ").append(session).append("\r\n")
                .append("Content-Type: application/json\r\n")
                .append("Content-Length: ").append(body.getBytes(StandardCharsets.UTF_8).length).append("\r\n")
                .append("X-Forwarded-For: ").append(forwardedFor).append("\r\n")
                .append("Connection: close\r\n");
        if (via != null) {
            req.append(HaProxy.SERVED_BY).append(": ").append(via).append("\r\n");
        }
        req.append("\r\n").append(body);
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(CLIENT_ADDRESS), 0));
            s.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5_000);
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            out.write(req.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int split = text.indexOf("\r\n\r\n");
            String head = split < 0 ? text : text.substring(0, split);
            String[] lines = head.split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.put(lines[i].substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT),
                            lines[i].substring(colon + 1).trim());
                }
            }
            String rest = split < 0 ? "" : text.substring(split + 4);
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                rest = unchunk(rest);
            }
            return new Raw(status, headers, rest, text.replace(session, "<session>"));
        }
    }

    static String unchunk(String chunked) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < chunked.length()) {
            int eol = chunked.indexOf("\r\n", i);
            int size = Integer.parseInt(chunked.substring(i, eol).split(";")[0].trim(), 16);
            if (size == 0) {
                break;
            }
            out.append(chunked, eol + 2, eol + 2 + size);
            i = eol + 2 + size + 2;
        }
        return out.toString();
    }
}
