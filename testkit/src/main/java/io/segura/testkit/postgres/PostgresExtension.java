// SPDX-License-Identifier: Apache-2.0
package io.segura.testkit.postgres;

import java.sql.SQLException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives each test class its own PostgreSQL database (DESIGN §13). Register it as a static field so Spring's
 * {@code @DynamicPropertySource} suppliers can read the URL lazily:
 *
 * <pre>{@code
 * @RegisterExtension static final PostgresExtension PG = new PostgresExtension();
 * @DynamicPropertySource static void db(DynamicPropertyRegistry r) { r.add("segura.database-url", PG::r2dbcUrl); }
 * }</pre>
 *
 * Without a reachable server the class is skipped, unless {@code SEGURA_REQUIRE_POSTGRES=true} (set by
 * {@code .ci/run}) turns that into a failure.
 */
public final class PostgresExtension implements BeforeAllCallback, AfterAllCallback {

    private TestDatabase database;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        String owner = context.getRequiredTestClass().getSimpleName();
        try {
            database = TestDatabase.create(owner);
        } catch (SQLException e) {
            if (Boolean.parseBoolean(System.getenv(TestDatabase.REQUIRE_ENV))) {
                throw new IllegalStateException("PostgreSQL is required (" + TestDatabase.REQUIRE_ENV
                        + "=true) but not reachable: " + e.getMessage(), e);
            }
            Assumptions.abort("PostgreSQL not reachable (" + e.getMessage() + "); set " + TestDatabase.URL_ENV);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (database != null) {
            database.drop();
            database = null;
        }
    }

    public TestDatabase database() {
        if (database == null) {
            throw new IllegalStateException("no database: the extension has not run beforeAll");
        }
        return database;
    }

    public String r2dbcUrl() {
        return database().r2dbcUrl();
    }

    public String jdbcUrl() {
        return database().jdbcUrl();
    }
}
