// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.platform.GitLabSimulator;
import io.segura.testkit.postgres.PostgresExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The secret sync in a running broker: a rotation through the admin API reaches GitLab (the simulator, through the
 * real gitlab4j client) by itself within the await deadline, the rotate call does not wait for it, a target that is
 * down leaves the broker healthy and shows as failed with its pending retry, and no value reaches the log.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "60s")
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@ExtendWith(OutputCaptureExtension.class)
class SyncEndpointTest {

    static final String ADMIN_TOKEN = "test-admin-token-0123456789abcdef0123456789";
    static final String GITLAB_TOKEN = "glpat-endpoint-test-0000000000";
    static final String FIRST = "first-Value.0001";
    static final String ROTATED = "rotated-Value.0002";

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    static final IssuerSimulator ISSUER = IssuerSimulator.start();
    static final GitLabSimulator GITLAB = GitLabSimulator.start(GITLAB_TOKEN).project("acme/app", 7);
    static final GitLabSimulator DOWN = GitLabSimulator.start(GITLAB_TOKEN).project("acme/down", 8);

    @Autowired
    WebTestClient web;

    @DynamicPropertySource
    static void broker(DynamicPropertyRegistry registry) throws IOException {
        DOWN.down(true);
        Path config = Files.createTempFile("segura-sync", ".yaml");
        Files.writeString(config, """
                issuers:
                  - name: ci
                    issuer: %s
                    audiences: ["https://segura.test"]
                roles:
                  - name: deploy
                    issuers: [ci]
                    bound-claims:
                      repository_id: "74"
                    secrets: ["app/*"]
                sync:
                  - name: app-gitlab
                    platform: gitlab
                    url: %s
                    project: acme/app
                    token-secret: sync/gitlab/token
                    variables:
                      - secret: app/password > APP_PASSWORD
                  - name: down-gitlab
                    platform: gitlab
                    url: %s
                    project: acme/down
                    token-secret: sync/gitlab/token
                    variables:
                      - secret: app/password > APP_PASSWORD
                """.formatted(ISSUER.issuer(), GITLAB.url(), DOWN.url()), StandardCharsets.UTF_8);
        registry.add("segura.config", config::toString);
        registry.add("segura.database-url", () -> "r2dbc:postgresql://" + PG.database().user() + "@"
                + PG.database().host() + ":" + PG.database().port() + "/" + PG.database().name());
        registry.add("segura.master-key", () -> "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
        registry.add("segura.admin-token", () -> ADMIN_TOKEN);
        registry.add("segura.sync.poll-interval", () -> "200ms");
        registry.add("segura.sync.retry-base", () -> "1s");
        registry.add("segura.sync.retry-max", () -> "5s");
        registry.add("segura.sync.timeout", () -> "5s");
    }

    @AfterAll
    static void stop() {
        GITLAB.close();
        DOWN.close();
        ISSUER.close();
    }

    @Test
    void rotateWhenMappedThenGitLabFollowsWithoutTheCallWaitingAndDownTargetLeavesBrokerHealthy(
            CapturedOutput output) {
        put("sync/gitlab/token", GITLAB_TOKEN);
        put("app/password", FIRST);
        await("the first value in GitLab", () -> FIRST.equals(gitlabValue()));

        // The down target takes every call with 503; the rotation answers at once all the same.
        long started = System.nanoTime();
        web.post().uri("/api/v2/admin/secrets/app/password/rotate").headers(h -> h.setBearerAuth(ADMIN_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("value", ROTATED))
                .exchange().expectStatus().is2xxSuccessful();
        long answered = System.nanoTime();
        await("the rotated value in GitLab", () -> ROTATED.equals(gitlabValue()));
        // A figure for the report, not an assertion (the machine may be loaded).
        System.out.printf("sync figure: rotate answered in %d ms, the new value was in GitLab after %d ms%n",
                (answered - started) / 1_000_000, (System.nanoTime() - started) / 1_000_000);

        web.get().uri("/actuator/health").exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.status").isEqualTo("UP");
        await("the down target reported failed", () -> "failed".equals(target("down-gitlab").get("status")));
        Map<String, Object> down = target("down-gitlab");
        assertThat((String) down.get("detail")).contains("503");
        assertThat((List<?>) down.get("pending_jobs")).isNotEmpty();
        // The run records its state after the remote write, in its own transaction: await it, then check it.
        await("app-gitlab recorded at v2",
                () -> Integer.valueOf(2).equals(variable("app-gitlab").get("synced_version")));
        Map<String, Object> up = target("app-gitlab");
        assertThat(up.get("status")).isEqualTo("ok");
        assertThat(variable("app-gitlab")).containsEntry("status", "in_sync").containsEntry("synced_version", 2);

        web.get().uri("/api/v2/a2a/events?type=sync.failed").headers(h -> h.setBearerAuth(ADMIN_TOKEN))
                .exchange().expectStatus().isOk().expectBody().jsonPath("$.events[0].type").isEqualTo("sync.failed");
        assertThat(output.getAll()).doesNotContain(FIRST).doesNotContain(ROTATED).doesNotContain(GITLAB_TOKEN);
    }

    @Test
    void runWhenUnknownTargetThen404AndWhenKnownThen202() {
        web.post().uri("/api/v2/admin/sync/run?target=nope").headers(h -> h.setBearerAuth(ADMIN_TOKEN))
                .exchange().expectStatus().isNotFound().expectBody()
                .jsonPath("$.type").isEqualTo("https://segura.dev/problems/sync-target-not-found");
        web.post().uri("/api/v2/admin/sync/run?target=app-gitlab").headers(h -> h.setBearerAuth(ADMIN_TOKEN))
                .exchange().expectStatus().isAccepted().expectBody().jsonPath("$.queued[0]").isEqualTo("app-gitlab");
        web.get().uri("/api/v2/admin/sync").exchange().expectStatus().isUnauthorized();
    }

    private void put(String path, String value) {
        web.put().uri("/api/v2/admin/secrets/" + path).headers(h -> h.setBearerAuth(ADMIN_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("value", value))
                .exchange().expectStatus().isCreated();
    }

    private static String gitlabValue() {
        return GITLAB.projectVariables("acme/app").stream().filter(v -> v.key().equals("APP_PASSWORD"))
                .map(GitLabSimulator.Variable::value).findFirst().orElse(null);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> target(String name) {
        Map<String, Object> body = web.get().uri("/api/v2/admin/sync?target=" + name)
                .headers(h -> h.setBearerAuth(ADMIN_TOKEN)).exchange().expectStatus().isOk()
                .expectBody(Map.class).returnResult().getResponseBody();
        return ((List<Map<String, Object>>) body.get("targets")).get(0);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> variable(String target) {
        return ((List<Map<String, Object>>) target(target).get("variables")).get(0);
    }

    /** Polls {@code condition} until a generous deadline (the machine may be loaded); never a fixed sleep. */
    private static void await(String what, BooleanSupplier condition) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
