// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.database;

import static org.assertj.core.api.Assertions.assertThat;

import io.r2dbc.postgresql.PostgresqlConnectionFactoryProvider;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Result;
import io.segura.testkit.postgres.PostgresExtension;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

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
        assertThat(show(db, "idle_in_transaction_session_timeout")).as("under lock_timeout, so a lock waiter"
                + " outlives an abandoned holder").isEqualTo("1s");
        assertThat(show(db, "statement_timeout")).as("whole-table searches may run long").isEqualTo("0");
    }

    /**
     * The FaultsIT partition, in one process: a transaction that locked a row and then went silent (its replica cut
     * off from the database mid-conversation) is ended by PostgreSQL before another connection's wait for that lock
     * times out, so the waiter is served, not refused.
     */
    @Test
    void lockWhenItsHolderGoesSilentMidTransactionThenTheWaiterGetsItBeforeItsLockTimeout() {
        ConnectionFactory factory = ConnectionFactories.get(DatabaseConfiguration.withServerTimeouts(
                ConnectionFactoryOptions.parse(PG.r2dbcUrl()), Duration.ofSeconds(4)));
        DatabaseClient db = DatabaseClient.create(factory);
        db.sql("CREATE TABLE silent_holder (id int PRIMARY KEY, n int NOT NULL)").then().block(WAIT);
        db.sql("INSERT INTO silent_holder VALUES (1, 0)").then().block(WAIT);
        Connection holder = Mono.from(factory.create()).block(WAIT);
        try {
            Mono.from(holder.beginTransaction()).block(WAIT);
            Flux.from(holder.createStatement("UPDATE silent_holder SET n = n + 1 WHERE id = 1").execute())
                    .flatMap(Result::getRowsUpdated).blockLast(WAIT);
            // the holder now says nothing more: it neither commits nor rolls back
            long waited = System.nanoTime();
            Long updated = db.sql("UPDATE silent_holder SET n = n + 10 WHERE id = 1").fetch().rowsUpdated()
                    .block(WAIT);
            assertThat(updated).as("the waiter is served, not refused by its 4 s lock_timeout").isEqualTo(1);
            assertThat(Duration.ofNanos(System.nanoTime() - waited)).as("it waited for the holder's end")
                    .isGreaterThan(Duration.ofMillis(500));
            assertThat(db.sql("SELECT n FROM silent_holder").map(row -> row.get(0, Integer.class)).one().block(WAIT))
                    .as("the silent holder's write was rolled back").isEqualTo(10);
        } finally {
            Mono.from(holder.close()).onErrorComplete().block(WAIT);
        }
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

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static String show(DatabaseClient db, String setting) {
        return db.sql("SHOW " + setting).map(row -> row.get(0, String.class)).one().block(Duration.ofSeconds(10));
    }
}
