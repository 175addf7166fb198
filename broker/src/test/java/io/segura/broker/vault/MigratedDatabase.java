// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.segura.testkit.postgres.PostgresExtension;
import org.flywaydb.core.Flyway;
import org.springframework.r2dbc.connection.R2dbcTransactionManager;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;

/** A test database migrated with the real Flyway scripts, with the R2DBC client and transaction operator on it. */
public record MigratedDatabase(ConnectionFactory connectionFactory, DatabaseClient db, TransactionalOperator tx) {

    public static MigratedDatabase postgres(PostgresExtension pg) {
        Flyway.configure().dataSource(pg.jdbcUrl(), pg.database().user(), pg.database().password())
                .locations("classpath:db/migration").load().migrate();
        return of(ConnectionFactories.get(pg.r2dbcUrl()));
    }

    /** An in-memory H2 database in PostgreSQL mode, the dev mode's database (STACK.md). */
    public static MigratedDatabase h2(String name) {
        String options = "MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1";
        Flyway.configure().dataSource("jdbc:h2:mem:" + name + ";" + options, "sa", "")
                .locations("classpath:db/migration").load().migrate();
        return of(ConnectionFactories.get(ConnectionFactoryOptions.parse("r2dbc:h2:mem:///" + name + "?options="
                + options).mutate().option(ConnectionFactoryOptions.USER, "sa")
                .option(ConnectionFactoryOptions.PASSWORD, "").build()));
    }

    private static MigratedDatabase of(ConnectionFactory cf) {
        return new MigratedDatabase(cf, DatabaseClient.create(cf),
                TransactionalOperator.create(new R2dbcTransactionManager(cf)));
    }
}
