// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The usage views over real leases, end to end: {@code GET /api/v2/admin/secrets/{path}/usage},
 * {@code /api/v2/admin/usage/stale} and {@code /api/v2/admin/usage/old-versions}; their refusals of bad parameters;
 * and that no answer carries a secret value.
 */
class UsageEndpointTest extends BrokerHttpTest {

    static final String SUBJECT = "repo:acme/usage-" + UUID.randomUUID() + ":ref:refs/heads/main";
    static final List<String> VALUES = List.of("usage-db-value-one", "usage-db-value-two", "never-leased-value",
            "api-key-usage-value");

    /** Every body an admin view answered in this class, to check that no value is among them. */
    static final List<String> answered = new ArrayList<>();
    static boolean leased;

    /** Once for the class (the broker and its database live as long as the class). */
    @BeforeEach
    void leases() throws Exception {
        if (leased) {
            return;
        }
        leased = true;
        putSecret("db/prod/usage-db", VALUES.get(0));
        putSecret("db/prod/usage-db", VALUES.get(1));
        putSecret("db/prod/never-leased", VALUES.get(2));
        putSecret("db/prod/young", "young-secret-value");
        putSecret("api/key", VALUES.get(3));
        String session = session(SUBJECT, "74", "deploy");
        lease(session, "db/prod/usage-db").expectStatus().isCreated();
        lease(session, "db/prod/usage-db").expectStatus().isCreated();
        lease(session, "db/prod/usage-db@1").expectStatus().isCreated();
        lease(session, "api/key").expectStatus().isCreated();
        try (Connection c = PG.database().connect(); Statement s = c.createStatement()) {
            // as if written long ago: a secret younger than the stale view's period is not judged
            s.executeUpdate("UPDATE secrets SET created_at = now() - interval '40 days'"
                    + " WHERE path IN ('db/prod/usage-db', 'db/prod/never-leased', 'api/key')");
        }
    }

    WebTestClient.ResponseSpec lease(String session, String secret) {
        return web.post().uri("/api/v2/a2a/leases").headers(h -> h.setBearerAuth(session))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("secrets", List.of(secret))).exchange();
    }

    WebTestClient.ResponseSpec get(String uri) {
        return web.get().uri(uri).headers(h -> h.setBearerAuth(ADMIN_TOKEN)).exchange();
    }

    Map<String, Object> ok(String uri) {
        String body = get(uri).expectStatus().isOk().expectHeader().contentType(MediaType.APPLICATION_JSON)
                .expectBody(String.class).returnResult().getResponseBody();
        answered.add(body);
        return Jsons.map(body);
    }

    @Test
    void usageWhenLeasedThenVersionsAndContextsWithCounts() {
        Map<String, Object> body = ok("/api/v2/admin/secrets/db/prod/usage-db/usage?window=1h");
        assertThat(body.get("path")).isEqualTo("db/prod/usage-db");
        assertThat(body.get("current_version")).isEqualTo(2);
        assertThat(Instant.parse((String) body.get("until"))).isAfter(Instant.parse((String) body.get("since")));
        List<Map<String, Object>> versions = list(body, "versions");
        assertThat(versions).extracting(v -> v.get("version") + ":" + v.get("uses")).containsExactly("2:2", "1:1");
        List<Map<String, Object>> contexts = list(body, "contexts");
        assertThat(contexts).extracting(c -> c.get("version") + " " + c.get("role") + " " + c.get("subject") + " "
                + c.get("uses")).containsExactly("2 deploy " + SUBJECT + " 2", "1 deploy " + SUBJECT + " 1");
        assertThat(contexts.get(0)).containsKeys("context_id", "repository", "ref", "workflow", "environment",
                "first_used", "last_used");
        assertThat(body.get("next")).isNull();
    }

    @Test
    void usageWhenPagedThenLinkToTheNextPage() {
        String link = get("/api/v2/admin/secrets/db/prod/usage-db/usage?limit=1").expectStatus().isOk()
                .expectHeader().value(HttpHeaders.LINK, l -> assertThat(l).endsWith("; rel=\"next\""))
                .returnResult(String.class).getResponseHeaders().getFirst(HttpHeaders.LINK);
        String next = link.substring(1, link.indexOf('>'));
        assertThat(next).startsWith("/api/v2/admin/secrets/db/prod/usage-db/usage?cursor=");
        Map<String, Object> second = ok(next);
        assertThat(list(second, "contexts")).extracting(c -> c.get("version")).containsExactly(1);
        assertThat(second.get("next")).isNull();
        assertThat(second).doesNotContainKey("versions");
    }

    @Test
    void oldVersionsWhenAJobPinnedVersion1ThenListedWithTheLatest() {
        Map<String, Object> body = ok("/api/v2/admin/usage/old-versions");
        assertThat(list(body, "pinned")).filteredOn(p -> SUBJECT.equals(p.get("subject")))
                .extracting(p -> p.get("path") + "@" + p.get("version") + " latest " + p.get("latest_version") + " x"
                        + p.get("uses")).containsExactly("db/prod/usage-db@1 latest 2 x1");
    }

    @Test
    void staleWhenNeverLeasedThenListedAndLeasedOnesNot() {
        Map<String, Object> body = ok("/api/v2/admin/usage/stale?unused-for=30d&prefix=db/prod/");
        List<Map<String, Object>> secrets = list(body, "secrets");
        assertThat(secrets).extracting(s -> s.get("path")).contains("db/prod/never-leased")
                .doesNotContain("db/prod/usage-db", "db/prod/young");
        assertThat(secrets).filteredOn(s -> "db/prod/never-leased".equals(s.get("path"))).singleElement()
                .satisfies(s -> assertThat(s.get("never_leased")).isEqualTo(true));
    }

    @Test
    void viewsWhenParametersAreBadThen4xxProblems() {
        String usage = "/api/v2/admin/secrets/db/prod/usage-db/usage";
        problem(usage + "?window=soon", 422, "invalid-window");
        problem(usage + "?window=0s", 422, "invalid-window");
        problem(usage + "?window=4000d", 422, "invalid-window");
        problem(usage + "?window=1d&since=2026-01-01T00:00:00Z", 422, "invalid-window");
        problem(usage + "?since=yesterday", 422, "invalid-since");
        problem(usage + "?since=2999-01-01T00:00:00Z", 422, "invalid-since");
        problem(usage + "?limit=0", 422, "invalid-limit");
        problem(usage + "?limit=1001", 422, "invalid-limit");
        problem(usage + "?windw=1d", 422, "unknown-parameter");
        problem(usage + "?window=1d&window=2d", 422, "repeated-parameter");
        problem(usage + "?cursor=bm9wZQ", 422, "invalid-cursor");
        problem("/api/v2/admin/secrets/db/prod/nothing/usage", 404, "secret-not-found");
        problem("/api/v2/admin/usage/stale?unused-for=never", 422, "invalid-unused-for");
        problem("/api/v2/admin/usage/stale?prefix=UPPER", 422, "invalid-secret");
        problem("/api/v2/admin/usage/old-versions?since=not-a-time", 422, "invalid-since");
        web.get().uri("/api/v2/admin/usage/stale").exchange().expectStatus().isUnauthorized();
    }

    void problem(String uri, int status, String type) {
        String body = get(uri).expectStatus().isEqualTo(status)
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody(String.class).returnResult().getResponseBody();
        answered.add(body);
        assertThat(Jsons.map(body).get("type")).as(uri).isEqualTo("https://segura.dev/problems/" + type);
    }

    @Test
    void viewsWhenAnsweredThenNoSecretValueInAnyBody() {
        ok("/api/v2/admin/secrets/db/prod/usage-db/usage?window=30d");
        ok("/api/v2/admin/secrets/api/key/usage");
        ok("/api/v2/admin/usage/stale?unused-for=1d");
        ok("/api/v2/admin/usage/old-versions?window=1d");
        assertThat(answered).hasSizeGreaterThanOrEqualTo(4).allSatisfy(body -> {
            for (String value : VALUES) {
                assertThat(body).doesNotContain(value);
            }
        });
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> list(Map<String, Object> body, String key) {
        return (List<Map<String, Object>>) body.get(key);
    }

    /** JSON to a map with Jackson 3, as the broker writes it. */
    static final class Jsons {
        static final tools.jackson.databind.json.JsonMapper JSON = tools.jackson.databind.json.JsonMapper.builder()
                .build();

        @SuppressWarnings("unchecked")
        static Map<String, Object> map(String body) {
            return JSON.readValue(body, Map.class);
        }
    }
}
