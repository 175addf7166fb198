// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.replicas;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.util.JSONObjectUtils;
import io.segura.testkit.broker.BrokerReplicas;
import io.segura.testkit.net.HaProxy;
import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.postgres.PrivateCluster;
import io.segura.testkit.postgres.TestDatabase;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
    static HttpClient http;

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
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .build();
        HttpResponse<String> put = send(HttpRequest.newBuilder(replicas.url().resolve("/api/v2/admin/secrets/api/key"))
                .header("Authorization", "Bearer " + replicas.adminToken()).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(JSONObjectUtils.toJSONString(Map.of("value", SECRET)))));
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
        String session = session();
        long[] pids = {replicas.replica(0).pid(), replicas.replica(1).pid()};
        List<Answer> answers = new CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<Future<?>> traffic = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            traffic.add(pool.submit(() -> {
                while (!stop.get()) {
                    long started = System.nanoTime();
                    HttpResponse<String> r = lease(session, null);
                    answers.add(new Answer(started, Duration.ofNanos(System.nanoTime() - started).toMillis(),
                            r.statusCode(), r.headers().firstValue("Retry-After").orElse(null),
                            r.headers().firstValue(HaProxy.SERVED_BY).orElse(null), r.body()));
                    Thread.sleep(20);
                }
                return null;
            }));
        }
        try {
            ReplicasIT.await("leases before the outage", Duration.ofSeconds(60), () -> ok(answers) >= 10);
            cluster.stop();
            long down = System.nanoTime();
            ReplicasIT.await("503s from both replicas while the database is down", Duration.ofSeconds(60),
                    () -> answers.stream().filter(a -> a.started() > down && a.status() == 503).map(Answer::servedBy)
                            .distinct().count() >= 2);
            HttpResponse<String> exchange = exchange(issuer.mint(Map.of("aud", AUDIENCE, "sub", "repo:acme/app-"
                    + UUID.randomUUID(), "repository_id", "74")));
            assertThat(exchange.statusCode()).as(exchange.body()).isEqualTo(503);
            assertThat(exchange.headers().firstValue("Retry-After")).isPresent();
            assertThat(exchange.body()).contains("temporarily_unavailable");
            cluster.restart();
            long up = System.nanoTime();
            ReplicasIT.await("both replicas to serve leases again", Duration.ofSeconds(90), () -> answers.stream()
                    .filter(a -> a.started() > up && a.status() == 201).map(Answer::servedBy).distinct().count() >= 2);
            long recovered = System.nanoTime();
            ReplicasIT.await("more leases after the recovery", Duration.ofSeconds(60), () -> answers.stream()
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

    record Answer(long started, long millis, int status, String retryAfter, String servedBy, String body) {
    }

    static long ok(List<Answer> answers) {
        return answers.stream().filter(a -> a.status() == 201).count();
    }

    static String session() throws Exception {
        HttpResponse<String> r = exchange(issuer.mint(Map.of("aud", AUDIENCE, "sub", "repo:acme/app-"
                + UUID.randomUUID(), "repository_id", "74")));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return (String) JSONObjectUtils.parse(r.body()).get("access_token");
    }

    static HttpResponse<String> exchange(String subjectToken) {
        return send(HttpRequest.newBuilder(URI.create(replicas.url() + "/oauth2/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=" + enc(ReplicasIT.TOKEN_EXCHANGE)
                        + "&subject_token_type=" + enc(ReplicasIT.JWT_TYPE) + "&subject_token=" + enc(subjectToken)
                        + "&scope=role:deploy")));
    }

    static HttpResponse<String> lease(String session, String via) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(replicas.url() + "/api/v2/a2a/leases"))
                .header("Authorization", "Bearer " + session).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"secrets\": [\"api/key\"]}"));
        if (via != null) {
            b.header(HaProxy.SERVED_BY, via);
        }
        return send(b);
    }

    static HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
