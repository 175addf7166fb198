// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.usage;

import io.segura.broker.vault.MigratedDatabase;
import io.segura.testkit.postgres.PostgresExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link UsageQueryContract} on PostgreSQL. */
class UsageQueryPostgresTests extends UsageQueryContract {

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    static MigratedDatabase database;

    @BeforeAll
    static void migrate() {
        database = MigratedDatabase.postgres(PG);
        seed(database);
    }

    @Override
    long count(String sql) {
        return database.db().sql(sql).map(r -> r.get(0, Number.class).longValue()).one().block(TIMEOUT);
    }
}
