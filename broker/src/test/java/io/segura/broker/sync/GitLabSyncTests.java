// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.broker.vault.MigratedDatabase;
import io.segura.testkit.platform.GitLabSimulator;
import io.segura.testkit.postgres.PostgresExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * The GitLab sync end to end: the real gitlab4j-api client (with {@link GitLabVariablesApi}) against the
 * {@link GitLabSimulator} over HTTP, the real vault store and audit log on PostgreSQL, rounds driven on a mutable
 * clock.
 */
@ExtendWith(OutputCaptureExtension.class)
class GitLabSyncTests {

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    static final String TOKEN = "glpat-simulated-token-000000000000";
    static final String DB_PASSWORD = "Db-Pa55word.v1~x";
    static final String DB_PASSWORD_2 = "Db-Pa55word.v2~y";
    static MigratedDatabase database;

    GitLabSimulator gitlab = GitLabSimulator.start(TOKEN).project("acme/app", 42).group("acme");

    @BeforeAll
    static void migrate() {
        database = MigratedDatabase.postgres(PG);
    }

    @AfterEach
    void stop() {
        gitlab.close();
    }

    String yaml(String name, String extraTarget, String variables) {
        return """
                sync:
                  - name: %s
                    platform: gitlab
                    url: %s
                    project: acme/app
                    token-secret: sync/gitlab/token
                    schedule: 1m
                %s    variables:
                %s""".formatted(name, gitlab.url(), extraTarget, variables);
    }

    SyncTestSupport support(String name, String extra, String variables) {
        SyncTestSupport s = new SyncTestSupport(database, yaml(name, extra, variables));
        s.write("sync/gitlab/token", TOKEN);
        return s;
    }

    @Test
    void syncWhenNewThenCreatesMaskedHiddenProtectedVariableAndAuditsWithoutValue(CapturedOutput output) {
        SyncTestSupport s = support("gl-create", "", """
                      - secret: create/db/password > DB_PASSWORD
                        protected: true
                        environment-scope: production
                        description: database password
                """);
        s.write("create/db/password", DB_PASSWORD);
        s.round();

        List<GitLabSimulator.Variable> vars = gitlab.projectVariables("acme/app");
        assertThat(vars).hasSize(1);
        GitLabSimulator.Variable v = vars.get(0);
        assertThat(v.key()).isEqualTo("DB_PASSWORD");
        assertThat(v.value()).isEqualTo(DB_PASSWORD);
        assertThat(v.masked()).isTrue();
        assertThat(v.hidden()).isTrue();
        assertThat(v.isProtected()).isTrue();
        assertThat(v.environmentScope()).isEqualTo("production");
        assertThat(v.description()).isEqualTo("database password");
        // masked_and_hidden went out in the create form (gitlab4j alone cannot send it).
        assertThat(gitlab.requests()).anyMatch(r -> r.method().equals("POST")
                && r.body().contains("masked_and_hidden=true"));
        assertThat(s.variable("gl-create", "DB_PASSWORD")).containsEntry("status", "in_sync")
                .containsEntry("synced_version", 1);
        assertThat(s.auditTypes("gl-create")).containsExactly("sync.written");
        assertThat(s.auditRows()).anyMatch(r -> r.startsWith("sync.written") && r.contains("create/db/password@1")
                && r.contains("DB_PASSWORD"));
        assertNoValue(s, output, DB_PASSWORD, TOKEN);
    }

    @Test
    void rotateWhenMappedThenNextRoundUpdatesTheVariable(CapturedOutput output) {
        SyncTestSupport s = support("gl-rotate", "", """
                      - secret: rotate/db/password > DB_PASSWORD
                      - secret: api/key > API_KEY
                        masked: false
                """);
        s.write("rotate/db/password", DB_PASSWORD);
        s.write("api/key", "short");
        s.round();
        assertThat(value("DB_PASSWORD")).isEqualTo(DB_PASSWORD);
        assertThat(value("API_KEY")).isEqualTo("short");

        s.rotate("rotate/db/password", DB_PASSWORD_2);
        // The rotation committed one job for this target; nothing was sent before the worker ran.
        assertThat(s.target("gl-rotate").get("pending_jobs")).asList().hasSize(1);
        s.round();

        assertThat(value("DB_PASSWORD")).isEqualTo(DB_PASSWORD_2);
        assertThat(s.variable("gl-rotate", "DB_PASSWORD")).containsEntry("synced_version", 2);
        assertThat(gitlab.requests()).filteredOn(r -> r.method().equals("PUT")).hasSize(1); // API_KEY untouched
        assertThat(s.auditRows()).anyMatch(r -> r.startsWith("sync.written") && r.contains("rotate/db/password@2")
                && r.contains("rotation:rotate/db/password"));
        assertNoValue(s, output, DB_PASSWORD, DB_PASSWORD_2, TOKEN);
    }

    @Test
    void syncWhenValueCannotBeMaskedThenRefusedWithTheRuleAndNothingSent(CapturedOutput output) {
        SyncTestSupport s = support("gl-mask", "", """
                      - secret: app/pin > APP_PIN
                """);
        s.write("app/pin", "12 34 56 78");
        s.round();

        assertThat(gitlab.projectVariables("acme/app")).isEmpty();
        assertThat(gitlab.requests()).noneMatch(r -> r.method().equals("POST"));
        Map<String, Object> v = s.variable("gl-mask", "APP_PIN");
        assertThat(v).containsEntry("status", "failed");
        assertThat((String) v.get("detail")).contains("must not contain spaces").contains("masked: false");
        assertThat(s.auditTypes("gl-mask")).containsExactly("sync.failed");
        // A refusal is not retried: only a new value or mapping can fix it.
        assertThat(s.target("gl-mask").get("pending_jobs")).asList().isEmpty();
        assertNoValue(s, output, "12 34 56 78", TOKEN);
    }

    @Test
    void simulatorWhenMaskedValueBreaksRulesThenAnswersValidationErrorThroughGitLab4j() throws Exception {
        // The simulator enforces the same rule server-side: a value that slips past the client check is refused.
        try (org.gitlab4j.api.GitLabApi api = new org.gitlab4j.api.GitLabApi(gitlab.url(), TOKEN)) {
            org.gitlab4j.api.GitLabApiException e = org.junit.jupiter.api.Assertions.assertThrows(
                    org.gitlab4j.api.GitLabApiException.class, () -> api.getProjectApi().createVariable("acme/app",
                            "SHORT", "abc", org.gitlab4j.api.models.Variable.Type.ENV_VAR, false, true));
            assertThat(e.getHttpStatus()).isEqualTo(400);
            assertThat(e.getValidationErrors()).containsEntry("value", List.of("is invalid"));
            org.gitlab4j.api.GitLabApiException key = org.junit.jupiter.api.Assertions.assertThrows(
                    org.gitlab4j.api.GitLabApiException.class, () -> api.getProjectApi().createVariable("acme/app",
                            "BAD-KEY", "value", false));
            assertThat(key.getValidationErrors().get("key")).anyMatch(m -> m.contains("only letters, digits"));
            api.getProjectApi().createVariable("acme/app", "DUP", "value", false, "*");
            org.gitlab4j.api.GitLabApiException dup = org.junit.jupiter.api.Assertions.assertThrows(
                    org.gitlab4j.api.GitLabApiException.class, () -> api.getProjectApi().createVariable("acme/app",
                            "DUP", "value", false, "*"));
            assertThat(dup.getValidationErrors().get("key")).anyMatch(m -> m.contains("has already been taken"));
            api.getProjectApi().createVariable("acme/app", "DUP", "value", false, "production");
            org.gitlab4j.api.GitLabApiException multiple = org.junit.jupiter.api.Assertions.assertThrows(
                    org.gitlab4j.api.GitLabApiException.class, () -> api.getProjectApi().getVariable("acme/app",
                            "DUP"));
            assertThat(multiple.getHttpStatus()).isEqualTo(409);
        }
    }

    @Test
    void syncWhenRateLimitedThenWaitsForRetryAfterAndRetries(CapturedOutput output) {
        SyncTestSupport s = support("gl-429", "", """
                      - secret: db/prod/password > DB_PASSWORD
                """);
        s.write("db/prod/password", DB_PASSWORD);
        gitlab.failNext(1, 429, Map.of("Retry-After", "30"));
        s.round();

        assertThat(gitlab.projectVariables("acme/app")).isEmpty();
        assertThat(s.target("gl-429")).containsEntry("status", "failed");
        assertThat((String) s.target("gl-429").get("detail")).contains("429");
        // Not before the 30 s GitLab asked for, although the first backoff is 2 s.
        s.clock.advance(Duration.ofSeconds(20));
        s.round();
        assertThat(gitlab.projectVariables("acme/app")).isEmpty();
        s.clock.advance(Duration.ofSeconds(11));
        s.round();
        assertThat(value("DB_PASSWORD")).isEqualTo(DB_PASSWORD);
        assertThat(s.auditTypes("gl-429")).containsExactly("sync.failed", "sync.written");
        assertNoValue(s, output, DB_PASSWORD, TOKEN);
    }

    @Test
    void syncWhenServerErrorsThenRetriesWithBackoffUntilItWorks(CapturedOutput output) {
        SyncTestSupport s = support("gl-5xx", "", """
                      - secret: db/prod/password > DB_PASSWORD
                """);
        s.write("db/prod/password", DB_PASSWORD);
        gitlab.failNext(2, 502, Map.of());
        s.round();
        s.clock.advance(Duration.ofSeconds(3)); // first backoff 2 s (+ up to 20 % jitter)
        s.round();
        assertThat(gitlab.projectVariables("acme/app")).isEmpty();
        s.clock.advance(Duration.ofSeconds(5)); // second backoff 4 s (+ jitter)
        s.round();
        assertThat(value("DB_PASSWORD")).isEqualTo(DB_PASSWORD);
        assertThat(s.auditTypes("gl-5xx")).containsExactly("sync.failed", "sync.failed", "sync.written");
        assertThat(s.target("gl-5xx")).containsEntry("status", "ok");
        assertNoValue(s, output, DB_PASSWORD, TOKEN);
    }

    @Test
    void syncWhenGitLabDoesNotAnswerThenTimesOutAndRetries(CapturedOutput output) {
        SyncTestSupport s = new SyncTestSupport(database, yaml("gl-timeout", "", """
                      - secret: timeout/password > DB_PASSWORD
                """), true, Duration.ofSeconds(1));
        s.write("sync/gitlab/token", TOKEN);
        s.write("timeout/password", DB_PASSWORD);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        gitlab.stallNext(1, release);
        s.round();
        release.countDown();
        Map<String, Object> target = s.target("gl-timeout");
        assertThat(target).containsEntry("status", "failed");
        assertThat((String) target.get("detail")).contains("did not answer list variables in time");
        assertThat(s.auditRows()).anyMatch(r -> r.startsWith("sync.failed") && r.contains("unavailable"));
        s.clock.advance(Duration.ofSeconds(3));
        s.round();
        assertThat(value("DB_PASSWORD")).isEqualTo(DB_PASSWORD);
        assertNoValue(s, output, DB_PASSWORD, TOKEN);
    }

    @Test
    void driftWhenChangedOutsideThenReportedAndAuditedOnce(CapturedOutput output) {
        SyncTestSupport s = support("gl-drift", "", """
                      - secret: db/prod/password > DB_PASSWORD
                      - secret: app/url > APP_URL
                        masked: false
                """);
        s.write("db/prod/password", DB_PASSWORD);
        s.write("app/url", "https://app.example.com");
        s.round();
        assertThat(s.variable("gl-drift", "DB_PASSWORD")).containsEntry("status", "in_sync");

        // Someone unprotects nothing but edits a value and flips a flag in the GitLab UI.
        gitlab.changeProjectVariable("acme/app", "APP_URL", "*", v -> new GitLabSimulator.Variable(v.key(),
                "https://evil.example.com", v.variableType(), true, v.masked(), v.hidden(), v.raw(),
                v.environmentScope(), v.description()));
        gitlab.changeProjectVariable("acme/app", "DB_PASSWORD", "*", v -> null);
        s.clock.advance(Duration.ofMinutes(2)); // the schedule (1m) is due
        s.round();

        Map<String, Object> url = s.variable("gl-drift", "APP_URL");
        assertThat(url).containsEntry("status", "drifted");
        assertThat((String) url.get("detail")).contains("protected false→true").contains("value changed");
        assertThat((String) s.variable("gl-drift", "DB_PASSWORD").get("detail")).contains("deleted outside");
        assertThat(s.auditTypes("gl-drift")).containsExactly("sync.written", "sync.written", "sync.drifted");
        // Reported, not silently overwritten.
        assertThat(value("APP_URL")).isEqualTo("https://evil.example.com");

        s.clock.advance(Duration.ofMinutes(2));
        s.round(); // the same drift again: no second event
        assertThat(s.auditTypes("gl-drift")).containsExactly("sync.written", "sync.written", "sync.drifted");

        s.sync.run("gl-drift").block();
        s.round(); // a forced run repairs it
        assertThat(value("APP_URL")).isEqualTo("https://app.example.com");
        assertThat(value("DB_PASSWORD")).isEqualTo(DB_PASSWORD);
        assertThat(s.variable("gl-drift", "APP_URL")).containsEntry("status", "in_sync");
        assertNoValue(s, output, DB_PASSWORD, TOKEN);
    }

    @Test
    void pruneWhenMappingRemovedThenDeletesOnlyWithPruneTrue(CapturedOutput output) {
        String both = """
                      - secret: db/prod/password > DB_PASSWORD
                      - secret: old/key > OLD_KEY
                """;
        String one = """
                      - secret: db/prod/password > DB_PASSWORD
                """;
        SyncTestSupport first = support("gl-prune", "", both);
        first.write("db/prod/password", DB_PASSWORD);
        first.write("old/key", "old-key-value-123");
        first.round();
        assertThat(gitlab.projectVariables("acme/app")).extracting(GitLabSimulator.Variable::key)
                .containsExactlyInAnyOrder("DB_PASSWORD", "OLD_KEY");

        // Without prune: the variable stays and is shown as unmapped.
        SyncTestSupport kept = new SyncTestSupport(database, yaml("gl-prune", "", one), false);
        kept.sync.run("gl-prune").block();
        kept.round();
        assertThat(gitlab.projectVariables("acme/app")).extracting(GitLabSimulator.Variable::key)
                .contains("OLD_KEY");
        assertThat(kept.variable("gl-prune", "OLD_KEY")).containsEntry("status", "unmapped");

        SyncTestSupport pruning = new SyncTestSupport(database, yaml("gl-prune", "    prune: true\n", one), false);
        pruning.sync.run("gl-prune").block();
        pruning.round();
        assertThat(gitlab.projectVariables("acme/app")).extracting(GitLabSimulator.Variable::key)
                .containsExactly("DB_PASSWORD");
        assertThat(pruning.auditRows()).anyMatch(r -> r.startsWith("sync.deleted") && r.contains("OLD_KEY")
                && r.contains("old/key@1"));
        assertNoValue(pruning, output, DB_PASSWORD, "old-key-value-123", TOKEN);
    }

    @Test
    void syncWhenGroupTargetThenSendsMaskedTrueNotGitLab4jsDefault() {
        SyncTestSupport s = new SyncTestSupport(database, """
                sync:
                  - name: gl-group
                    platform: gitlab
                    url: %s
                    group: acme
                    token-secret: sync/gitlab/token
                    variables:
                      - secret: registry/password > REGISTRY_PASSWORD
                        hidden: false
                """.formatted(gitlab.url()));
        s.write("sync/gitlab/token", TOKEN);
        s.write("registry/password", "registry-Pass.word1");
        s.round();
        GitLabSimulator.Variable v = gitlab.groupVariables("acme").get(0);
        assertThat(v.masked()).isTrue();
        assertThat(v.hidden()).isFalse();
        assertThat(v.value()).isEqualTo("registry-Pass.word1");
    }

    private String value(String key) {
        return gitlab.projectVariables("acme/app").stream().filter(v -> v.key().equals(key)).findFirst()
                .orElseThrow().value();
    }

    static void assertNoValue(SyncTestSupport s, CapturedOutput output, String... values) {
        List<String> audit = s.auditRows();
        List<String> rows = s.syncRows();
        for (String v : values) {
            assertThat(output.getAll()).doesNotContain(v);
            assertThat(audit).noneMatch(r -> r.contains(v));
            assertThat(rows).noneMatch(r -> r.contains(v));
        }
    }
}
