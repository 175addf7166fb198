// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.database;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Mono;

/**
 * Whether this replica reaches its database now: {@code SELECT 1} through the broker's own pool, answered within
 * {@code timeout}. Part of the readiness probe ({@code /actuator/health/readiness}, application.yml), so a replica cut
 * off from PostgreSQL — a network partition, a pool stuck on dead connections — is taken out of the load balancer
 * while the replicas that still reach it keep serving; it comes back by itself once the query answers again. Not part
 * of liveness: a database outage must never restart a broker. A timed-out query counts as down (a partition drops
 * packets, it does not refuse them), and the probe answers before a load balancer's check timeout would.
 */
public final class DatabaseReadiness implements ReactiveHealthIndicator {

    private final DatabaseClient db;
    private final Duration timeout;

    public DatabaseReadiness(DatabaseClient db, Duration timeout) {
        this.db = Objects.requireNonNull(db, "db cannot be null");
        this.timeout = Objects.requireNonNull(timeout, "timeout cannot be null");
    }

    @Override
    public Mono<Health> health() {
        long started = System.nanoTime();
        return db.sql("SELECT 1").fetch().rowsUpdated().then()
                .timeout(timeout)
                .then(Mono.fromSupplier(() -> Health.up()
                        .withDetail("millis", Duration.ofNanos(System.nanoTime() - started).toMillis()).build()))
                // the error's class only: a driver message can quote the connection URL
                .onErrorResume(e -> Mono.just(Health.down().withDetail("error", e instanceof TimeoutException
                        ? "no answer within " + timeout.toMillis() + " ms" : e.getClass().getSimpleName()).build()));
    }
}
