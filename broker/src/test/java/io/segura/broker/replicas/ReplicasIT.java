// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.replicas;

import static io.segura.broker.replicas.ReplicaClient.await;
import static io.segura.broker.replicas.ReplicaClient.count;
import static io.segura.broker.replicas.ReplicaClient.leaseId;
import static io.segura.broker.replicas.ReplicaClient.retried;
import static org.assertj.core.api.Assertions.assertThat;

import io.segura.broker.session.SessionToken;
import io.segura.testkit.broker.BrokerReplicas;
import io.segura.testkit.net.HaProxy;
import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.postgres.TestDatabase;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three broker processes (the packaged jar) sharing one PostgreSQL database behind a real HAProxy (DESIGN §15): what
 * must be global is global, what must happen once happens once, and the audit chain stays one. Requests go through
 * HAProxy; {@link HaProxy#SERVED_BY} aims one at a given replica when the test needs it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplicasIT {

    static final String AUDIENCE = "https://segura.test";
    static final String SECRET = "replica-secret-" + UUID.randomUUID();
    /**
     * The revocation is meant to win within 1 s. It is two rounds at most (one lost shared round, then the round that
     * marks the session first and cannot lose), each waiting behind one in-flight lease commit; with other builds
     * sharing the 2 cores (load average 27–31) that took 0.8–4.4 s, hence this generous bound. The old retry rounds
     * lost round after round and answered 503 (after 1.9 s at a lighter load); at load 27 they won once in 4.5 s, so
     * time alone does not tell them apart there: the round count does (one answer, 200, and r1's revocation counter).
     */
    static final Duration REVOKE_BOUND = Duration.ofSeconds(10);
    /** Clients leasing for one session at once in the storm (a job fanning out, or a runaway loop). */
    static final int STORM_THREADS = 16;

    /** Dynamic PostgreSQL engines: one whose revocation logs itself in the same transaction, one with the default. */
    static final String DYN_LOGGED = "db/rit-logged";
    static final String DYN_DEFAULT = "db/rit-default";
    /** Every dynamic user of this run starts with it (cleaned up after, whatever happened). */
    static final String USER_PREFIX = "v_rit" + UUID.randomUUID().toString().substring(0, 8) + "_";

    static IssuerSimulator issuer;
    static BrokerReplicas replicas;
    static ReplicaClient client;
    /** The database the dynamic engines create their users in (not the brokers' own). */
    static TestDatabase dynamicTarget;

    @BeforeAll
    static void start() throws Exception {
        issuer = IssuerSimulator.start();
        dynamicTarget = TestDatabase.create("ReplicasITdyn");
        try (Connection c = dynamicTarget.connect(); java.sql.Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA app");
            // written by db/rit-logged's revocation in its own transaction: one row per committed DROP ROLE
            s.execute("CREATE TABLE app.revocation_log (username text NOT NULL, at timestamptz DEFAULT now())");
        }
        String connection = String.join("\n",
                "      connection:",
                "        url: postgresql://" + dynamicTarget.host() + ":" + dynamicTarget.port() + "/"
                        + dynamicTarget.name(),
                "        username: " + dynamicTarget.user(),
                "        password-secret: dyn/pg-admin",
                "      creation:",
                "        - CREATE ROLE \"{{name}}\" LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'",
                "        - GRANT USAGE ON SCHEMA app TO \"{{name}}\"",
                "      name-template: \"" + USER_PREFIX + "{{random}}\"",
                "      max-ttl: 30m");
        String config = String.join("\n",
                "issuers:",
                "  - name: ci",
                "    issuer: " + issuer.issuer(),
                "    audiences: [\"" + AUDIENCE + "\"]",
                "    replay-protection: true",
                "roles:",
                "  - name: deploy",
                "    issuers: [ci]",
                "    bound-claims:",
                "      repository_id: \"74\"",
                "    secrets: [\"api/*\"]",
                "    dynamic: [" + DYN_LOGGED + ", " + DYN_DEFAULT + "]",
                "    session-ttl: 10m",
                "    max-lease-ttl: 30m",
                "dynamic:",
                "  postgresql:",
                "    - name: " + DYN_LOGGED,
                connection,
                "      revocation:",
                "        - INSERT INTO app.revocation_log (username) VALUES ('{{name}}')",
                "        - DROP OWNED BY \"{{name}}\"",
                "        - DROP ROLE \"{{name}}\"",
                "    - name: " + DYN_DEFAULT,
                connection,
                "");
        // every replica sweeps often, so the sweepers really compete for the same due leases
        replicas = BrokerReplicas.start(3, b -> b.owner("ReplicasIT").config(config)
                .env("SEGURA_SWEEP_INTERVAL", "200ms"));
        client = new ReplicaClient(replicas.url(), issuer, AUDIENCE, replicas.adminToken());
        HttpResponse<String> put = client.putSecret("api/key", SECRET);
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
        // trust auth on the test server: the admin password is never checked, but the engine reads it at each use
        HttpResponse<String> admin = client.putSecret("dyn/pg-admin", "trust-auth-ignores-this");
        assertThat(admin.statusCode()).as(admin.body()).isEqualTo(201);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (replicas != null) {
                replicas.close();
            }
        } finally {
            try {
                if (issuer != null) {
                    issuer.close();
                }
            } finally {
                dropDynamicUsers();
            }
        }
    }

    /** Roles are global to the server: drop whatever a failed run left of this run's users, then their database. */
    static void dropDynamicUsers() throws Exception {
        if (dynamicTarget == null) {
            return;
        }
        try (Connection c = dynamicTarget.connect(); java.sql.Statement s = c.createStatement()) {
            List<String> left = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT rolname FROM pg_roles WHERE starts_with(rolname, '"
                    + USER_PREFIX + "')")) {
                while (rs.next()) {
                    left.add(rs.getString(1));
                }
            }
            for (String role : left) {
                s.execute("DROP OWNED BY \"" + role + "\"");
                s.execute("DROP ROLE \"" + role + "\"");
            }
        } finally {
            dynamicTarget.close();
        }
    }

    /**
     * DESIGN §15 / RFC 7009: a revocation through r1 while r2 serves a storm of leases for the same session wins at
     * once: it marks the session revoked first (under the session row's lock, which every lease's commit takes too),
     * then ends the leases it finds, in the same transaction. No lease commits after that mark.
     */
    @Test
    @Order(1)
    void revokeWhenAnotherReplicaServesAStormOfLeasesThenItWinsAtOnceAndNoLeaseOutlivesIt() throws Exception {
        String session = client.session("r1");
        List<StormRequest> storm = new CopyOnWriteArrayList<>();
        AtomicInteger granted = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(STORM_THREADS);
        List<Future<?>> workers = new ArrayList<>();
        long stormDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        for (int t = 0; t < STORM_THREADS; t++) {
            workers.add(threads.submit(() -> {
                // each worker leases until the session is refused: its last request is always a 401
                while (System.nanoTime() < stormDeadline) {
                    long started = System.nanoTime();
                    HttpResponse<String> r = client.lease(session, "r2", null);
                    storm.add(new StormRequest(started, System.nanoTime(), r.statusCode(), leaseId(r)));
                    if (r.statusCode() == 201) {
                        granted.incrementAndGet();
                    } else {
                        return null;
                    }
                }
                return null;
            }));
        }
        await("the storm to be granted 40 leases", Duration.ofSeconds(60), () -> granted.get() >= 40);

        // a client honouring RFC 7009's 503 + Retry-After retries: count how long until the revocation wins
        long revokeStarted = System.nanoTime();
        List<Integer> answers = new ArrayList<>();
        long firstAnswer = 0;
        HttpResponse<String> revoked;
        do {
            revoked = client.revoke(session, "r1");
            answers.add(revoked.statusCode());
            if (firstAnswer == 0) {
                firstAnswer = System.nanoTime();
            }
        } while (revoked.statusCode() == 503 && System.nanoTime() - revokeStarted < TimeUnit.SECONDS.toNanos(60));
        long revokeAnswered = System.nanoTime();
        Duration toWin = Duration.ofNanos(revokeAnswered - revokeStarted);
        System.out.printf("revocation under a storm of leases on another replica: %d ms until it won, answers %s,"
                + " first answer after %d ms, %d leases granted before%n", toWin.toMillis(), answers,
                Duration.ofNanos(firstAnswer - revokeStarted).toMillis(), granted.get());
        for (Future<?> w : workers) {
            w.get(90, TimeUnit.SECONDS);
        }
        threads.shutdown();
        // how r1's revocation won (LeaseMetrics): after a lost shared round, by marking the session first
        HttpResponse<String> metrics = client.send(HttpRequest.newBuilder(replicas.replica(0).url()
                .resolve("/actuator/prometheus")).GET());
        List<String> how = metrics.body().lines().filter(l -> l.startsWith("segura_session_revocations")).toList();
        System.out.println("r1 " + how);

        assertThat(answers).as("the revocation's answers").containsExactly(200);
        // r1's first revocation, done in one request: by the shared round, or after losing it by marking first
        assertThat(how.stream().mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum())
                .as("revocations r1 completed (%s)", how).isEqualTo(1.0);
        assertThat(toWin).as("time to revoke under the storm").isLessThan(REVOKE_BOUND);
        assertThat(storm).as("storm answers").allSatisfy(r -> assertThat(r.status()).isIn(201, 401));
        assertThat(storm).as("leases asked for after the revocation answered").filteredOn(r -> r.started()
                > revokeAnswered).allSatisfy(r -> assertThat(r.status()).isEqualTo(401));
        Set<String> grantedIds = new HashSet<>();
        storm.stream().filter(r -> r.status() == 201).forEach(r -> grantedIds.add(r.leaseId()));

        try (Connection c = replicas.database().connect()) {
            SessionRow s = sessionRow(c, session);
            assertThat(s.revokedAt()).as("session revoked").isNotNull();
            Map<String, String> leases = new LinkedHashMap<>();
            try (PreparedStatement q = c.prepareStatement(
                    "SELECT id, revoke_reason FROM leases WHERE session_id = ?")) {
                q.setString(1, s.id());
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        leases.put(rs.getString(1), rs.getString(2));
                    }
                }
            }
            assertThat(leases).as("every lease committed, each ended by the revocation").hasSize(s.leaseCount())
                    .allSatisfy((id, reason) -> assertThat(reason).isEqualTo("session revoked"));
            assertThat(leases.keySet()).as("every lease a client got is committed").containsAll(grantedIds);
            long revokedSeq;
            String listed;
            try (PreparedStatement q = c.prepareStatement("SELECT seq, details FROM audit_events"
                    + " WHERE type = 'session.revoked' AND details LIKE ?")) {
                q.setString(1, "%" + s.id() + "%");
                try (ResultSet rs = q.executeQuery()) {
                    assertThat(rs.next()).as("a session.revoked event").isTrue();
                    revokedSeq = rs.getLong(1);
                    listed = rs.getString(2);
                    assertThat(rs.next()).as("exactly one session.revoked event").isFalse();
                }
            }
            assertThat(leases.keySet()).as("the revocation's event lists every lease it ended")
                    .allSatisfy(id -> assertThat(listed).contains(id));
            // no lease committed after the revocation's mark: each lease's audit row was inserted before it
            try (PreparedStatement q = c.prepareStatement("SELECT lease_id, seq FROM audit_events"
                    + " WHERE type = 'lease.issued' AND lease_id = ANY (?)")) {
                q.setArray(1, c.createArrayOf("varchar", leases.keySet().toArray()));
                int n = 0;
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        n++;
                        assertThat(rs.getLong(2)).as("lease.issued of " + rs.getString(1) + " before the revocation")
                                .isLessThan(revokedSeq);
                    }
                }
                assertThat(n).as("one lease.issued event per lease").isEqualTo(leases.size());
            }
        }
    }

    /** DESIGN §15: revoked through r1, the session and its leases are dead on r2 and r3 at once (caches included). */
    @Test
    @Order(2)
    void revokeThroughOneReplicaThenEveryOtherRefusesTheSessionAtOnceEvenFromItsCache() throws Exception {
        String session = client.session("r1");
        Map<String, String> leaseOf = new LinkedHashMap<>();
        for (String via : List.of("r1", "r2", "r3")) {
            // each replica now holds the session in its memory for the next lease
            HttpResponse<String> r = client.lease(session, via, null);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
            assertThat(r.headers().firstValue(HaProxy.SERVED_BY)).hasValue(via);
            leaseOf.put(via, leaseId(r));
        }
        assertThat(client.revoke(session, "r1").statusCode()).isEqualTo(200);
        for (String via : List.of("r2", "r3")) {
            HttpResponse<String> again = client.lease(session, via, null);
            assertThat(again.statusCode()).as(via + ": " + again.body()).isEqualTo(401);
            assertThat(again.headers().firstValue(HaProxy.SERVED_BY)).hasValue(via);
            assertThat(again.body()).contains("session was revoked").doesNotContain(SECRET);
            HttpResponse<String> read = client.send(client.request("/api/v2/a2a/secrets/api/key", via)
                    .header("Authorization", "Bearer " + session).GET());
            assertThat(read.statusCode()).as(via + ": " + read.body()).isEqualTo(401);
            HttpResponse<String> renew = client.send(client.request("/api/v2/a2a/leases/" + leaseOf.get(via)
                    + "/renew", via)
                    .header("Authorization", "Bearer " + session).POST(HttpRequest.BodyPublishers.noBody()));
            assertThat(renew.statusCode()).as(via + ": " + renew.body()).isEqualTo(401);
        }
        try (Connection c = replicas.database().connect();
                PreparedStatement q = c.prepareStatement("SELECT revoke_reason FROM leases WHERE id = ?")) {
            for (String id : leaseOf.values()) {
                q.setString(1, id);
                try (ResultSet rs = q.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).as(id).isEqualTo("session revoked");
                }
            }
        }
    }

    /** DESIGN §15: the same single-use token sent to two replicas at the same instant gives exactly one session. */
    @Test
    @Order(3)
    void exchangeWhenTheSameTokenReachesTwoReplicasAtOnceThenExactlyOneSession() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 5; round++) {
                String token = client.idToken();
                String subject = (String) com.nimbusds.jwt.SignedJWT.parse(token).getJWTClaimsSet().getSubject();
                CountDownLatch go = new CountDownLatch(1);
                List<Future<HttpResponse<String>>> answers = new ArrayList<>();
                for (String via : List.of("r1", "r2")) {
                    answers.add(pool.submit(() -> {
                        go.await();
                        return client.exchange(token, via);
                    }));
                }
                go.countDown();
                List<Integer> statuses = new ArrayList<>();
                for (Future<HttpResponse<String>> f : answers) {
                    HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
                    statuses.add(r.statusCode());
                    if (r.statusCode() == 200) {
                        client.sessionOf(r);
                    } else {
                        assertThat(r.body()).as("the loser's answer").contains("invalid_grant");
                    }
                }
                assertThat(statuses).as("round " + round).containsExactlyInAnyOrder(200, 400);
                try (Connection c = replicas.database().connect();
                        PreparedStatement q = c.prepareStatement("SELECT count(*) FROM sessions WHERE subject = ?")) {
                    q.setString(1, subject);
                    try (ResultSet rs = q.executeQuery()) {
                        rs.next();
                        assertThat(rs.getInt(1)).as("sessions for the token").isEqualTo(1);
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** DESIGN §15: lease expiry, swept by all three replicas at once, happens exactly once per lease. */
    @Test
    @Order(4)
    void expiryWhenThreeReplicasSweepThenEachLeaseExpiresExactlyOnce() throws Exception {
        List<String> ids = new ArrayList<>();
        for (String via : List.of("r1", "r2", "r3")) {
            String session = client.session(via);
            for (int i = 0; i < 10; i++) {
                HttpResponse<String> r = client.lease(session, via, "1s");
                assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
                ids.add(leaseId(r));
            }
        }
        try (Connection c = replicas.database().connect()) {
            await("30 leases expired", Duration.ofSeconds(60), () -> count(c, "SELECT count(*) FROM leases"
                    + " WHERE revoke_reason = 'expired' AND id = ANY (?)", ids) == ids.size());
            assertThat(count(c, "SELECT count(*) FROM audit_events WHERE type = 'lease.expired' AND lease_id = ANY (?)",
                    ids)).as("lease.expired events").isEqualTo(ids.size());
            assertThat(count(c, "SELECT count(DISTINCT lease_id) FROM audit_events WHERE type = 'lease.expired'"
                    + " AND lease_id = ANY (?)", ids)).as("leases with a lease.expired event").isEqualTo(ids.size());
        }
    }

    /** DESIGN §8, §15: mixed traffic spread over the replicas leaves one audit chain, which verifies. */
    @Test
    @Order(5)
    void auditWhenTrafficIsSpreadOverReplicasThenOneChainVerifies() throws Exception {
        Set<String> servedBy = Collections.synchronizedSet(new HashSet<>());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> jobs = new ArrayList<>();
            for (int job = 0; job < 12; job++) {
                int n = job;
                jobs.add(pool.submit(() -> {
                    // round-robin: no replica is named
                    String session = client.session(null);
                    for (int i = 0; i < 3; i++) {
                        HttpResponse<String> r = client.lease(session, null, null);
                        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
                        r.headers().firstValue(HaProxy.SERVED_BY).ifPresent(servedBy::add);
                        if (i == 1) {
                            assertThat(client.send(client.request("/api/v2/a2a/leases/" + leaseId(r), null)
                                    .header("Authorization", "Bearer " + session).DELETE()).statusCode())
                                    .isEqualTo(204);
                        }
                    }
                    assertThat(client.lease(session, null, null).statusCode()).isEqualTo(201);
                    if (n % 2 == 0) {
                        assertThat(client.revoke(session, null).statusCode()).isEqualTo(200);
                    }
                    assertThat(client.send(client.request("/api/v2/a2a/secrets/db/nope", null)
                            .header("Authorization", "Bearer " + session).GET()).statusCode()).isIn(401, 403);
                    return null;
                }));
            }
            for (Future<?> f : jobs) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(servedBy).as("replicas that served the traffic").containsExactlyInAnyOrder("r1", "r2", "r3");

        try (Connection c = replicas.database().connect()) {
            long events = count(c, "SELECT count(*) FROM audit_events", null);
            Map<String, Object>[] report = new Map[1];
            await("the chainer to link every event", Duration.ofSeconds(60), () -> {
                report[0] = client.verify();
                return ((Number) report[0].get("pending_unchained")).longValue() == 0
                        && ((Number) report[0].get("chained_through")).longValue() >= events;
            });
            assertThat(report[0]).containsEntry("ok", true);
            // one link per event, positions 1..n without a gap or a second link at any position (a fork)
            assertThat(count(c, "SELECT count(*) FROM audit_events e WHERE NOT EXISTS (SELECT 1 FROM audit_links l"
                    + " WHERE l.seq = e.seq)", null)).as("unlinked events").isZero();
            assertThat(count(c, "SELECT count(*) FROM audit_links", null)).as("links")
                    .isEqualTo(count(c, "SELECT count(*) FROM audit_events", null));
            assertThat(count(c, "SELECT min(chain_pos) + count(*) - 1 - max(chain_pos) FROM audit_links", null))
                    .as("gaps in the chain").isZero();
        }
    }

    /**
     * DESIGN §6a, §15: dynamic PostgreSQL users revoked while all three replicas sweep every 200 ms: expiry (only the
     * sweepers), the holder's DELETE and the session's revocation (the request's replica right after its commit, racing
     * the sweepers) each drop every user exactly once: one {@code dynamic.revoked} per lease, no failed attempt, the
     * role gone, and for the logged engine one committed revocation per user.
     */
    @Test
    @Order(6)
    void dynamicWhenThreeReplicasSweepAndRevokeThenEachUserIsDroppedExactlyOnce() throws Exception {
        List<String> vias = List.of("r1", "r2", "r3");
        List<DynamicLease> expiring = new ArrayList<>();
        List<DynamicLease> ended = new ArrayList<>();
        Map<String, String> sessionOf = new LinkedHashMap<>();
        Map<String, Object> loginWith = null;
        for (String via : vias) {
            String session = client.session(via);
            sessionOf.put(via, session);
            for (int i = 0; i < 6; i++) {
                String engine = i % 2 == 0 ? DYN_LOGGED : DYN_DEFAULT;
                // four expire on their own, two are ended by a request (the holder's DELETE, the session's end)
                HttpResponse<String> r = client.dynamic(session, engine, i < 4 ? "2s" : "10m", via);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
                Map<String, Object> body = ReplicaClient.json(r);
                @SuppressWarnings("unchecked")
                Map<String, Object> credential = (Map<String, Object>) body.get("credential");
                DynamicLease lease = new DynamicLease((String) body.get("lease_id"), engine,
                        (String) credential.get("username"), via);
                (i < 4 ? expiring : ended).add(lease);
                if (loginWith == null && i >= 4) {
                    loginWith = credential;
                }
            }
        }
        // a real user: it logs in while its lease lasts
        try (Connection held = java.sql.DriverManager.getConnection(dynamicTarget.jdbcUrl(),
                (String) loginWith.get("username"), (String) loginWith.get("password"));
                java.sql.Statement s = held.createStatement(); ResultSet rs = s.executeQuery("SELECT current_user")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo(loginWith.get("username"));
        }
        try (Connection c = replicas.database().connect()) {
            List<String> expiringIds = expiring.stream().map(DynamicLease::leaseId).toList();
            // the sweepers' two jobs: the leases marked expired, their users dropped
            await(expiring.size() + " expired users revoked by the sweepers", Duration.ofSeconds(90),
                    () -> count(c, "SELECT count(*) FROM dynamic_credentials WHERE revoked_at IS NOT NULL"
                            + " AND lease_id = ANY (?)", expiringIds) == expiringIds.size()
                            && count(c, "SELECT count(*) FROM leases WHERE revoke_reason = 'expired'"
                            + " AND id = ANY (?)", expiringIds) == expiringIds.size());

            // each session's holder ends one lease through the next replica; the session ends through the one after
            for (int k = 0; k < vias.size(); k++) {
                String via = vias.get(k);
                List<DynamicLease> own = ended.stream().filter(l -> l.via().equals(via)).toList();
                HttpResponse<String> deleted = client.endLease(sessionOf.get(via), own.get(0).leaseId(),
                        vias.get((k + 1) % vias.size()));
                assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(204);
                HttpResponse<String> revoked = client.revoke(sessionOf.get(via), vias.get((k + 2) % vias.size()));
                assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(200);
            }
            List<DynamicLease> all = new ArrayList<>(expiring);
            all.addAll(ended);
            List<String> ids = all.stream().map(DynamicLease::leaseId).toList();
            await("every user revoked", Duration.ofSeconds(60), () -> count(c, "SELECT count(*) FROM"
                    + " dynamic_credentials WHERE revoked_at IS NOT NULL AND lease_id = ANY (?)", ids) == ids.size());
            // a barrier of at least one more sweep: a credential issued now and expiring in 1 s is swept (by any
            // replica, each sweeping every 200 ms); a second revocation of one of the others would have come by then
            String sentinelSession = client.session(null);
            HttpResponse<String> sentinel = client.dynamic(sentinelSession, DYN_LOGGED, "1s", null);
            assertThat(sentinel.statusCode()).as(sentinel.body()).isEqualTo(201);
            List<String> sentinelId = List.of(leaseId(sentinel));
            await("the sentinel swept", Duration.ofSeconds(60), () -> count(c, "SELECT count(*) FROM"
                    + " dynamic_credentials WHERE revoked_at IS NOT NULL AND lease_id = ANY (?)", sentinelId) == 1);

            assertThat(count(c, "SELECT count(*) FROM audit_events WHERE type = 'dynamic.revoked'"
                    + " AND lease_id = ANY (?)", ids)).as("dynamic.revoked events").isEqualTo(ids.size());
            assertThat(count(c, "SELECT count(DISTINCT lease_id) FROM audit_events WHERE type = 'dynamic.revoked'"
                    + " AND lease_id = ANY (?)", ids)).as("leases with a dynamic.revoked event").isEqualTo(ids.size());
            assertThat(count(c, "SELECT count(*) FROM audit_events WHERE type = 'dynamic.revoke_failed'"
                    + " AND lease_id = ANY (?)", ids)).as("dynamic.revoke_failed events").isZero();
        }
        List<String> users = new ArrayList<>(expiring.stream().map(DynamicLease::username).toList());
        users.addAll(ended.stream().map(DynamicLease::username).toList());
        List<String> logged = new ArrayList<>();
        expiring.stream().filter(l -> l.engine().equals(DYN_LOGGED)).forEach(l -> logged.add(l.username()));
        ended.stream().filter(l -> l.engine().equals(DYN_LOGGED)).forEach(l -> logged.add(l.username()));
        try (Connection t = dynamicTarget.connect()) {
            assertThat(count(t, "SELECT count(*) FROM pg_roles WHERE rolname = ANY (?)", users)).as("users left")
                    .isZero();
            // the logged engine's revocation inserts its row in the transaction that drops the role: one per user
            assertThat(count(t, "SELECT count(*) FROM app.revocation_log WHERE username = ANY (?)", logged))
                    .as("committed revocations of the logged engine's users").isEqualTo(logged.size());
            assertThat(count(t, "SELECT count(DISTINCT username) FROM app.revocation_log WHERE username = ANY (?)",
                    logged)).as("logged users revoked").isEqualTo(logged.size());
        }
    }

    /**
     * EXPORTS.md, DESIGN §15: one webhook subscription, three replicas competing for its cursor every 200 ms (FOR
     * UPDATE SKIP LOCKED claims) under mixed traffic spread over them: every event linked after the subscription was
     * made arrives exactly once, in one gap-free run of chain positions, each signed.
     */
    @Test
    @Order(7)
    void outboxWhenThreeReplicasDeliverOneWebhookThenEveryEventArrivesExactlyOnce() throws Exception {
        try (io.segura.broker.export.WebhookReceiver receiver = new io.segura.broker.export.WebhookReceiver()) {
            HttpResponse<String> registered = client.admin("POST", "/api/v2/a2a/webhooks",
                    "{\"url\": \"" + receiver.url("/replicas") + "\"}", null);
            assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
            Map<String, Object> subscription = ReplicaClient.json(registered);
            String id = (String) subscription.get("id");
            receiver.secret("/replicas", (String) subscription.get("secret"));
            String sink = "webhook:" + id;
            long registeredAt;
            try (Connection c = replicas.database().connect()) {
                // at most the cursor's first position (a delivery may already have moved it: those are received)
                registeredAt = count(c, "SELECT chain_pos FROM export_cursors WHERE sink = '" + sink + "'", null);
            }
            try {
                mixedTraffic();
                try (Connection c = replicas.database().connect()) {
                    await("the chainer to link every event", Duration.ofSeconds(60),
                            () -> ((Number) client.verify().get("pending_unchained")).longValue() == 0);
                    long head = count(c, "SELECT max(chain_pos) FROM audit_links", null);
                    await("the webhook cursor to reach the chain head " + head, Duration.ofSeconds(120),
                            () -> count(c, "SELECT chain_pos FROM export_cursors WHERE sink = '" + sink + "'", null)
                                    >= head);
                    List<io.segura.broker.export.WebhookReceiver.Delivery> got = receiver.at("/replicas");
                    Map<String, Integer> times = new LinkedHashMap<>();
                    got.forEach(d -> times.merge(d.id(), 1, Integer::sum));
                    assertThat(got).as("deliveries").allSatisfy(d -> assertThat(d.signatureValid())
                            .as("signature of " + d.id()).isTrue());
                    assertThat(times).as("deliveries per event id").allSatisfy((event, n) -> assertThat(n)
                            .as(event).isEqualTo(1));
                    List<Long> positions = new ArrayList<>();
                    try (PreparedStatement q = c.prepareStatement("SELECT l.chain_pos FROM audit_events e"
                            + " JOIN audit_links l ON l.seq = e.seq WHERE e.id = ANY (?) ORDER BY l.chain_pos")) {
                        q.setArray(1, c.createArrayOf("varchar", times.keySet().toArray()));
                        try (ResultSet rs = q.executeQuery()) {
                            while (rs.next()) {
                                positions.add(rs.getLong(1));
                            }
                        }
                    }
                    assertThat(positions).as("delivered events in the chain").hasSize(times.size());
                    long first = positions.get(0);
                    long last = positions.get(positions.size() - 1);
                    assertThat(first).as("first delivered position").isLessThanOrEqualTo(registeredAt + 1);
                    assertThat(last).as("last delivered position").isGreaterThanOrEqualTo(head);
                    assertThat(last - first + 1).as("positions %d..%d without a gap", first, last)
                            .isEqualTo(positions.size());
                    Set<String> types = new HashSet<>();
                    got.forEach(d -> types.add((String) ReplicaClient.json(d.body()).get("type")));
                    assertThat(types).as("event types delivered").contains("token.exchanged", "token.rejected",
                            "lease.issued", "lease.revoked", "lease.denied", "session.revoked", "dynamic.issued",
                            "dynamic.revoked");
                    System.out.printf("outbox through three replicas: %d events delivered once each (positions %d..%d),"
                            + " delivered per replica %s%n", got.size(), first, last, deliveredPerReplica(sink));
                }
            } finally {
                HttpResponse<String> deleted = client.admin("DELETE", "/api/v2/a2a/webhooks/" + id, null, null);
                assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(204);
            }
        }
    }

    /**
     * Issue 16: a replica killed with SIGKILL while jobs run through HAProxy. A request the dead replica had already
     * received fails once (HAProxy cannot resend it: it may have been processed) and the client retries it; requests
     * that only reach its closed port are resent by HAProxy to another replica, and its health checks take it out.
     * No request hangs, and every lease committed has its audit record.
     */
    @Test
    @Order(50)
    void killWhenAReplicaDiesUnderTrafficThenClientsRetryAtMostOnceAndEveryLeaseIsAudited() throws Exception {
        AtomicInteger flows = new AtomicInteger();
        long[] killedAt = {0};
        List<ReplicaClient.Attempted> requests = new CopyOnWriteArrayList<>();
        List<String> granted = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<?>> jobs = new ArrayList<>();
        try {
            for (int t = 0; t < 6; t++) {
                jobs.add(pool.submit(() -> {
                    while (!stop.get()) {
                        // a CI job: exchange (a fresh id token per attempt, as a job would fetch), two leases, revoke
                        String session = client.sessionOf(retried(requests, "exchange",
                                () -> client.exchange(client.idToken(), null)));
                        for (int i = 0; i < 2; i++) {
                            HttpResponse<String> l = retried(requests, "lease",
                                    () -> client.lease(session, null, null));
                            assertThat(l.statusCode()).as(l.body()).isEqualTo(201);
                            granted.add(leaseId(l));
                        }
                        assertThat(retried(requests, "revoke", () -> client.revoke(session, null)).statusCode())
                                .isEqualTo(200);
                        flows.incrementAndGet();
                    }
                    return null;
                }));
            }
            await("20 jobs before the kill", Duration.ofSeconds(120), () -> flows.get() >= 20);
            int atKill = flows.get();
            killedAt[0] = System.nanoTime();
            replicas.replica(2).kill();
            await("30 jobs after the kill", Duration.ofSeconds(120), () -> flows.get() >= atKill + 30
                    || jobs.stream().anyMatch(Future::isDone));
            stop.set(true);
            for (Future<?> f : jobs) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
        long retried = requests.stream().filter(r -> r.attempts() > 1).count();
        ReplicaClient.Attempted slowest = requests.stream()
                .max(java.util.Comparator.comparingLong(ReplicaClient.Attempted::millis)).orElseThrow();
        System.out.printf("kill -9 of r3 under traffic: %d requests, %d retried by the client (%s), slowest %s"
                + " started %d ms after the kill%n", requests.size(), retried, requests.stream()
                .filter(r -> r.attempts() > 1).map(r -> r.failure() + " (its last attempt started "
                        + Duration.ofNanos(r.started() - killedAt[0]).toMillis() + " ms after the kill)").toList(),
                slowest,
                Duration.ofNanos(slowest.started() - killedAt[0]).toMillis());
        System.out.println("HAProxy's answers other than 2xx:\n" + replicas.proxy().log().lines()
                .filter(l -> !l.matches(".* 20[014] .*")).collect(java.util.stream.Collectors.joining("\n")));
        assertThat(requests).as("requests that needed more than one retry (HAProxy's log:\n%s)", haproxyTail())
                .allSatisfy(r -> assertThat(r.attempts()).isLessThanOrEqualTo(2));
        assertThat(retried).as("requests in flight on the killed replica, at most one per client")
                .isLessThanOrEqualTo(6);
        assertThat(requests).as("timed out (hung) requests").noneMatch(r -> r.failure() != null
                && r.failure().contains("HttpTimeoutException"));
        try (Connection c = replicas.database().connect()) {
            // a dynamic credential's lease (the tests before) is recorded by its dynamic.issued event
            assertThat(count(c, "SELECT count(*) FROM leases l WHERE NOT EXISTS (SELECT 1 FROM audit_events e"
                    + " WHERE e.type IN ('lease.issued', 'dynamic.issued') AND e.lease_id = l.id)", null))
                    .as("leases without their audit record").isZero();
            assertThat(count(c, "SELECT count(*) FROM leases WHERE id = ANY (?)", granted)).as("granted leases")
                    .isEqualTo(granted.size());
        }
        Map<String, Object>[] report = new Map[1];
        await("the surviving replicas' chainer to link every event", Duration.ofSeconds(60), () -> {
            report[0] = client.verify();
            return ((Number) report[0].get("pending_unchained")).longValue() == 0;
        });
        assertThat(report[0]).containsEntry("ok", true);
    }

    /** DESIGN §14: no replica logged the secret's value or a session token. */
    @Test
    @Order(100)
    void logsWhenAllTrafficIsDoneThenNoSecretOrSessionTokenInAny() throws Exception {
        for (int i = 0; i < replicas.size(); i++) {
            String log = replicas.replica(i).log();
            assertThat(log).as("r" + (i + 1) + " log").doesNotContain(SECRET);
            for (String token : client.sessionTokens()) {
                assertThat(log).as("r" + (i + 1) + " log").doesNotContain(token);
            }
        }
        assertThat(replicas.proxy().log()).doesNotContain(SECRET);
    }

    // --- helpers ---------------------------------------------------------------------------------------------------

    record DynamicLease(String leaseId, String engine, String username, String via) {
    }

    /**
     * CI jobs through HAProxy's round robin: exchanges, one refused (another repository), leases, a holder's
     * DELETE, a dynamic credential, a refused dynamic request, and half of the sessions revoked (with what they hold).
     */
    static void mixedTraffic() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> jobs = new ArrayList<>();
            for (int job = 0; job < 12; job++) {
                int n = job;
                jobs.add(pool.submit(() -> {
                    String session = client.session(null);
                    for (int i = 0; i < 2; i++) {
                        HttpResponse<String> r = client.lease(session, null, null);
                        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
                        if (i == 1) {
                            assertThat(client.endLease(session, leaseId(r), null).statusCode()).isEqualTo(204);
                        }
                    }
                    HttpResponse<String> dynamic = client.dynamic(session, DYN_DEFAULT, "10m", null);
                    assertThat(dynamic.statusCode()).as(dynamic.body()).isEqualTo(201);
                    assertThat(client.dynamic(session, "db/nope", null, null).statusCode()).isEqualTo(404);
                    if (n % 3 == 0) {
                        String other = issuer.mint(Map.of("aud", AUDIENCE, "sub", "repo:acme/other-" + n,
                                "repository_id", "75"));
                        assertThat(client.exchange(other, null).statusCode()).isEqualTo(400);
                    }
                    // every session ends, so its dynamic user is dropped: half revoked, half by its lease's DELETE
                    if (n % 2 == 0) {
                        assertThat(client.revoke(session, null).statusCode()).isEqualTo(200);
                    } else {
                        assertThat(client.endLease(session, leaseId(dynamic), null).statusCode()).isEqualTo(204);
                    }
                    return null;
                }));
            }
            for (Future<?> f : jobs) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Each replica's {@code segura_export_delivered_total} for the sink. */
    static Map<String, String> deliveredPerReplica(String sink) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < replicas.size(); i++) {
            HttpResponse<String> metrics = client.send(HttpRequest.newBuilder(replicas.replica(i).url()
                    .resolve("/actuator/prometheus")).GET());
            out.put(BrokerReplicas.name(i), metrics.body().lines().filter(l -> l.startsWith(
                    "segura_export_delivered_total") && l.contains(sink)).map(l -> l.substring(l.lastIndexOf(' ') + 1))
                    .findFirst().orElse("0"));
        }
        return out;
    }

    static String haproxyTail() {
        try {
            String log = replicas.proxy().log();
            return log.length() <= 20_000 ? log : log.substring(log.length() - 20_000);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    record StormRequest(long started, long answered, int status, String leaseId) {
    }

    record SessionRow(String id, java.sql.Timestamp revokedAt, int leaseCount) {
    }

    static SessionRow sessionRow(Connection c, String session) throws Exception {
        try (PreparedStatement q = c.prepareStatement("SELECT id, revoked_at, lease_count FROM sessions"
                + " WHERE token_hash = ?")) {
            q.setString(1, SessionToken.sha256Hex(session));
            try (ResultSet rs = q.executeQuery()) {
                assertThat(rs.next()).as("the session's row").isTrue();
                return new SessionRow(rs.getString(1), rs.getTimestamp(2), rs.getInt(3));
            }
        }
    }
}
