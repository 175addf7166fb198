// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.audit;

import io.segura.broker.vault.MigratedDatabase;
import io.segura.testkit.postgres.PostgresExtension;
import io.segura.testkit.postgres.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The V2 migration (audit links out of audit_events) on PostgreSQL, from a V1 database holding a chain; the same
 * scenarios run on H2 in {@link H2CompatibilityTests}.
 */
class AuditMigrationTests {

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    @Test
    void migrateWhenV1DatabaseHasAChainThenV2CopiesItsLinksAndTheChainVerifies() {
        AuditTestSupport.v2WhenV1ChainExistsThenLinksCopiedChainVerifiesAndContinues(
                version -> MigratedDatabase.postgres(PG.database(), version));
    }

    @Test
    void migrateWhenAV1HashWasErasedThenV2RunsAndVerifyReportsTheRow() throws Exception {
        try (TestDatabase database = TestDatabase.create("AuditMigrationTestsErased")) {
            AuditTestSupport.v2WhenAV1HashWasErasedThenMigratedAndVerifyReportsIt(
                    version -> MigratedDatabase.postgres(database, version));
        }
    }
}
