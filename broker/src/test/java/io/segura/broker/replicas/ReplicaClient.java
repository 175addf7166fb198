// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.replicas;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.util.JSONObjectUtils;
import io.segura.testkit.net.HaProxy;
import io.segura.testkit.oidc.IssuerSimulator;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.text.ParseException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * What CI jobs and an operator send to broker replicas through HAProxy in the replica tests: exchanges (role
 * {@code deploy}, repository 74), leases of {@code api/key}, dynamic credentials, revocations, admin requests, the
 * audit verification. A request names a
 * replica with {@code via} ({@link HaProxy#SERVED_BY}), or leaves the choice to HAProxy with {@code null}.
 */
final class ReplicaClient {

    static final String TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
    static final String JWT_TYPE = "urn:ietf:params:oauth:token-type:jwt";

    private final URI base;
    private final IssuerSimulator issuer;
    private final String audience;
    private final String adminToken;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).executor(Executors.newCachedThreadPool()).build();
    /** Every session token handed out, to check that no log carries one. */
    private final List<String> sessionTokens = new CopyOnWriteArrayList<>();

    ReplicaClient(URI base, IssuerSimulator issuer, String audience, String adminToken) {
        this.base = Objects.requireNonNull(base, "base cannot be null");
        this.issuer = Objects.requireNonNull(issuer, "issuer cannot be null");
        this.audience = Objects.requireNonNull(audience, "audience cannot be null");
        this.adminToken = Objects.requireNonNull(adminToken, "adminToken cannot be null");
    }

    List<String> sessionTokens() {
        return sessionTokens;
    }

    /** A fresh CI id token of repository 74 with a subject of its own. */
    String idToken() {
        return issuer.mint(Map.of("aud", audience, "sub", "repo:acme/app-" + UUID.randomUUID()
                + ":ref:refs/heads/main", "repository_id", "74"));
    }

    /** A new session through replica {@code via}. */
    String session(String via) {
        return sessionOf(exchange(idToken(), via));
    }

    /** The session token of a 200 exchange answer (remembered for the log checks). */
    String sessionOf(HttpResponse<String> exchanged) {
        assertThat(exchanged.statusCode()).as(exchanged.body()).isEqualTo(200);
        String session = (String) json(exchanged).get("access_token");
        sessionTokens.add(session);
        return session;
    }

    HttpResponse<String> exchange(String subjectToken, String via) {
        return send(request("/oauth2/token", via).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=" + enc(TOKEN_EXCHANGE) + "&subject_token_type="
                        + enc(JWT_TYPE) + "&subject_token=" + enc(subjectToken) + "&scope=role:deploy")));
    }

    HttpResponse<String> lease(String session, String via, String ttl) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("secrets", List.of("api/key"));
        if (ttl != null) {
            body.put("ttl", ttl);
        }
        return send(request("/api/v2/a2a/leases", via).header("Authorization", "Bearer " + session)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSONObjectUtils.toJSONString(body))));
    }

    /** {@code POST /api/v2/a2a/dynamic-secrets}: a dynamic credential {@code name} for {@code ttl} (or the default). */
    HttpResponse<String> dynamic(String session, String name, String ttl, String via) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        if (ttl != null) {
            body.put("ttl", ttl);
        }
        return send(request("/api/v2/a2a/dynamic-secrets", via).header("Authorization", "Bearer " + session)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSONObjectUtils.toJSONString(body))));
    }

    /** The holder's {@code DELETE /api/v2/a2a/leases/{id}}. */
    HttpResponse<String> endLease(String session, String leaseId, String via) {
        return send(request("/api/v2/a2a/leases/" + leaseId, via).header("Authorization", "Bearer " + session)
                .DELETE());
    }

    /** An admin-token request with a JSON body (or none). */
    HttpResponse<String> admin(String method, String path, String jsonBody, String via) {
        return send(request(path, via).header("Authorization", "Bearer " + adminToken)
                .header("Content-Type", "application/json").method(method, jsonBody == null
                        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(jsonBody)));
    }

    HttpResponse<String> revoke(String session, String via) {
        return send(request("/oauth2/revoke", via).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("token=" + enc(session))));
    }

    HttpResponse<String> putSecret(String path, String value) {
        return send(request("/api/v2/admin/secrets/" + path, null).header("Authorization", "Bearer " + adminToken)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(JSONObjectUtils.toJSONString(Map.of("value", value)))));
    }

    /** {@code GET /api/v2/admin/audit/verify}. */
    Map<String, Object> verify() {
        HttpResponse<String> r = send(request("/api/v2/admin/audit/verify", null)
                .header("Authorization", "Bearer " + adminToken).GET());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json(r);
    }

    HttpRequest.Builder request(String path, String via) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
        if (via != null) {
            b.header(HaProxy.SERVED_BY, via);
        }
        return b;
    }

    HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The lease id of a 201 lease answer, else null. */
    static String leaseId(HttpResponse<String> r) {
        return r.statusCode() == 201 ? (String) json(r).get("lease_id") : null;
    }

    static Map<String, Object> json(HttpResponse<String> r) {
        return json(r.body());
    }

    static Map<String, Object> json(String body) {
        try {
            return JSONObjectUtils.parse(body);
        } catch (ParseException e) {
            throw new AssertionError(body, e);
        }
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** {@code sql}'s single number, with {@code ids} bound as its one array parameter when given. */
    static long count(Connection c, String sql, List<String> ids) {
        try (PreparedStatement q = c.prepareStatement(sql)) {
            if (ids != null) {
                q.setArray(1, c.createArrayOf("varchar", ids.toArray()));
            }
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Polls {@code condition} until it holds, failing after {@code timeout}: no sleep stands in for an ordering. */
    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    /** A client request: how many attempts it took, its failures (if any), how long the last one took. */
    record Attempted(String what, int attempts, String failure, long millis, long started) {
    }

    interface Call {
        HttpResponse<String> send() throws Exception;
    }

    /**
     * Sends {@code call}, again when the load balancer answers 502/503 or the connection fails (at most three
     * attempts, each recorded in {@code log}).
     */
    static HttpResponse<String> retried(List<Attempted> log, String what, Call call) throws Exception {
        String failure = null;
        for (int attempt = 1; ; attempt++) {
            long started = System.nanoTime();
            try {
                HttpResponse<String> r = call.send();
                long millis = Duration.ofNanos(System.nanoTime() - started).toMillis();
                if ((r.statusCode() == 502 || r.statusCode() == 503) && attempt < 3) {
                    failure = (failure == null ? "" : failure + "; ") + r.statusCode() + " " + r.body();
                    continue;
                }
                log.add(new Attempted(what, attempt, failure, millis, started));
                return r;
            } catch (java.io.UncheckedIOException | java.io.IOException e) {
                failure = (failure == null ? "" : failure + "; ") + e;
                if (attempt >= 3) {
                    log.add(new Attempted(what, attempt, failure, 0, started));
                    throw e;
                }
            }
        }
    }
}
