// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.segura.testkit.postgres.PostgresExtension;
import io.segura.testkit.postgres.TestDatabase;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.springframework.r2dbc.connection.R2dbcTransactionManager;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;

/** A test database migrated with the real Flyway scripts, with the R2DBC client and transaction operator on it. */
public record MigratedDatabase(ConnectionFactory connectionFactory, DatabaseClient db, TransactionalOperator tx) {

    private static final String H2_OPTIONS =
            "MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1";

    public static MigratedDatabase postgres(PostgresExtension pg) {
        return postgres(pg.database(), null);
    }

    /**
     * The database migrated up to {@code version} ({@code null}: all), so that a test can fill the schema a migration
     * starts from; migrating it again with {@code null} runs the rest.
     */
    public static MigratedDatabase postgres(TestDatabase database, String version) {
        migrate(Flyway.configure().dataSource(database.jdbcUrl(), database.user(), database.password()), version);
        return of(ConnectionFactories.get(database.r2dbcUrl()));
    }

    /** An in-memory H2 database in PostgreSQL mode, the dev mode's database (STACK.md). */
    public static MigratedDatabase h2(String name) {
        return h2(name, null);
    }

    /** As {@link #postgres(TestDatabase, String)}, on H2; the database lives until the JVM exits. */
    public static MigratedDatabase h2(String name, String version) {
        migrate(Flyway.configure().dataSource("jdbc:h2:mem:" + name + ";" + H2_OPTIONS, "sa", ""), version);
        return of(ConnectionFactories.get(ConnectionFactoryOptions.parse("r2dbc:h2:mem:///" + name + "?options="
                + H2_OPTIONS).mutate().option(ConnectionFactoryOptions.USER, "sa")
                .option(ConnectionFactoryOptions.PASSWORD, "").build()));
    }

    private static void migrate(FluentConfiguration flyway, String version) {
        flyway.locations("classpath:db/migration");
        if (version != null) {
            flyway.target(version);
        }
        flyway.load().migrate();
    }

    private static MigratedDatabase of(ConnectionFactory cf) {
        return new MigratedDatabase(cf, DatabaseClient.create(cf),
                TransactionalOperator.create(new R2dbcTransactionManager(cf)));
    }
}
