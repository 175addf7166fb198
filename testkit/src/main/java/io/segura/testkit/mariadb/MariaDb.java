// SPDX-License-Identifier: Apache-2.0
package io.segura.testkit.mariadb;

import io.segura.testkit.postgres.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.junit.jupiter.api.Assumptions;

/**
 * The MariaDB server of the dynamic-secret tests: 127.0.0.1:3306, root with an empty password ({@code .ci/run}
 * starts it). Without it a test class is skipped, unless {@code SEGURA_REQUIRE_POSTGRES=true} (set by
 * {@code .ci/run}, which requires every test server) turns that into a failure. The caller's test classpath must
 * hold the MariaDB JDBC driver.
 */
public final class MariaDb {

    public static final String URL = "jdbc:mariadb://127.0.0.1:3306/";

    private MariaDb() {
    }

    /** A root connection without a default database; skips or fails the caller when the server is absent. */
    public static Connection root() throws SQLException {
        try {
            return DriverManager.getConnection(URL, "root", "");
        } catch (SQLException e) {
            if (Boolean.parseBoolean(System.getenv(TestDatabase.REQUIRE_ENV))) {
                throw new IllegalStateException("MariaDB is required (" + TestDatabase.REQUIRE_ENV
                        + "=true) but not reachable at " + URL + ": " + e.getMessage(), e);
            }
            Assumptions.abort("MariaDB not reachable at " + URL + " (" + e.getMessage() + ")");
            throw new AssertionError("unreachable");
        }
    }
}
