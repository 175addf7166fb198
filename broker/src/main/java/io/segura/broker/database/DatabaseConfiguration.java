// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.database;

import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionFactoryProvider;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.segura.broker.BrokerSettings;
import java.time.Duration;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.DependsOn;
import org.springframework.r2dbc.connection.R2dbcTransactionManager;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.ReactiveTransactionManager;
import org.springframework.transaction.reactive.TransactionalOperator;

/**
 * The one database of a broker (PostgreSQL, or H2 in dev mode): schema migrated by Flyway before anything else
 * touches it, then a bounded R2DBC connection pool.
 */
@Configuration(proxyBeanMethods = false)
public class DatabaseConfiguration {

    /**
     * How long the readiness probe waits for {@code SELECT 1}: under the 2 s check timeout of the HAProxy configuration
     * in the README, so a partitioned replica answers 503 rather than not at all.
     */
    static final Duration READINESS_TIMEOUT = Duration.ofMillis(1500);

    private static final Logger log = LoggerFactory.getLogger(DatabaseConfiguration.class);

    @Bean
    DatabaseUrl databaseUrl(BrokerSettings settings) {
        return DatabaseUrl.parse(settings.databaseUrl());
    }

    @Bean
    Flyway flyway(DatabaseUrl url) {
        Flyway flyway = Flyway.configure()
                .dataSource(url.jdbc(), url.user(), url.password())
                .locations("classpath:db/migration")
                .load();
        flyway.migrate();
        return flyway;
    }

    @Bean(destroyMethod = "dispose")
    @DependsOn("flyway")
    ConnectionPool connectionFactory(DatabaseUrl url, BrokerSettings settings) {
        ConnectionFactoryOptions options = ConnectionFactoryOptions.parse(url.r2dbc());
        if (url.isH2()) {
            // the same credentials Flyway created the embedded database with
            options = options.mutate().option(ConnectionFactoryOptions.USER, url.user())
                    .option(ConnectionFactoryOptions.PASSWORD, url.password()).build();
        }
        if (!url.isH2()) {
            options = withServerTimeouts(options, settings.databaseTimeout());
        }
        ConnectionFactory raw = ConnectionFactories.get(options);
        int size = settings.databasePoolSize();
        ConnectionPool pool = new ConnectionPool(ConnectionPoolConfiguration.builder(raw)
                .initialSize(Math.min(4, size))
                .maxSize(size)
                .maxAcquireTime(Duration.ofSeconds(3))
                .maxCreateConnectionTime(Duration.ofSeconds(3))
                .maxIdleTime(Duration.ofMinutes(10))
                .name("segura")
                .build());
        // The pool would open its initial connections on the first acquire, i.e. inside the first request (the
        // readiness probe's database check): the driver's classes, TCP and the PostgreSQL handshake. Opening them
        // now, on the driver's event loop, overlaps that with the rest of the start-up. Not awaited: a failure here
        // only means the first acquire tries again, as it would have anyway.
        pool.warmup().subscribe(opened -> { }, e -> log.debug("connection pool warm-up failed: {}", e.toString()));
        return pool;
    }

    /**
     * Limits PostgreSQL enforces on every broker connection (sent in the start-up message, no extra round trip):
     * a lock wait ends after {@code timeout} ({@code lock_timeout}: a row or table held by another replica or by an
     * operator's open transaction becomes a 503 instead of a request that never ends), and a transaction the broker
     * abandoned mid-way — its connection stalled, say a replica cut off from the database — is ended after half that
     * ({@code idle_in_transaction_session_timeout}, at least a second), so its locks do not outlive it. Half, so that
     * a healthy replica's lease waiting on the session row such a transaction locked outlives the lock and commits
     * instead of answering 503. Every broker transaction is a database-only conversation (no call out between its
     * statements), idle between them for milliseconds. No {@code statement_timeout}:
     * the background jobs' whole-table searches may legitimately run longer on a large audit table; requests are
     * bounded by the request deadline instead. An operator's own {@code lockWaitTimeout} or {@code options} in
     * {@code SEGURA_DATABASE_URL} win.
     */
    static ConnectionFactoryOptions withServerTimeouts(ConnectionFactoryOptions options, Duration timeout) {
        ConnectionFactoryOptions.Builder builder = options.mutate();
        if (!options.hasOption(PostgresqlConnectionFactoryProvider.LOCK_WAIT_TIMEOUT)) {
            builder.option(PostgresqlConnectionFactoryProvider.LOCK_WAIT_TIMEOUT, timeout);
        }
        if (!options.hasOption(PostgresqlConnectionFactoryProvider.OPTIONS)) {
            builder.option(PostgresqlConnectionFactoryProvider.OPTIONS, Map.of("idle_in_transaction_session_timeout",
                    Long.toString(Math.max(1_000, timeout.dividedBy(2).toMillis()))));
        }
        return builder.build();
    }

    /** The readiness probe's database check, named {@code database} in {@code /actuator/health}. */
    @Bean
    DatabaseReadiness databaseHealthIndicator(DatabaseClient databaseClient, BrokerSettings settings) {
        Duration timeout = settings.databaseTimeout().compareTo(READINESS_TIMEOUT) < 0 ? settings.databaseTimeout()
                : READINESS_TIMEOUT;
        return new DatabaseReadiness(databaseClient, timeout);
    }

    @Bean
    DatabaseDeadline databaseDeadline(BrokerSettings settings) {
        return DatabaseDeadline.after(settings.databaseTimeout());
    }

    @Bean
    DatabaseClient databaseClient(ConnectionFactory connectionFactory) {
        return DatabaseClient.create(connectionFactory);
    }

    @Bean
    R2dbcTransactionManager transactionManager(ConnectionFactory connectionFactory) {
        return new R2dbcTransactionManager(connectionFactory);
    }

    @Bean
    TransactionalOperator transactionalOperator(ReactiveTransactionManager transactionManager) {
        return TransactionalOperator.create(transactionManager);
    }
}
