// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.sync;

import static io.segura.broker.sync.GitLabSyncTests.assertNoValue;
import static org.assertj.core.api.Assertions.assertThat;

import io.segura.broker.vault.MigratedDatabase;
import io.segura.testkit.platform.AzureDevOpsSimulator;
import io.segura.testkit.postgres.PostgresExtension;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * The Azure DevOps variable-group sync end to end over HTTP against the {@link AzureDevOpsSimulator} (api-version
 * 7.1), with the real vault store and audit log on PostgreSQL.
 */
@ExtendWith(OutputCaptureExtension.class)
class AzureDevOpsSyncTests {

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    static final String PAT = "azure-pat-simulated-000000000000000000";
    static final String SECRET_1 = "az-Secret value 1 ✓";
    static final String SECRET_2 = "az-Secret value 2 ✓";
    static MigratedDatabase database;

    AzureDevOpsSimulator azure;

    @BeforeAll
    static void migrate() {
        database = MigratedDatabase.postgres(PG);
    }

    @AfterEach
    void stop() {
        azure.close();
    }

    SyncTestSupport support(String name, String extra, String variables) {
        SyncTestSupport s = new SyncTestSupport(database, """
                sync:
                  - name: %s
                    platform: azure-devops
                    url: %s
                    organization: contoso
                    project: web
                    variable-group: segura-%s
                    token-secret: sync/azure/pat
                    schedule: 1m
                %s    variables:
                %s""".formatted(name, azure.url(), name, extra, variables));
        s.write("sync/azure/pat", PAT);
        return s;
    }

    @Test
    void syncWhenNewThenCreatesGroupWithSecretAndRotationUpdatesIt(CapturedOutput output) {
        azure = AzureDevOpsSimulator.start("contoso", "web", PAT);
        SyncTestSupport s = support("az-create", "", """
                      - secret: az/create/password > DB_PASSWORD
                      - secret: az/create/url > APP_URL
                        is-secret: false
                """);
        s.write("az/create/password", SECRET_1);
        s.write("az/create/url", "https://app.example.com");
        s.round();

        Map<String, AzureDevOpsSimulator.Value> group = azure.group("segura-az-create");
        assertThat(group.get("DB_PASSWORD")).isEqualTo(new AzureDevOpsSimulator.Value(SECRET_1, true));
        assertThat(group.get("APP_URL")).isEqualTo(new AzureDevOpsSimulator.Value("https://app.example.com", false));
        // The API never returned the secret value.
        assertThat(azure.requests()).allMatch(r -> !r.method().equals("GET") || !r.body().contains(SECRET_1));
        assertThat(s.variable("az-create", "DB_PASSWORD")).containsEntry("status", "in_sync");

        // A secret someone else keeps in the same group must survive the full-replace PUT.
        azure.change("segura-az-create", "THEIRS", new AzureDevOpsSimulator.Value("their-secret", true));
        s.sync.run("az-create").block();
        s.round(); // takes the new stamp as ours again
        s.rotate("az/create/password", SECRET_2);
        s.round();
        group = azure.group("segura-az-create");
        assertThat(group.get("DB_PASSWORD")).isEqualTo(new AzureDevOpsSimulator.Value(SECRET_2, true));
        assertThat(group.get("THEIRS")).isEqualTo(new AzureDevOpsSimulator.Value("their-secret", true));
        assertThat(s.auditRows()).anyMatch(r -> r.startsWith("sync.written") && r.contains("az/create/password@2"));
        assertNoValue(s, output, SECRET_1, SECRET_2, PAT, "their-secret");
    }

    @Test
    void driftWhenGroupChangedOutsideThenStampAndFlagsReported(CapturedOutput output) {
        azure = AzureDevOpsSimulator.start("contoso", "web", PAT);
        SyncTestSupport s = support("az-drift", "", """
                      - secret: az/drift/password > DB_PASSWORD
                """);
        s.write("az/drift/password", SECRET_1);
        s.round();
        assertThat(s.target("az-drift")).containsEntry("status", "ok");

        // Someone turns the secret into a plain variable in the web UI.
        azure.change("segura-az-drift", "DB_PASSWORD", new AzureDevOpsSimulator.Value("visible", false));
        s.clock.advance(Duration.ofMinutes(2));
        s.round();

        Map<String, Object> target = s.target("az-drift");
        assertThat(target).containsEntry("status", "drifted");
        assertThat((String) target.get("detail")).contains("modified outside Segura");
        assertThat((String) s.variable("az-drift", "DB_PASSWORD").get("detail")).contains("isSecret true→false");
        assertThat(s.auditTypes("az-drift")).containsExactly("sync.written", "sync.drifted");
        assertNoValue(s, output, SECRET_1, PAT);
    }

    @Test
    void pruneWhenMappingRemovedThenVariableDeletedFromGroup(CapturedOutput output) {
        azure = AzureDevOpsSimulator.start("contoso", "web", PAT);
        SyncTestSupport s = support("az-prune", "", """
                      - secret: az/prune/a > A_SECRET
                      - secret: az/prune/b > B_SECRET
                """);
        s.write("az/prune/a", SECRET_1);
        s.write("az/prune/b", SECRET_2);
        s.round();
        assertThat(azure.group("segura-az-prune")).containsKeys("A_SECRET", "B_SECRET");

        SyncTestSupport pruning = new SyncTestSupport(database, """
                sync:
                  - name: az-prune
                    platform: azure-devops
                    url: %s
                    organization: contoso
                    project: web
                    variable-group: segura-az-prune
                    token-secret: sync/azure/pat
                    prune: true
                    variables:
                      - secret: az/prune/a > A_SECRET
                """.formatted(azure.url()), false);
        pruning.sync.run(null).block();
        pruning.round();
        assertThat(azure.group("segura-az-prune")).containsOnlyKeys("A_SECRET");
        assertThat(pruning.auditTypes("az-prune")).contains("sync.deleted");
        assertNoValue(pruning, output, SECRET_1, SECRET_2, PAT);
    }

    @Test
    void syncWhenAzureDevOpsServerThenUsesTheCollectionUrlAndHonoursRetryAfter(CapturedOutput output) {
        azure = AzureDevOpsSimulator.server("/tfs", "contoso", "web", PAT);
        SyncTestSupport s = support("az-server", "", """
                      - secret: az/server/password > DB_PASSWORD
                """);
        s.write("az/server/password", SECRET_1);
        azure.failNext(1, 429, Map.of("Retry-After", "45"));
        s.round();
        assertThat(azure.group("segura-az-server")).isNull();
        assertThat((String) s.target("az-server").get("detail")).contains("429");
        s.clock.advance(Duration.ofSeconds(30));
        s.round();
        assertThat(azure.group("segura-az-server")).isNull();
        s.clock.advance(Duration.ofSeconds(16));
        s.round();
        assertThat(azure.group("segura-az-server").get("DB_PASSWORD"))
                .isEqualTo(new AzureDevOpsSimulator.Value(SECRET_1, true));
        assertThat(azure.requests()).allMatch(r -> r.path().startsWith("/tfs/contoso/"));
        azure.failNext(1, 503, Map.of());
        s.rotate("az/server/password", SECRET_2);
        s.round();
        assertThat(s.target("az-server")).containsEntry("status", "failed");
        s.clock.advance(Duration.ofSeconds(3));
        s.round();
        assertThat(azure.group("segura-az-server").get("DB_PASSWORD").value()).isEqualTo(SECRET_2);
        assertNoValue(s, output, SECRET_1, SECRET_2, PAT);
    }
}
