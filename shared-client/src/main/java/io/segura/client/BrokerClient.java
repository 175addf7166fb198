// SPDX-License-Identifier: Apache-2.0
package io.segura.client;

import io.segura.client.json.Json;
import io.segura.client.json.JsonException;
import io.segura.client.platform.Identity;
import io.segura.client.tls.PemTls;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;
import javax.net.ssl.SSLContext;

/**
 * The broker's HTTP API (DESIGN §5) on {@code java.net.http}: token exchange (RFC 8693) or client credentials,
 * leases, renewal, revocation (RFC 7009), the policy dry run and the operator calls the CLI needs. Retries connect
 * errors, 429 and 503 per {@link RetryPolicy}; never a decision. Thread-safe. No token, secret or request body
 * ever reaches an exception message.
 */
public final class BrokerClient {

    static final String TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
    static final String JWT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:jwt";
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private final URI base;
    private final HttpClient http;
    private final RetryPolicy retry;
    private final RandomGenerator random;
    private final Path caCert;
    private volatile HttpClient mtls;

    /**
     * @param base   the broker's base URL ({@code SEGURA_URL})
     * @param http   the client for every call except an mTLS token request
     * @param retry  the retry budget
     * @param caCert CA bundle for a client built on demand for an mTLS identity, or null
     */
    public BrokerClient(URI base, HttpClient http, RetryPolicy retry, Path caCert) {
        this.base = Objects.requireNonNull(base, "base cannot be null");
        this.http = Objects.requireNonNull(http, "http cannot be null");
        this.retry = Objects.requireNonNull(retry, "retry cannot be null");
        this.random = RandomGenerator.getDefault();
        this.caCert = caCert;
    }

    /** A client for {@code config}: its URL, retry budget, CA bundle and, when set, mTLS client certificate. */
    public static BrokerClient create(ClientConfig config) throws IOException {
        return create(config, httpClient(config));
    }

    /** A client for {@code config} over {@code http} (e.g. one shared with the platform's token requests). */
    public static BrokerClient create(ClientConfig config, HttpClient http) {
        return new BrokerClient(config.url(), http, config.retry(), config.caCert());
    }

    /**
     * The HTTP client {@link #create(ClientConfig)} uses: CA bundle and mTLS certificate from {@code config}. For a
     * plain-http loopback broker (dev, tests) the client gets an uninitialised TLS context it never uses: the JDK's
     * default one loads the whole CA store and ~250 TLS classes at start-up, a fifth of a CLI run's CPU time.
     */
    public static HttpClient httpClient(ClientConfig config) throws IOException {
        if ("http".equals(config.url().getScheme()) && config.caCert() == null && config.clientCert() == null) {
            try {
                return HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).version(HttpClient.Version.HTTP_1_1)
                        .followRedirects(HttpClient.Redirect.NEVER)
                        .sslContext(SSLContext.getInstance("TLS"))
                        .sslParameters(new javax.net.ssl.SSLParameters())
                        .build();
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IOException("no TLS implementation in this JDK", e);
            }
        }
        return httpClient(config.caCert(), config.clientCert(), config.clientKey());
    }

    /** An HTTP client trusting {@code caPem} (or the JDK's CAs) and presenting a client certificate if given. */
    public static HttpClient httpClient(Path caPem, Path certPem, Path keyPem) throws IOException {
        // HTTP/1.1: no h2c upgrade round on plain http, and a few small calls per job gain nothing from HTTP/2.
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER);
        if (caPem != null || certPem != null) {
            SSLContext ctx = PemTls.sslContext(caPem, certPem, keyPem);
            b.sslContext(ctx);
        }
        return b.build();
    }

    public URI baseUrl() {
        return base;
    }

    // ---- sessions ----------------------------------------------------------------------------------------------

    /**
     * {@code POST /oauth2/token}: an OIDC token by RFC 8693 token exchange, or client credentials (HTTP Basic, or
     * the mTLS certificate) — for {@code role}, or the one role that matches when null.
     */
    public Session exchange(Identity identity, String role) throws BrokerException, InterruptedException {
        Objects.requireNonNull(identity, "identity cannot be null");
        Map<String, String> form = new LinkedHashMap<>();
        HttpRequest.Builder req = request("/oauth2/token");
        HttpClient client = http;
        if (identity instanceof Identity.OidcToken) {
            form.put("grant_type", TOKEN_EXCHANGE);
            form.put("subject_token", ((Identity.OidcToken) identity).jwt());
            form.put("subject_token_type", JWT_TOKEN_TYPE);
        } else if (identity instanceof Identity.ClientSecret) {
            Identity.ClientSecret cs = (Identity.ClientSecret) identity;
            form.put("grant_type", "client_credentials");
            // RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined and base64-encoded
            String basic = urlEncode(cs.clientId()) + ":" + urlEncode(cs.clientSecret());
            req.header("Authorization", "Basic "
                    + Base64.getEncoder().encodeToString(basic.getBytes(StandardCharsets.UTF_8)));
        } else if (identity instanceof Identity.PresentedCertificate) {
            form.put("grant_type", "client_credentials");
            String clientId = ((Identity.PresentedCertificate) identity).clientId();
            if (clientId != null) {
                form.put("client_id", clientId);
            }
        } else {
            Identity.ClientCertificate cc = (Identity.ClientCertificate) identity;
            form.put("grant_type", "client_credentials");
            form.put("client_id", cc.clientId());
            client = mtlsClient(cc);
        }
        if (role != null) {
            form.put("scope", "role:" + role);
        }
        HttpResponse<String> r = send(client, req.header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(form))).build());
        Map<String, Object> body = expect(r, 200);
        try {
            long expiresIn = Json.number(body, "expires_in");
            return new Session(Json.string(body, "access_token"), Instant.now().plusSeconds(expiresIn),
                    Json.optionalString(body, "scope"));
        } catch (JsonException e) {
            throw malformed(r, e);
        }
    }

    private HttpClient mtlsClient(Identity.ClientCertificate cc) throws BrokerException {
        HttpClient c = mtls;
        if (c == null) {
            try {
                c = httpClient(caCert, Path.of(cc.certificatePemPath()), Path.of(cc.keyPemPath()));
            } catch (IOException e) {
                throw new BrokerException(BrokerException.Kind.INVALID_REQUEST, 0, null, "client certificate",
                        e.getMessage(), null, List.of(), e);
            }
            mtls = c;
        }
        return c;
    }

    /**
     * {@code POST /oauth2/revoke} (RFC 7009): ends the session and every lease it holds. A token the broker no
     * longer knows (expired, revoked before) is not an error — RFC 7009 §2.2 answers 200 either way.
     */
    public void revoke(Session session) throws BrokerException, InterruptedException {
        revoke(session.token());
    }

    /** {@link #revoke(Session)} for a token read back from a state file. */
    public void revoke(String sessionToken) throws BrokerException, InterruptedException {
        Objects.requireNonNull(sessionToken, "sessionToken cannot be null");
        HttpResponse<String> r = send(http, request("/oauth2/revoke")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(Map.of("token", sessionToken)))).build());
        expect(r, 200);
    }

    // ---- leases ------------------------------------------------------------------------------------------------

    /** {@code POST /api/v2/a2a/leases}: one lease for all {@code specs}; {@code ttl} null means the role's cap. */
    public Lease lease(Session session, List<SecretSpec> specs, Duration ttl)
            throws BrokerException, InterruptedException {
        if (specs.isEmpty()) {
            throw new IllegalArgumentException("a lease needs at least one secret");
        }
        for (SecretSpec s : specs) {
            if (s.dynamic()) {
                // the lease API takes static secrets only; callers that support dynamic ones (segura-cli exec) call
                // dynamicSecret for them, every other integration ends up here and says so
                throw new IllegalArgumentException(s.ref() + ": dynamic secrets are not supported here yet; run the"
                        + " step under `segura-cli exec`, which requests them and revokes them when it ends");
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("secrets", specs.stream().map(SecretSpec::ref).toList());
        if (ttl != null) {
            body.put("ttl", DurationText.format(ttl));
        }
        HttpResponse<String> r = send(http, bearer(request("/api/v2/a2a/leases"), session.token())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))).build());
        return lease(r, expect(r, 201));
    }

    /**
     * {@code POST /api/v2/a2a/dynamic-secrets}: a fresh credential of the dynamic secret {@code name} under a lease of
     * its own; {@code ttl} null means the engine's default. It is revoked when its lease or the session is.
     */
    public DynamicCredential dynamicSecret(Session session, String name, Duration ttl)
            throws BrokerException, InterruptedException {
        return dynamicSecret(session, name, ttl, Map.of());
    }

    /**
     * As {@link #dynamicSecret(Session, String, Duration)}, with the engine's own request fields, e.g. an SSH
     * engine's {@code public_key} (the key to certify). A list in the answer (an SSH certificate's principals) becomes
     * one comma-separated field.
     */
    public DynamicCredential dynamicSecret(Session session, String name, Duration ttl, Map<String, String> parameters)
            throws BrokerException, InterruptedException {
        Objects.requireNonNull(name, "name cannot be null");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        if (ttl != null) {
            body.put("ttl", DurationText.format(ttl));
        }
        parameters.forEach(body::putIfAbsent);
        HttpResponse<String> r = send(http, bearer(request("/api/v2/a2a/dynamic-secrets"), session.token())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))).build());
        Map<String, Object> answer = expect(r, 201);
        try {
            Map<String, Object> credential = Json.object(answer.get("credential"), "credential");
            Map<String, String> fields = new LinkedHashMap<>();
            credential.forEach((k, v) -> fields.put(k, v instanceof Number n ? Long.toString(n.longValue())
                    : v instanceof List<?> l ? String.join(",", l.stream().map(String::valueOf).toList())
                    : v == null ? "" : v.toString()));
            return new DynamicCredential(Json.string(answer, "lease_id"), Json.string(answer, "name"),
                    Json.optionalString(answer, "engine"), Instant.parse(Json.string(answer, "expires_at")), fields,
                    texts(Json.list(answer, "warnings")));
        } catch (JsonException | DateTimeParseException e) {
            throw malformed(r, e);
        }
    }

    /** {@code GET /api/v2/a2a/secrets/{path}}: one secret ({@code path} or {@code path@version}) under a new lease. */
    public Lease secret(Session session, String pathSpec) throws BrokerException, InterruptedException {
        SecretSpec spec = SecretSpec.parse(pathSpec);
        String uri = "/api/v2/a2a/secrets/" + spec.path() + (spec.version() == null ? "" : "?version="
                + spec.version());
        HttpResponse<String> r = send(http, bearer(request(uri), session.token()).GET().build());
        return lease(r, expect(r, 200));
    }

    /** {@code POST /api/v2/a2a/leases/{id}/renew}: the broker caps the increment by the role and the session. */
    public Lease renew(Session session, String leaseId, Duration increment)
            throws BrokerException, InterruptedException {
        String body = increment == null ? "{}" : Json.write(Map.of("increment", DurationText.format(increment)));
        HttpResponse<String> r = send(http, bearer(request("/api/v2/a2a/leases/" + urlEncode(leaseId) + "/renew"),
                session.token()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
        return lease(r, expect(r, 200));
    }

    /**
     * {@code DELETE /api/v2/a2a/leases/{id}}.
     *
     * @return false when the broker no longer knows the session (expired, revoked) or the lease; revoking a lease
     *         twice is idempotent on the broker. Neither is an error
     */
    public boolean revokeLease(Session session, String leaseId) throws BrokerException, InterruptedException {
        HttpResponse<String> r = send(http, bearer(request("/api/v2/a2a/leases/" + urlEncode(leaseId)),
                session.token()).DELETE().build());
        if (r.statusCode() == 404 || r.statusCode() == 401) {
            return false;
        }
        expect(r, 204);
        return true;
    }

    private Lease lease(HttpResponse<String> r, Map<String, Object> body) throws BrokerException {
        try {
            List<LeasedSecret> secrets = new ArrayList<>();
            for (Object o : Json.list(body, "secrets")) {
                Map<String, Object> s = Json.object(o, "secrets[]");
                secrets.add(new LeasedSecret(Json.string(s, "path"), (int) Json.number(s, "version"),
                        Json.string(s, "value"), Json.optionalString(s, "created_at")));
            }
            String issued = Json.optionalString(body, "issued_at");
            return new Lease(Json.string(body, "lease_id"), issued == null ? null : Instant.parse(issued),
                    Instant.parse(Json.string(body, "expires_at")), Boolean.TRUE.equals(body.get("renewable")),
                    secrets, texts(Json.list(body, "warnings")));
        } catch (JsonException | DateTimeParseException e) {
            throw malformed(r, e);
        }
    }

    // ---- policy dry run ----------------------------------------------------------------------------------------

    /**
     * {@code POST /api/v2/policy/evaluate} as an operator (the admin token): a dry run of {@code role} for a subject
     * token or a claim set (exactly one), answered with expected and actual values per bound claim.
     */
    public Evaluation evaluate(String subjectToken, Map<String, Object> claims, String role, List<String> secrets,
            String adminToken) throws BrokerException, InterruptedException {
        if ((subjectToken == null) == (claims == null)) {
            throw new IllegalArgumentException("give exactly one of subjectToken or claims");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        if (subjectToken != null) {
            body.put("subject_token", subjectToken);
        } else {
            body.put("claims", claims);
        }
        if (role != null) {
            body.put("role", role);
        }
        body.put("secrets", List.copyOf(secrets));
        return evaluate(adminToken, body);
    }

    /**
     * {@code POST /api/v2/policy/evaluate} as a CI job: the dry run of the session's own role for {@code secrets};
     * the broker answers without expected values.
     */
    public Evaluation evaluate(Session session, List<String> secrets) throws BrokerException, InterruptedException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("secrets", List.copyOf(secrets));
        return evaluate(session.token(), body);
    }

    private Evaluation evaluate(String bearerToken, Map<String, Object> body)
            throws BrokerException, InterruptedException {
        HttpRequest.Builder req = request("/api/v2/policy/evaluate").header("Content-Type", "application/json");
        if (bearerToken != null) {
            bearer(req, bearerToken);
        }
        HttpResponse<String> r = send(http, req.POST(HttpRequest.BodyPublishers.ofString(Json.write(body))).build());
        Map<String, Object> answer = expect(r, 200);
        try {
            return new Evaluation(Json.string(answer, "decision"), objects(Json.list(answer, "role_checks")),
                    objects(Json.list(answer, "violations")), texts(Json.list(answer, "warnings")));
        } catch (JsonException e) {
            throw malformed(r, e);
        }
    }

    // ---- operator API ------------------------------------------------------------------------------------------

    /** {@code PUT /api/v2/admin/secrets/{path}}: stores a new version; returns its metadata. */
    public Map<String, Object> writeSecret(String adminToken, String path, String value)
            throws BrokerException, InterruptedException {
        HttpResponse<String> r = send(http, bearer(request("/api/v2/admin/secrets/" + path), adminToken)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(Json.write(Map.of("value", value)))).build());
        return expect(r, 201);
    }

    /**
     * {@code POST /api/v2/admin/secrets/{path}/rotate} with a given value, or a generated one of
     * {@code generateLength} characters when {@code value} is null. Returns the new version's metadata.
     */
    public Map<String, Object> rotate(String adminToken, String path, String value, Integer generateLength)
            throws BrokerException, InterruptedException {
        Map<String, Object> body = value != null ? Map.of("value", value)
                : Map.of("generate", Map.of("length", generateLength == null ? 32 : generateLength));
        HttpResponse<String> r = send(http, bearer(request("/api/v2/admin/secrets/" + path + "/rotate"), adminToken)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))).build());
        return expect(r, 201);
    }

    /** {@code GET /api/v2/a2a/events}: audit events, filtered by {@code type, subject, path, since, limit}. */
    public List<Map<String, Object>> events(String adminToken, Map<String, String> filters)
            throws BrokerException, InterruptedException {
        HttpResponse<String> r = send(http, bearer(request("/api/v2/a2a/events" + query(filters)), adminToken)
                .GET().build());
        return listField(r, expect(r, 200), "events");
    }

    /**
     * {@code GET /api/v2/admin/secrets/{path}/usage}: who leased which version in a window ({@code window},
     * {@code since}, {@code limit}, {@code cursor}): {@code {path, current_version, since, until, versions, contexts,
     * next}}.
     */
    public Map<String, Object> secretUsage(String adminToken, String path, Map<String, String> params)
            throws BrokerException, InterruptedException {
        HttpResponse<String> r = send(http, bearer(request("/api/v2/admin/secrets/" + path + "/usage"
                + query(params)), adminToken).GET().build());
        return expect(r, 200);
    }

    /** {@code GET /api/v2/admin/usage/stale} ({@code unused-for}, {@code prefix}, {@code limit}, {@code cursor}). */
    public Map<String, Object> staleSecrets(String adminToken, Map<String, String> params)
            throws BrokerException, InterruptedException {
        HttpResponse<String> r = send(http, bearer(request("/api/v2/admin/usage/stale" + query(params)), adminToken)
                .GET().build());
        return expect(r, 200);
    }

    /** {@code GET /api/v2/admin/usage/old-versions} ({@code window}, {@code since}, {@code limit}, {@code cursor}). */
    public Map<String, Object> oldVersions(String adminToken, Map<String, String> params)
            throws BrokerException, InterruptedException {
        HttpResponse<String> r = send(http, bearer(request("/api/v2/admin/usage/old-versions" + query(params)),
                adminToken).GET().build());
        return expect(r, 200);
    }

    /** {@code GET /api/v2/admin/audit/verify}: {@code {ok, chained_through, pending_unchained, broken_at, problem}}. */
    public Map<String, Object> verifyAudit(String adminToken) throws BrokerException, InterruptedException {
        HttpResponse<String> r = send(http, bearer(request("/api/v2/admin/audit/verify"), adminToken).GET().build());
        return expect(r, 200);
    }

    /**
     * {@code POST /api/v2/admin/rekey {"expected_key_id": …}}: starts the master-key rotation to the broker's current
     * key (or answers the one running, or restarts a failed one); 409 when the broker's current key is not
     * {@code expectedKeyId}. Returns the status ({@code started}, {@code state}, {@code total}, {@code done},
     * {@code remaining}, {@code remaining_by_key}, …).
     */
    public Map<String, Object> startRekey(String adminToken, String expectedKeyId)
            throws BrokerException, InterruptedException {
        HttpResponse<String> r = send(http, bearer(request("/api/v2/admin/rekey"), adminToken)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(Map.of("expected_key_id", expectedKeyId))))
                .build());
        return expect(r, 202);
    }

    /** {@code GET /api/v2/admin/rekey}: the master-key rotation's progress (the latest job, live counts). */
    public Map<String, Object> rekeyStatus(String adminToken) throws BrokerException, InterruptedException {
        HttpResponse<String> r = send(http, bearer(request("/api/v2/admin/rekey"), adminToken).GET().build());
        return expect(r, 200);
    }

    /**
     * {@code GET /api/v2/admin/sync[?target=]}: every secret-sync target (or one) with its outcome, pending jobs and
     * per variable {@code in_sync | drifted | failed | pending | unmapped} with the last error or drift (docs/SYNC.md).
     */
    public Map<String, Object> syncStatus(String adminToken, String target)
            throws BrokerException, InterruptedException {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("target", target);
        HttpResponse<String> r = send(http, bearer(request("/api/v2/admin/sync" + query(q)), adminToken).GET()
                .build());
        return expect(r, 200);
    }

    /** {@code POST /api/v2/admin/sync/run[?target=]}: queues a forced sync; answers {@code {"queued": [..]}}. */
    public Map<String, Object> syncRun(String adminToken, String target) throws BrokerException, InterruptedException {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("target", target);
        HttpResponse<String> r = send(http, bearer(request("/api/v2/admin/sync/run" + query(q)), adminToken)
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        return expect(r, 202);
    }

    /** {@code GET /api/v2/admin/leases}: leases (active only when {@code active}) by role and/or subject. */
    public List<Map<String, Object>> leases(String adminToken, boolean active, String role, String subject)
            throws BrokerException, InterruptedException {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("active", Boolean.toString(active));
        if (role != null) {
            q.put("role", role);
        }
        if (subject != null) {
            q.put("subject", subject);
        }
        HttpResponse<String> r = send(http, bearer(request("/api/v2/admin/leases" + query(q)), adminToken)
                .GET().build());
        return listField(r, expect(r, 200), "leases");
    }

    // ---- transport ---------------------------------------------------------------------------------------------

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base.toString() + path)).timeout(REQUEST_TIMEOUT)
                .header("Accept", "application/json, application/problem+json")
                .header("User-Agent", "segura-client");
    }

    private static HttpRequest.Builder bearer(HttpRequest.Builder b, String token) {
        if (token == null || token.isEmpty()) {
            throw new IllegalArgumentException("no bearer token given");
        }
        return b.header("Authorization", "Bearer " + token);
    }

    /**
     * Sends with retries: connect failures (the request never left), 429 and 503 are tried again after an
     * exponential, jittered backoff or the broker's {@code Retry-After}, within the attempt and time budget. The
     * last 429/503 answer is returned when the budget runs out, so its problem details reach the caller.
     */
    HttpResponse<String> send(HttpClient client, HttpRequest request) throws BrokerException, InterruptedException {
        long deadline = System.nanoTime() + retry.maxTotal().toNanos();
        for (int attempt = 1; ; attempt++) {
            HttpResponse<String> response = null;
            BrokerException failure = null;
            Duration wait;
            try {
                response = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                if (response.statusCode() != 429 && response.statusCode() != 503) {
                    return response;
                }
                Duration backoff = retry.backoff(attempt, random);
                Duration after = retryAfter(response).orElse(Duration.ZERO);
                wait = after.compareTo(backoff) > 0 ? after : backoff;
            } catch (ConnectException | HttpConnectTimeoutException e) {
                failure = BrokerException.unavailable("cannot connect to " + base + " (" + e.getClass().getSimpleName()
                        + ") after " + attempt + " attempt" + (attempt == 1 ? "" : "s"), e);
                wait = retry.backoff(attempt, random);
            } catch (IOException e) {
                // The request may have reached the broker: a lease must not be issued twice, so no retry.
                throw BrokerException.unavailable("request to " + base + " failed: " + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : " " + e.getMessage()), e);
            }
            long remaining = deadline - System.nanoTime();
            if (attempt >= retry.maxAttempts() || wait.toNanos() > remaining) {
                if (failure != null) {
                    throw failure;
                }
                return response;
            }
            Thread.sleep(Math.max(0, wait.toMillis()));
        }
    }

    /** {@code Retry-After}: delta-seconds or an HTTP-date (RFC 9110 §10.2.3). */
    static Optional<Duration> retryAfter(HttpResponse<?> response) {
        Optional<String> h = response.headers().firstValue("Retry-After");
        if (h.isEmpty()) {
            return Optional.empty();
        }
        String v = h.get().trim();
        try {
            long seconds = Long.parseLong(v);
            return seconds < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(seconds));
        } catch (NumberFormatException e) {
            try {
                Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration d = Duration.between(Instant.now(), at);
                return Optional.of(d.isNegative() ? Duration.ZERO : d);
            } catch (DateTimeParseException e2) {
                return Optional.empty();
            }
        }
    }

    private static Map<String, Object> expect(HttpResponse<String> r, int status) throws BrokerException {
        if (r.statusCode() == status) {
            String body = r.body();
            if (body == null || body.isBlank()) {
                return Map.of();
            }
            try {
                return Json.parseObject(body);
            } catch (JsonException e) {
                throw malformed(r, e);
            }
        }
        throw error(r);
    }

    /** Maps a refusal to a {@link BrokerException} from its problem or OAuth error body. */
    static BrokerException error(HttpResponse<String> r) {
        int status = r.statusCode();
        Map<String, Object> body = Map.of();
        try {
            if (r.body() != null && !r.body().isBlank()) {
                body = Json.parseObject(r.body());
            }
        } catch (JsonException e) {
            // not JSON (a proxy's HTML page): the status alone must do, and the page is not echoed
        }
        String error = body.get("error") instanceof String ? (String) body.get("error") : null;
        String type = Json.optionalString(body, "type");
        String title = Json.optionalString(body, "title");
        String detail = error != null ? Json.optionalString(body, "error_description")
                : Json.optionalString(body, "detail");
        List<Map<String, Object>> violations = body.get("violations") instanceof List
                ? objects(Json.list(body, "violations")) : List.of();
        BrokerException.Kind kind;
        if (status == 429 || status >= 500) {
            kind = BrokerException.Kind.UNAVAILABLE;
        } else if (status == 401 || (error != null && !error.equals("invalid_request")
                && !error.equals("unsupported_grant_type"))) {
            kind = BrokerException.Kind.UNAUTHENTICATED;
        } else if (status == 403) {
            String slug = type == null ? "" : type.substring(type.lastIndexOf('/') + 1);
            kind = !violations.isEmpty() || slug.equals("deployment-blocked") || slug.equals("policy-unsupported")
                    ? BrokerException.Kind.BLOCKED_BY_POLICY : BrokerException.Kind.FORBIDDEN;
        } else {
            kind = BrokerException.Kind.INVALID_REQUEST;
        }
        if (title == null && error == null) {
            title = "HTTP " + status;
        }
        return new BrokerException(kind, status, type, title, detail, error, violations, null);
    }

    private static BrokerException malformed(HttpResponse<String> r, Exception e) {
        return new BrokerException(BrokerException.Kind.UNAVAILABLE, r.statusCode(), null,
                "unexpected answer from the broker", e.getMessage(), null, List.of(), null);
    }

    private static List<Map<String, Object>> listField(HttpResponse<String> r, Map<String, Object> body, String f)
            throws BrokerException {
        try {
            return objects(Json.list(body, f));
        } catch (JsonException e) {
            throw malformed(r, e);
        }
    }

    private static List<Map<String, Object>> objects(List<Object> list) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object o : list) {
            out.add(Json.object(o, "list entry"));
        }
        return out;
    }

    private static List<String> texts(List<Object> list) {
        List<String> out = new ArrayList<>();
        for (Object o : list) {
            out.add(o instanceof String ? (String) o : Json.write(o));
        }
        return out;
    }

    private static String form(Map<String, String> params) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : params.entrySet()) {
            if (sb.length() > 0) {
                sb.append('&');
            }
            sb.append(urlEncode(e.getKey())).append('=').append(urlEncode(e.getValue()));
        }
        return sb.toString();
    }

    private static String query(Map<String, String> params) {
        if (params == null || params.isEmpty()) {
            return "";
        }
        Map<String, String> nonNull = new LinkedHashMap<>();
        params.forEach((k, v) -> {
            if (v != null) {
                nonNull.put(k, v);
            }
        });
        return nonNull.isEmpty() ? "" : "?" + form(nonNull);
    }

    private static String urlEncode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "BrokerClient[" + base + "]";
    }
}
