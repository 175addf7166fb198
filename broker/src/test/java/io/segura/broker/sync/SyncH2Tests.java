// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.broker.vault.MigratedDatabase;
import io.segura.testkit.platform.GitLabSimulator;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sync's SQL (V8, SKIP LOCKED claim, upserts without ON CONFLICT) on H2, the dev mode's database. */
class SyncH2Tests {

    @Test
    void syncWhenOnH2ThenCreateRetryRotateAndStatusWork() {
        try (GitLabSimulator gitlab = GitLabSimulator.start("glpat-h2").project("acme/h2", 1)) {
            SyncTestSupport s = new SyncTestSupport(MigratedDatabase.h2("sync_h2"), """
                    sync:
                      - name: h2-gitlab
                        platform: gitlab
                        url: %s
                        project: acme/h2
                        token-secret: sync/token
                        variables:
                          - secret: h2/password > H2_PASSWORD
                    """.formatted(gitlab.url()));
            s.write("sync/token", "glpat-h2");
            s.write("h2/password", "h2-Password.0001");
            gitlab.failNext(1, 503, Map.of());
            s.round();
            assertThat(s.target("h2-gitlab")).containsEntry("status", "failed");
            s.clock.advance(Duration.ofSeconds(3));
            s.round();
            assertThat(gitlab.projectVariables("acme/h2").get(0).value()).isEqualTo("h2-Password.0001");
            s.rotate("h2/password", "h2-Password.0002");
            s.round();
            assertThat(gitlab.projectVariables("acme/h2").get(0).value()).isEqualTo("h2-Password.0002");
            assertThat(s.variable("h2-gitlab", "H2_PASSWORD")).containsEntry("status", "in_sync")
                    .containsEntry("synced_version", 2);
        }
    }
}
