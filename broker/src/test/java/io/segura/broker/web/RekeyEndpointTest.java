// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.broker.vault.KeyRing;
import io.segura.broker.vault.MasterKey;
import io.segura.broker.vault.MigratedDatabase;
import io.segura.broker.vault.SecretStore;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * {@code POST/GET /api/v2/admin/rekey} on a live broker whose current key is {@link #MASTER_KEY} and whose previous
 * key {@link #OLD_KEY} seals 20 versions: refusals, then a rotation held deterministically half-way (the test locks
 * one version's row, so the worker re-wraps every version before it and waits) while leases of all 20 keep
 * returning the right values, then finished and audited. No key material in any answer or event.
 */
class RekeyEndpointTest extends BrokerHttpTest {

    static final String OLD_KEY = Base64.getEncoder().encodeToString("old-master-key-for-rekey-test-32".getBytes());
    static final int VERSIONS = 20;

    @DynamicPropertySource
    static void previousKey(DynamicPropertyRegistry registry) {
        registry.add("segura.master-key-previous", () -> OLD_KEY);
        registry.add("segura.rekey-page-size", () -> "1");
    }

    private WebTestClient.ResponseSpec start(Object body) {
        return web.post().uri("/api/v2/admin/rekey").headers(h -> h.setBearerAuth(ADMIN_TOKEN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    private Map<String, Object> status() {
        return web.get().uri("/api/v2/admin/rekey").headers(h -> h.setBearerAuth(ADMIN_TOKEN)).exchange()
                .expectStatus().isOk().expectBody(new org.springframework.core.ParameterizedTypeReference<
                        Map<String, Object>>() { }).returnResult().getResponseBody();
    }

    @Test
    void rekeyWhenRunUnderLeaseTrafficThenLeasesStayCorrectAndEveryVersionEndsUnderTheNewKey() throws Exception {
        String current = MasterKey.fromBase64(MASTER_KEY).id();
        String old = MasterKey.fromBase64(OLD_KEY).id();
        MigratedDatabase db = MigratedDatabase.postgres(PG);
        SecretStore oldStore = new SecretStore(db.db(), db.tx(), KeyRing.of(MasterKey.fromBase64(OLD_KEY)));
        for (int i = 0; i < VERSIONS; i++) {
            oldStore.write(path(i), value(i), null).block(Duration.ofSeconds(30));
        }

        Map<String, Object> before = status();
        assertThat(before).containsEntry("state", "none").containsEntry("remaining", VERSIONS)
                .containsEntry("remaining_by_key", Map.of(old, VERSIONS));
        assertThat(broker(before)).containsEntry("current_key_id", current)
                .containsEntry("key_ids", List.of(current, old));

        // Refusals: no token, no expected key id, the wrong one. None starts anything.
        web.post().uri("/api/v2/admin/rekey").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("expected_key_id", current)).exchange().expectStatus().isUnauthorized();
        start(Map.of()).expectStatus().isEqualTo(422).expectBody()
                .jsonPath("$.type").isEqualTo("https://segura.dev/problems/invalid-key-id")
                .jsonPath("$.detail").value(d -> assertThat((String) d).contains("expected_key_id is required"));
        start(Map.of("expected_key_id", old)).expectStatus().isEqualTo(409)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON).expectBody()
                .jsonPath("$.type").isEqualTo("https://segura.dev/problems/rekey-conflict")
                .jsonPath("$.detail").value(d -> assertThat((String) d)
                        .contains("current master key is " + current + ", not " + old));
        assertThat(status()).containsEntry("state", "none");

        // Hold version 10 (the 11th in path order): the worker re-wraps 0..9 and waits on it.
        try (Connection lock = PG.database().connect()) {
            lock.setAutoCommit(false);
            try (Statement s = lock.createStatement()) {
                s.executeQuery("SELECT version FROM secret_versions WHERE path = '" + path(10) + "' FOR UPDATE")
                        .close();
            }
            Map<String, Object> started = web.post().uri("/api/v2/admin/rekey")
                    .headers(h -> h.setBearerAuth(ADMIN_TOKEN)).contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(Map.of("expected_key_id", current)).exchange().expectStatus().isAccepted()
                    .expectBody(new org.springframework.core.ParameterizedTypeReference<Map<String, Object>>() { })
                    .returnResult().getResponseBody();
            assertThat(started).containsEntry("started", true).containsEntry("state", "running")
                    .containsEntry("target_key_id", current).containsEntry("from_key_ids", List.of(old))
                    .containsEntry("total", VERSIONS);
            Map<String, Object> halfway = awaitStatus(s -> Integer.valueOf(10).equals(s.get("done")));
            assertThat(halfway).containsEntry("state", "running").containsEntry("remaining", 10)
                    .containsEntry("remaining_by_key", Map.of(old, 10));
            assertThat(halfway.get("worker")).isEqualTo(broker(halfway).get("worker"));
            assertThat(versionsUnder(current)).isEqualTo(10);
            // Starting again answers the running job.
            start(Map.of("expected_key_id", current)).expectStatus().isAccepted().expectBody()
                    .jsonPath("$.started").isEqualTo(false).jsonPath("$.job_id").isEqualTo(started.get("job_id"));

            // Traffic half-way: every version, re-wrapped or not, leases with its value.
            for (int round = 0; round < 3; round++) {
                String session = session("74", "deploy");
                List<String> paths = new ArrayList<>();
                for (int i = 0; i < VERSIONS; i++) {
                    paths.add(path(i));
                }
                Map<?, ?> lease = web.post().uri("/api/v2/a2a/leases").headers(h -> h.setBearerAuth(session))
                        .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("secrets", paths)).exchange()
                        .expectStatus().isCreated().expectBody(Map.class).returnResult().getResponseBody();
                List<?> secrets = (List<?>) lease.get("secrets");
                for (int i = 0; i < VERSIONS; i++) {
                    assertThat(((Map<?, ?>) secrets.get(i)).get("value")).isEqualTo(value(i));
                }
            }
            assertThat(status()).containsEntry("state", "running").containsEntry("done", 10);
            lock.rollback();
        }

        Map<String, Object> done = awaitStatus(s -> "done".equals(s.get("state")));
        assertThat(done).containsEntry("done", VERSIONS).containsEntry("total", VERSIONS)
                .containsEntry("remaining", 0).containsEntry("remaining_by_key", Map.of());
        assertThat(done.get("finished_at")).isNotNull();
        assertThat(versionsUnder(current)).isEqualTo(VERSIONS);
        String session = session("74", "deploy");
        web.get().uri("/api/v2/a2a/secrets/" + path(15)).headers(h -> h.setBearerAuth(session)).exchange()
                .expectStatus().is2xxSuccessful().expectBody().jsonPath("$.secrets[0].value").isEqualTo(value(15));

        String events = web.get().uri("/api/v2/a2a/events?type=vault.rekey_started").headers(h -> h.setBearerAuth(
                ADMIN_TOKEN)).exchange().expectStatus().isOk().expectBody(String.class).returnResult()
                .getResponseBody();
        assertThat(events).contains("\"subject\":\"admin\"", "\"target_key_id\":\"" + current + "\"",
                "\"from_key_ids\":[\"" + old + "\"]", "\"total\":20", "\"resumed\":false");
        String rekeyed = web.get().uri("/api/v2/a2a/events?type=vault.rekeyed").headers(h -> h.setBearerAuth(
                ADMIN_TOKEN)).exchange().expectStatus().isOk().expectBody(String.class).returnResult()
                .getResponseBody();
        assertThat(rekeyed).contains("\"type\":\"vault.rekeyed\"", "\"rewrapped\":20", "\"total\":20",
                "\"target_key_id\":\"" + current + "\"");
        for (String text : List.of(events, rekeyed, done.toString(), before.toString())) {
            assertThat(text).doesNotContain(MASTER_KEY, OLD_KEY, MASTER_KEY.substring(0, 20),
                    OLD_KEY.substring(0, 20), value(3));
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> broker(Map<String, Object> status) {
        return (Map<String, Object>) status.get("broker");
    }

    /** Polls the status until {@code condition} holds; fails with the last status after 60 s. */
    private Map<String, Object> awaitStatus(Predicate<Map<String, Object>> condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Map<String, Object> last = status();
        while (!condition.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the rotation never reached the expected state; last status " + last);
            }
            Thread.sleep(50);
            last = status();
        }
        return last;
    }

    private static long versionsUnder(String keyId) throws Exception {
        try (Connection c = PG.database().connect(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT COUNT(*) FROM secret_versions WHERE kek_id = '" + keyId + "'")) {
            r.next();
            return r.getLong(1);
        }
    }

    private static String path(int i) {
        return "db/prod/rekey-%02d".formatted(i);
    }

    private static String value(int i) {
        return "rekey-secret-value-%02d".formatted(i);
    }
}
