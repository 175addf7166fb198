// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.federation;

import io.segura.broker.Refusal;
import io.segura.broker.session.ReplayStore;

import io.segura.testkit.time.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.segura.broker.config.IssuerSpec;
import io.segura.broker.database.DatabaseDeadline;
import io.segura.broker.database.GroupCommit;
import io.segura.broker.database.WriteStatements;
import io.segura.broker.database.Writes;
import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.postgres.PostgresExtension;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.r2dbc.connection.R2dbcTransactionManager;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;

/** jti single use (DESIGN §14) in a real PostgreSQL database migrated by Flyway. */
class ReplayStoreTest {

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    static ReplayStore store;

    @BeforeAll
    static void migrate() {
        var db = PG.database();
        Flyway.configure().dataSource(db.jdbcUrl(), db.user(), db.password())
                .locations("classpath:db/migration").load().migrate();
        ConnectionFactory cf = ConnectionFactories.get(PG.r2dbcUrl());
        store = new ReplayStore(DatabaseClient.create(cf));
        commits = new GroupCommit(new WriteStatements(DatabaseClient.create(cf)),
                TransactionalOperator.create(new R2dbcTransactionManager(cf)), 64, 2,
                DatabaseDeadline.after(Duration.ofSeconds(10)));
    }

    static GroupCommit commits;

    /** What the exchange does: commit the jti row (here alone) and answer a key violation as a replay. */
    static Throwable consume(String issuer, String jti, Instant exp) {
        return catchThrowable(() -> commits.commit(Writes.of(ReplayStore.firstUse(issuer, jti, exp)))
                .onErrorMap(ReplayStore::isDuplicate, e -> ReplayStore.replayed(jti))
                .block(Duration.ofSeconds(10)));
    }

    @Test
    void consumeWhenSecondUseThenRejectedAsReplay() {
        Instant exp = Instant.now().plusSeconds(300);
        assertThat(consume("azure", "jti-1", exp)).isNull();
        Throwable e = consume("azure", "jti-1", exp);
        assertThat(e).isInstanceOf(Refusal.TokenRefused.class);
        assertThat(((Refusal) e).reason()).isEqualTo("replay");
        assertThat(((Refusal) e).claim()).isEqualTo("jti");
        assertThat(e.getMessage()).contains("\"jti-1\"");
    }

    @Test
    void consumeWhenSameJtiOfAnotherIssuerThenAccepted() {
        Instant exp = Instant.now().plusSeconds(300);
        assertThat(consume("issuer-a", "shared-jti", exp)).isNull();
        assertThat(consume("issuer-b", "shared-jti", exp)).isNull();
    }

    @Test
    void purgeExpiredWhenCalledThenRemovesOnlyRowsExpiredLongerThanTheClockMargin() throws Exception {
        Instant now = Instant.parse("2030-01-01T00:00:00Z");
        assertThat(consume("purge", "old", now.minusSeconds(301))).isNull();
        // expired 30 s ago by this replica's clock: a replica 30 s behind still accepts its token, so it stays
        assertThat(consume("purge", "skewed", now.minusSeconds(30))).isNull();
        assertThat(consume("purge", "new", now.plusSeconds(60))).isNull();
        assertThat(store.purgeExpired(now).block(Duration.ofSeconds(10))).isGreaterThanOrEqualTo(1L);
        try (Connection c = PG.database().connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT jti FROM jti_replay WHERE issuer = 'purge'")) {
            java.util.List<String> left = new java.util.ArrayList<>();
            while (rs.next()) {
                left.add(rs.getString(1));
            }
            assertThat(left).containsExactlyInAnyOrder("new", "skewed");
        }
    }

    @Test
    void verifyWhenReplayProtectedThenNamesTheJtiRowButSpendsNothing() {
        MutableClock clock = new MutableClock(Instant.now());
        try (IssuerSimulator sim = IssuerSimulator.builder().clock(clock).start()) {
            IssuerSpec spec = TestIssuers.exact(sim.issuer()).name("azure-like").replayProtection(true).build();
            TokenVerifier v = new TokenVerifier(List.of(spec), new IssuerKeys(List.of(spec), clock), clock);
            String token = sim.mint(Map.of("sub", "p://contoso/web/deploy", "aud", TestIssuers.AUDIENCE));
            VerifiedToken first = v.verify(token).block(Duration.ofSeconds(10));
            VerifiedToken again = v.verify(token).block(Duration.ofSeconds(10));
            assertThat(again.jti()).isEqualTo(first.jti()).isNotBlank();
            assertThat(first.singleUse()).isTrue();
            assertThat(ReplayStore.firstUse(first.issuerName(), first.jti(), first.replayUntil()).values())
                    .startsWith("azure-like", first.jti());
            // kept until exp + the default 60 s skew, after which the token is refused as expired anyway
            assertThat(first.replayUntil()).isEqualTo(first.expiresAt().plusSeconds(60));

            String noJti = sim.token().without("jti").claim("sub", "x").claim("aud", TestIssuers.AUDIENCE).sign();
            Throwable missing = catchThrowable(() -> v.verify(noJti).block(Duration.ofSeconds(10)));
            assertThat(((TokenRejectedException) missing).check()).isEqualTo("replay");
            assertThat(((TokenRejectedException) missing).claim()).isEqualTo("jti");

            String longJti = sim.token().claim("jti", "x".repeat(513)).claim("sub", "x")
                    .claim("aud", TestIssuers.AUDIENCE).sign();
            Throwable tooLong = catchThrowable(() -> v.verify(longJti).block(Duration.ofSeconds(10)));
            assertThat(((TokenRejectedException) tooLong).check()).isEqualTo("replay");
            assertThat(tooLong.getMessage()).contains("513");
        }
    }

    @Test
    void verifyWhenIssuerNotSingleUseThenNoJtiRow() {
        MutableClock clock = new MutableClock(Instant.now());
        try (IssuerSimulator sim = IssuerSimulator.builder().clock(clock).start()) {
            IssuerSpec spec = TestIssuers.exact(sim.issuer()).build();
            TokenVerifier v = new TokenVerifier(List.of(spec), new IssuerKeys(List.of(spec), clock), clock);
            String token = sim.mint(Map.of("sub", "repo:acme/web", "aud", TestIssuers.AUDIENCE));
            assertThat(v.verify(token).block(Duration.ofSeconds(10)).singleUse()).isFalse();
        }
    }
}
