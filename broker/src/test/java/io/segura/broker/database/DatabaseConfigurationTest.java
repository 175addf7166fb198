// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.database;

import static org.assertj.core.api.Assertions.assertThat;

import io.r2dbc.postgresql.PostgresqlConnectionFactoryProvider;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.segura.testkit.postgres.PostgresExtension;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.r2dbc.core.DatabaseClient;

/** The limits the broker asks PostgreSQL to enforce on its connections, read back from a real server. */
class DatabaseConfigurationTest {

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    @Test
    void connectionsWhenPostgresThenLockWaitsAndAbandonedTransactionsAreBounded() {
        ConnectionFactoryOptions options = DatabaseConfiguration.withServerTimeouts(
                ConnectionFactoryOptions.parse(PG.r2dbcUrl()), Duration.ofSeconds(2));
        DatabaseClient db = DatabaseClient.create(ConnectionFactories.get(options));
        assertThat(show(db, "lock_timeout")).isEqualTo("2s");
        assertThat(show(db, "idle_in_transaction_session_timeout")).isEqualTo("6s");
        assertThat(show(db, "statement_timeout")).as("whole-table searches may run long").isEqualTo("0");
    }

    @Test
    void connectionsWhenTheUrlSetsItsOwnLimitsThenTheOperatorWins() {
        ConnectionFactoryOptions own = ConnectionFactoryOptions.parse(PG.r2dbcUrl()).mutate()
                .option(PostgresqlConnectionFactoryProvider.LOCK_WAIT_TIMEOUT, Duration.ofMillis(1500))
                .option(PostgresqlConnectionFactoryProvider.OPTIONS, Map.of("idle_in_transaction_session_timeout",
                        "60000"))
                .build();
        DatabaseClient db = DatabaseClient.create(ConnectionFactories.get(
                DatabaseConfiguration.withServerTimeouts(own, Duration.ofSeconds(2))));
        assertThat(show(db, "lock_timeout")).isEqualTo("1500ms");
        assertThat(show(db, "idle_in_transaction_session_timeout")).isEqualTo("1min");
    }

    private static String show(DatabaseClient db, String setting) {
        return db.sql("SHOW " + setting).map(row -> row.get(0, String.class)).one().block(Duration.ofSeconds(10));
    }
}
