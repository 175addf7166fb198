// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.util.JSONObjectUtils;
import io.segura.testkit.broker.LiveBroker;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 20: the operator console in a real browser. A live broker on PostgreSQL gets CI traffic (three jobs holding
 * leases, one refused exchange), then {@code console/e2e/console.e2e.mjs} drives Debian's Chromium through
 * playwright-core: sign-in, overview against the API, lease filter and revoke, audit, why-denied, secret rotation and
 * exposure, config, sign-out, expiry, cookie flags, CSP and CSRF. This class then checks what the browser cannot: the
 * revoked job's next lease is refused, the rotation took, and no response any console page received carries a
 * secret value or a session token.
 *
 * <p>Why playwright-core from npm rather than Playwright for Java: the console's build already installs the npm
 * registry's packages from its lock file (no other download), and playwright-core downloads no browser; Playwright
 * for Java would bring a second driver bundle (its own Node and playwright-core) from Maven Central to do the same.
 */
class ConsoleBrowserIT {

    static final String AUDIENCE = "https://segura.test";
    static final String ROLE = "deploy";
    static final String DB_PASSWORD = "db-password-" + UUID.randomUUID();
    static final String API_KEY = "api-key-" + UUID.randomUUID();

    @RegisterExtension
    static final LiveBroker live = LiveBroker.configuredBy(issuer -> String.join("\n",
                    "issuers:",
                    "  - name: gh",
                    "    preset: github-actions",
                    "    issuer: " + issuer,
                    "    audiences: [\"" + AUDIENCE + "\"]",
                    "roles:",
                    "  - name: " + ROLE,
                    "    issuers: [gh]",
                    "    bound-claims:",
                    "      repository: acme/app",
                    "    secrets: [\"app/*\"]",
                    ""))
            .secret("app/db-password", DB_PASSWORD)
            .secret("app/api-key", API_KEY);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final List<String> sessionTokens = new ArrayList<>();

    @Test
    void theConsoleShowsAndActsOnLiveTrafficWithoutEverShowingASecret() throws Exception {
        Path chromium = Path.of(System.getenv().getOrDefault("SEGURA_CHROMIUM", "/usr/bin/chromium"));
        assertThat(Files.isExecutable(chromium)).as("Chromium at " + chromium + " (.ci/run installs Debian's)")
                .isTrue();
        Path consoleDir = consoleDir();
        assertThat(consoleDir.resolve("node_modules/playwright-core")).as("npm ci ran in console/ (its Maven build)")
                .isDirectory();

        // CI traffic: three jobs, each a session with a lease, and one refused exchange
        String jobA = "repo:acme/app:run-1001";
        String sessionA = exchange(token(jobA, "acme/app", "1001"));
        String leaseA = (String) lease(sessionA, "app/db-password", 201).get("lease_id");
        String sessionB = exchange(token("repo:acme/app:run-1002", "acme/app", "1002"));
        lease(sessionB, "app/api-key", 201);
        String liveSubject = "repo:acme/app:run-1003";
        lease(exchange(token(liveSubject, "acme/app", "1003")), "app/db-password", 201);
        String denied = token("repo:evil/fork:run-7", "evil/fork", "7");
        HttpResponse<String> refused = post("/oauth2/token", form(denied), null);
        assertThat(refused.statusCode()).as(refused.body()).isIn(400, 401, 403);

        Path out = Path.of("target", "console-e2e").toAbsolutePath();
        Files.createDirectories(out);
        Map<String, Object> fixture = new LinkedHashMap<>();
        fixture.put("role", ROLE);
        fixture.put("revokeSubject", jobA);
        fixture.put("revokeLeaseId", leaseA);
        fixture.put("revokeRepository", "acme/app");
        fixture.put("liveSubject", liveSubject);
        fixture.put("activeLeasesAtLeast", 3);
        fixture.put("deniedToken", denied);
        fixture.put("deniedClaim", "repository");
        fixture.put("deniedExpected", "acme/app");
        fixture.put("deniedActual", "evil/fork");
        fixture.put("rotatePath", "app/db-password");
        fixture.put("expectLint", true);
        Path fixtureFile = out.resolve("fixture.json");
        Files.writeString(fixtureFile, JSONObjectUtils.toJSONString(fixture));

        ProcessBuilder pb = new ProcessBuilder("node", consoleDir.resolve("e2e/console.e2e.mjs").toString(),
                fixtureFile.toString(), out.toString())
                .directory(consoleDir.toFile()).redirectErrorStream(true)
                .redirectOutput(out.resolve("e2e.log").toFile());
        pb.environment().put("SEGURA_URL", live.broker().url().toString());
        pb.environment().put("SEGURA_ADMIN_TOKEN", live.broker().adminToken());
        pb.environment().put("SEGURA_CHROMIUM", chromium.toString());
        Process node = pb.start();
        boolean ended = node.waitFor(5, TimeUnit.MINUTES);
        if (!ended) {
            node.destroyForcibly();
        }
        String log = Files.readString(out.resolve("e2e.log"));
        assertThat(ended).as("the browser run ended; its log:\n" + log).isTrue();
        assertThat(node.exitValue()).as("the browser run passed; its log:\n" + log).isZero();
        assertThat(log).contains("e2e: passed");

        // revoked from the console: job A's session is gone, so its next lease is refused
        Map<String, Object> again = lease(sessionA, "app/db-password", 401);
        assertThat(again.toString()).doesNotContain(DB_PASSWORD);
        // rotated from the console: job B now gets version 2, a value nobody typed
        Map<String, Object> rotated = lease(sessionB, "app/db-password", 201);
        String newValue = secretValue(rotated);
        assertThat(newValue).isNotBlank().isNotEqualTo(DB_PASSWORD);

        // no response that any console page received carries a secret value, a session token or the admin token
        List<String> responses = Files.readAllLines(out.resolve("responses.jsonl"));
        assertThat(responses).as("the pages' responses were recorded").hasSizeGreaterThan(20);
        List<String> forbidden = new ArrayList<>(List.of(DB_PASSWORD, API_KEY, newValue, live.broker().adminToken()));
        forbidden.addAll(sessionTokens);
        for (String response : responses) {
            for (String secret : forbidden) {
                assertThat(response).as("a response to the console").doesNotContain(secret);
            }
        }
        assertThat(String.join("\n", responses)).contains("/api/v2/admin/overview", "/api/v2/admin/leases",
                "/api/v2/a2a/events", "/api/v2/policy/evaluate", "/api/v2/admin/secrets", "/api/v2/admin/config");
        for (String page : List.of("sign-in", "overview", "leases", "audit", "why-denied", "secrets", "config",
                "overview-dark", "signed-out", "expired")) {
            assertThat(out.resolve("screenshots/" + page + ".png")).isRegularFile();
        }
        assertThat(live.broker().log()).doesNotContain(DB_PASSWORD).doesNotContain(newValue);
    }

    /** {@code console/} beside the broker module (the failsafe run's working directory is the module). */
    static Path consoleDir() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("console/e2e"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("console/e2e above " + Path.of("").toAbsolutePath()).isNotNull();
        return dir.resolve("console");
    }

    private static String token(String subject, String repository, String runId) {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("aud", AUDIENCE);
        claims.put("sub", subject);
        claims.put("repository", repository);
        claims.put("repository_id", "74");
        claims.put("repository_owner", repository.substring(0, repository.indexOf('/')));
        claims.put("ref", "refs/heads/main");
        claims.put("job_workflow_ref", repository + "/.github/workflows/deploy.yml@refs/heads/main");
        claims.put("run_id", runId);
        claims.put("event_name", "push");
        claims.put("actor", "octocat");
        return live.issuer().mint(claims);
    }

    private String exchange(String idToken) throws Exception {
        HttpResponse<String> r = post("/oauth2/token", form(idToken), null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String session = (String) JSONObjectUtils.parse(r.body()).get("access_token");
        sessionTokens.add(session);
        return session;
    }

    private Map<String, Object> lease(String session, String path, int expected) throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/api/v2/a2a/leases"))
                .header("Authorization", "Bearer " + session).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSONObjectUtils.toJSONString(
                        Map.of("secrets", List.of(path))))));
        assertThat(r.statusCode()).as("lease of " + path).isEqualTo(expected);
        return JSONObjectUtils.parse(r.body());
    }

    @SuppressWarnings("unchecked")
    private static String secretValue(Map<String, Object> lease) {
        Object secrets = lease.get("secrets");
        if (secrets instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof Map<?, ?> first) {
            return (String) ((Map<String, Object>) first).get("value");
        }
        if (secrets instanceof Map<?, ?> map && !map.isEmpty()) {
            Object v = map.values().iterator().next();
            return v instanceof Map<?, ?> m ? (String) m.get("value") : (String) v;
        }
        throw new AssertionError("no secret in the lease answer's fields " + lease.keySet());
    }

    private static String form(String idToken) {
        return "grant_type=" + enc("urn:ietf:params:oauth:grant-type:token-exchange") + "&subject_token_type="
                + enc("urn:ietf:params:oauth:token-type:jwt") + "&subject_token=" + enc(idToken)
                + "&scope=" + enc("role:" + ROLE);
    }

    private HttpResponse<String> post(String path, String formBody, String bearer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(formBody));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return send(b);
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        return http.send(b.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(String path) {
        return URI.create(live.broker().url() + path);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @SuppressWarnings("unused")
    private static Map<String, Object> parse(String body) throws ParseException {
        return JSONObjectUtils.parse(body);
    }
}
