// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.federation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.r2dbc.spi.ConnectionFactories;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.r2dbc.core.DatabaseClient;

/** The replay store's SQL also runs on H2 in PostgreSQL mode, the embedded dev database (STACK.md). */
class ReplayStoreH2Test {

    @Test
    void consumeWhenH2PostgresModeThenSecondUseRejectedAndPurgeWorks() {
        String name = "replay_" + UUID.randomUUID().toString().replace("-", "");
        String options = "MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1";
        Flyway.configure().dataSource("jdbc:h2:mem:" + name + ";" + options, "sa", "")
                .locations("classpath:db/migration").load().migrate();
        ReplayStore store = new ReplayStore(DatabaseClient.create(
                ConnectionFactories.get("r2dbc:h2:mem://sa@/" + name + "?options=" + options)));
        Instant exp = Instant.parse("2030-01-01T00:00:00Z");
        store.consume("dev", "jti-1", exp).block(Duration.ofSeconds(10));
        Throwable e = catchThrowable(() -> store.consume("dev", "jti-1", exp).block(Duration.ofSeconds(10)));
        assertThat(e).isInstanceOf(TokenRejectedException.class);
        assertThat(((TokenRejectedException) e).check()).isEqualTo("replay");
        assertThat(store.purgeExpired(exp.plusSeconds(1)).block(Duration.ofSeconds(10))).isEqualTo(1L);
        store.consume("dev", "jti-1", exp.plusSeconds(600)).block(Duration.ofSeconds(10));
    }
}
