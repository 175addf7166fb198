// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.usage;

import io.segura.broker.vault.MigratedDatabase;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;

/** {@link UsageQueryContract} on H2 in PostgreSQL mode: the V6 migration and every usage query run there too. */
class UsageQueryH2Tests extends UsageQueryContract {

    static MigratedDatabase database;

    @BeforeAll
    static void migrate() {
        database = MigratedDatabase.h2("segura_usage_" + UUID.randomUUID().toString().replace("-", ""));
        seed(database);
    }

    @Override
    long count(String sql) {
        return database.db().sql(sql).map(r -> r.get(0, Number.class).longValue()).one().block(TIMEOUT);
    }
}
