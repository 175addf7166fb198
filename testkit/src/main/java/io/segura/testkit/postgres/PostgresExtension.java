// SPDX-License-Identifier: Apache-2.0
package io.segura.testkit.postgres;

import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Assumptions;
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
public final class PostgresExtension implements BeforeAllCallback {

    private TestDatabase database;
    private final List<AutoCloseable> closeAfterClass = new CopyOnWriteArrayList<>();

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
        // Dropped when the class's extension context closes, which is after every afterAll callback: a Spring test
        // context of the class (@DirtiesContext) is closed by then. Dropping in afterAll ran first, so the database
        // was dropped (WITH FORCE) under a broker whose background jobs were still querying it: their connections
        // were reset, and the PostgreSQL driver can leak a read buffer on a reset, which Netty's leak detector then
        // reports as an ERROR during whichever test is running when it notices.
        context.getStore(ExtensionContext.Namespace.create(PostgresExtension.class)).put("database",
                (AutoCloseable) this::drop);
    }

    /**
     * Closes {@code resource} when the test class is done: after its Spring test context is closed and before the
     * database is dropped, latest first. For what stands between a broker and its database (a {@code TcpProxy}):
     * closed in an {@code @AfterAll}, it would cut the connections of a broker that is still running.
     */
    public void closeAfterClass(AutoCloseable resource) {
        closeAfterClass.add(Objects.requireNonNull(resource, "resource cannot be null"));
    }

    private void drop() throws Exception {
        try {
            for (int i = closeAfterClass.size() - 1; i >= 0; i--) {
                closeAfterClass.get(i).close();
            }
        } finally {
            closeAfterClass.clear();
            TestDatabase d = database;
            database = null;
            if (d != null) {
                d.drop();
            }
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
