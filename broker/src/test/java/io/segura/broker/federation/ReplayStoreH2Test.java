// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.federation;

import io.segura.broker.session.ReplayStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.segura.broker.database.DatabaseDeadline;
import io.segura.broker.database.GroupCommit;
import io.segura.broker.database.WriteStatements;
import io.segura.broker.database.Writes;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.r2dbc.connection.R2dbcTransactionManager;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;

/** The replay store's SQL also runs on H2 in PostgreSQL mode, the embedded dev database (STACK.md). */
class ReplayStoreH2Test {

    @Test
    void consumeWhenH2PostgresModeThenSecondUseRejectedAndPurgeWorks() {
        String name = "replay_" + UUID.randomUUID().toString().replace("-", "");
        String options = "MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1";
        Flyway.configure().dataSource("jdbc:h2:mem:" + name + ";" + options, "sa", "")
                .locations("classpath:db/migration").load().migrate();
        ConnectionFactory cf = ConnectionFactories.get("r2dbc:h2:mem://sa@/" + name + "?options=" + options);
        ReplayStore store = new ReplayStore(DatabaseClient.create(cf));
        GroupCommit commits = new GroupCommit(new WriteStatements(DatabaseClient.create(cf)),
                TransactionalOperator.create(new R2dbcTransactionManager(cf)), 64, 2,
                DatabaseDeadline.after(Duration.ofSeconds(10)));
        Instant exp = Instant.parse("2030-01-01T00:00:00Z");
        commits.commit(Writes.of(ReplayStore.firstUse("dev", "jti-1", exp))).block(Duration.ofSeconds(10));
        Throwable e = catchThrowable(() -> commits.commit(Writes.of(ReplayStore.firstUse("dev", "jti-1", exp)))
                .block(Duration.ofSeconds(10)));
        assertThat(ReplayStore.isDuplicate(e)).as("a key violation, answered as replay").isTrue();
        // kept for the replicas' clock margin past its expiry (a replica running ahead must not reopen a replay)
        assertThat(store.purgeExpired(exp.plusSeconds(299)).block(Duration.ofSeconds(10))).isZero();
        assertThat(store.purgeExpired(exp.plusSeconds(301)).block(Duration.ofSeconds(10))).isEqualTo(1L);
        commits.commit(Writes.of(ReplayStore.firstUse("dev", "jti-1", exp.plusSeconds(600))))
                .block(Duration.ofSeconds(10));
    }
}
