// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.replicas;

import static io.segura.broker.replicas.ReplicaClient.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.segura.testkit.broker.BrokerReplicas;
import io.segura.testkit.net.HaProxy;
import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.postgres.PrivateCluster;
import io.segura.testkit.postgres.TestDatabase;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 16: the database restarts under traffic. Two broker replicas behind HAProxy share a PostgreSQL cluster of
 * the test's own ({@link PrivateCluster}; the machine's shared server is never restarted). While it is down every
 * request is answered promptly with 503 and {@code Retry-After} (never a 500, a 401 or a hang); once it is back the
 * same broker processes serve again, without a restart.
 */
class DatabaseRestartIT {

    static final String AUDIENCE = "https://segura.test";
    static final String SECRET = "restart-secret-" + UUID.randomUUID();

    static PrivateCluster cluster;
    static TestDatabase database;
    static IssuerSimulator issuer;
    static BrokerReplicas replicas;
    static ReplicaClient client;

    @BeforeAll
    static void start() throws Exception {
        cluster = PrivateCluster.start();
        database = TestDatabase.create("DatabaseRestartIT", cluster.url());
        issuer = IssuerSimulator.start();
        String config = String.join("\n",
                "issuers:",
                "  - name: ci",
                "    issuer: " + issuer.issuer(),
                "    audiences: [\"" + AUDIENCE + "\"]",
                "roles:",
                "  - name: deploy",
                "    issuers: [ci]",
                "    bound-claims:",
                "      repository_id: \"74\"",
                "    secrets: [\"api/*\"]",
                "");
        replicas = BrokerReplicas.start(2, b -> b.owner("DatabaseRestartIT").config(config).database(database));
        client = new ReplicaClient(replicas.url(), issuer, AUDIENCE, replicas.adminToken());
        HttpResponse<String> put = client.putSecret("api/key", SECRET);
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
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
                if (cluster != null) {
                    cluster.close();
                }
            }
        }
    }

    @Test
    void restartWhenTheDatabaseGoesAwayUnderTrafficThen503WithRetryAfterAndRecoveryWithoutARestart()
            throws Exception {
        String session = client.session(null);
        long[] pids = {replicas.replica(0).pid(), replicas.replica(1).pid()};
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
                            replica(r.headers().firstValue(HaProxy.SERVED_BY).orElse(null)), r.body()));
                    Thread.sleep(20);
                }
                return null;
            }));
        }
        try {
            await("leases before the outage", Duration.ofSeconds(60), () -> ok(answers) >= 10);
            cluster.stop();
            long down = System.nanoTime();
            await("503s from both replicas while the database is down", Duration.ofSeconds(60),
                    () -> answers.stream().filter(a -> a.started() > down && a.status() == 503).map(Answer::servedBy)
                            .distinct().count() >= 2);
            HttpResponse<String> exchange = client.exchange(client.idToken(), null);
            assertThat(exchange.statusCode()).as(exchange.body()).isEqualTo(503);
            assertThat(exchange.headers().firstValue("Retry-After")).isPresent();
            assertThat(exchange.body()).contains("temporarily_unavailable");
            cluster.restart();
            long up = System.nanoTime();
            await("both replicas to serve leases again", Duration.ofSeconds(90), () -> answers.stream()
                    .filter(a -> a.started() > up && a.status() == 201).map(Answer::servedBy).distinct().count() >= 2);
            long recovered = System.nanoTime();
            await("more leases after the recovery", Duration.ofSeconds(60), () -> answers.stream()
                    .filter(a -> a.started() > recovered).count() >= 20);
            stop.set(true);
            for (Future<?> f : traffic) {
                f.get(60, TimeUnit.SECONDS);
            }
            System.out.printf("database restart under traffic: %d answers, %d 503, recovered %d ms after the"
                    + " restart, slowest answer %d ms%n", answers.size(), answers.stream().filter(a -> a.status()
                    == 503).count(), Duration.ofNanos(recovered - up).toMillis(), answers.stream()
                    .mapToLong(Answer::millis).max().orElse(0));
            assertThat(answers).as("answers during the outage and after").allSatisfy(a -> {
                assertThat(a.status()).as(a.body()).isIn(201, 503);
                if (a.status() == 503) {
                    assertThat(a.retryAfter()).as("Retry-After on " + a.body()).isNotNull();
                    assertThat(a.body()).doesNotContain(SECRET);
                }
                assertThat(a.millis()).as("no hung request").isLessThan(30_000);
            });
            assertThat(answers).as("answers started after the recovery").filteredOn(a -> a.started() > recovered)
                    .allSatisfy(a -> assertThat(a.status()).as(a.body()).isEqualTo(201));
            assertThat(new long[] {replicas.replica(0).pid(), replicas.replica(1).pid()}).as("the same processes")
                    .containsExactly(pids);
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
        for (int i = 0; i < replicas.size(); i++) {
            assertThat(replicas.replica(i).log()).as("r" + (i + 1) + " log").doesNotContain(SECRET)
                    .doesNotContain(session);
        }
    }

    /**
     * The replica behind a {@link HaProxy#SERVED_BY} value: while no replica is ready (the database is down for all)
     * HAProxy sends to their unchecked fallback entries, {@code r1-any} being r1.
     */
    static String replica(String servedBy) {
        return servedBy == null ? null : servedBy.replace(HaProxy.FALLBACK, "");
    }

    record Answer(long started, long millis, int status, String retryAfter, String servedBy, String body) {
    }

    static long ok(List<Answer> answers) {
        return answers.stream().filter(a -> a.status() == 201).count();
    }
}
