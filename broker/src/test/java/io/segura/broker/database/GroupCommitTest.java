// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.database;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.broker.session.ReplayStore;
import io.segura.broker.vault.MigratedDatabase;
import io.segura.testkit.postgres.PostgresExtension;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Group commit against a real PostgreSQL database migrated by Flyway, and once on H2 (the dev mode's database). */
class GroupCommitTest {

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    static final DatabaseDeadline DEADLINE = DatabaseDeadline.after(Duration.ofSeconds(10));

    static MigratedDatabase database;
    static GroupCommit commits;

    static final Table PROBE = Table.of("jti_replay", "issuer", String.class, "jti", String.class, "expires_at",
            OffsetDateTime.class);
    static final OffsetDateTime LATER = OffsetDateTime.of(2030, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);

    @BeforeAll
    static void migrate() {
        database = MigratedDatabase.postgres(PG);
        commits = new GroupCommit(new WriteStatements(database.db()), database.tx(), 64, 2, DEADLINE);
    }

    /** Two rows per request, so a request half-written would show. */
    static Writes request(String issuer, String jti) {
        return Writes.of(PROBE.row(issuer, jti, LATER), PROBE.row(issuer, jti + "/second", LATER));
    }

    /** Submits every request before any answer can arrive, as concurrent HTTP requests do; collects outcomes. */
    static Map<String, Throwable> commitAll(Map<String, Writes> requests) {
        Map<String, Throwable> failures = new ConcurrentHashMap<>();
        List<Mono<Void>> all = new ArrayList<>();
        requests.forEach((name, writes) -> all.add(commits.commit(writes)
                .onErrorResume(e -> {
                    failures.put(name, e);
                    return Mono.empty();
                })));
        Flux.merge(all).then().block(Duration.ofSeconds(30));
        return failures;
    }

    static long count(String sql) {
        return database.db().sql(sql).map(row -> row.get(0, Long.class)).one().block(Duration.ofSeconds(10));
    }

    @Test
    void commitWhenManyRequestsAtOnceThenAllCommittedInFarFewerTransactions() {
        String issuer = "batch-" + UUID.randomUUID();
        Map<String, Writes> requests = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 300; i++) {
            requests.put("r" + i, request(issuer, "jti-" + i));
        }
        assertThat(commitAll(requests)).isEmpty();
        assertThat(count("SELECT count(*) FROM jti_replay WHERE issuer = '" + issuer + "'")).isEqualTo(600);
        // Rows written by one transaction share its xmin: 300 requests must have needed far fewer than 300.
        long transactions = count("SELECT count(DISTINCT xmin::text) FROM jti_replay WHERE issuer = '" + issuer + "'");
        assertThat(transactions).isLessThan(30);
        // and a request's two rows are always in the same transaction
        assertThat(count("SELECT count(*) FROM jti_replay a JOIN jti_replay b ON b.issuer = a.issuer"
                + " AND b.jti = a.jti || '/second' WHERE a.issuer = '" + issuer + "' AND a.xmin <> b.xmin"))
                .isZero();
    }

    @Test
    void commitWhenOneRequestOfABatchViolatesAKeyThenOnlyItFailsAndNothingOfItIsWritten() {
        String issuer = "dup-" + UUID.randomUUID();
        commits.commit(Writes.of(PROBE.row(issuer, "spent", LATER))).block(Duration.ofSeconds(10));
        Map<String, Writes> requests = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 40; i++) {
            requests.put("r" + i, request(issuer, "fresh-" + i));
        }
        // its second row is new, its first one is not: neither may be written
        requests.put("replay", Writes.of(PROBE.row(issuer, "replay/second", LATER), PROBE.row(issuer, "spent", LATER)));
        Map<String, Throwable> failures = commitAll(requests);
        assertThat(failures).containsOnlyKeys("replay");
        assertThat(ReplayStore.isDuplicate(failures.get("replay"))).isTrue();
        assertThat(count("SELECT count(*) FROM jti_replay WHERE issuer = '" + issuer + "'")).isEqualTo(81);
        assertThat(count("SELECT count(*) FROM jti_replay WHERE issuer = '" + issuer + "' AND jti = 'replay/second'"))
                .isZero();
    }

    static final Table SESSION = Table.of("sessions", "token_hash", String.class, "id", String.class, "role",
            String.class, "subject", String.class, "ctx", String.class, "claims", String.class, "created_at",
            OffsetDateTime.class, "expires_at", OffsetDateTime.class);

    /** Rows of two tables per request: a request is all or nothing in every table, and batches commit whole. */
    @Test
    void commitWhenRowsOfSeveralTablesAndOneRequestReplaysAKeyThenOnlyItFailsInEveryTable() {
        String issuer = "tables-" + UUID.randomUUID();
        String tag = issuer.substring(7, 15); // session ids are at most 36 characters
        commits.commit(Writes.of(PROBE.row(issuer, "spent", LATER))).block(Duration.ofSeconds(10));
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        Map<String, Writes> requests = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 40; i++) {
            requests.put("r" + i, Writes.of(SESSION.row(issuer + "/" + i, tag + "-s" + i, "r", "sub", "{}", "{}",
                    now, LATER), PROBE.row(issuer, "fresh-" + i, LATER)));
        }
        requests.put("replay", Writes.of(SESSION.row(issuer + "/replay", tag + "-replay", "r", "sub", "{}", "{}",
                now, LATER), PROBE.row(issuer, "spent", LATER)));
        Map<String, Throwable> failures = commitAll(requests);
        assertThat(failures).containsOnlyKeys("replay");
        assertThat(ReplayStore.isDuplicate(failures.get("replay"))).isTrue();
        assertThat(count("SELECT count(*) FROM jti_replay WHERE issuer = '" + issuer + "'")).isEqualTo(41);
        assertThat(count("SELECT count(*) FROM sessions WHERE id LIKE '" + tag + "-s%'")).isEqualTo(40);
        assertThat(count("SELECT count(*) FROM sessions WHERE id = '" + tag + "-replay'")).isZero();
        // each request's two rows in one transaction (the batch that held the replay was retried request by request)
        assertThat(count("SELECT count(*) FROM sessions s JOIN jti_replay j ON j.issuer = '" + issuer
                + "' AND j.jti = 'fresh-' || substr(s.id, 11) WHERE s.id LIKE '" + tag + "-s%' AND s.xmin <> j.xmin"))
                .isZero();
        assertThat(count("SELECT count(*) FROM sessions s JOIN jti_replay j ON j.issuer = '" + issuer
                + "' AND j.jti = 'fresh-' || substr(s.id, 11) WHERE s.id LIKE '" + tag + "-s%'")).isEqualTo(40);

        // without a replay the batches commit whole: far fewer transactions than requests, both tables in each
        Map<String, Writes> clean = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 40; i++) {
            clean.put("c" + i, Writes.of(SESSION.row(issuer + "/c" + i, tag + "-c" + i, "r", "sub", "{}", "{}", now,
                    LATER), PROBE.row(issuer, "clean-" + i, LATER)));
        }
        assertThat(commitAll(clean)).isEmpty();
        assertThat(count("SELECT count(DISTINCT xmin::text) FROM sessions WHERE id LIKE '" + tag + "-c%'"))
                .isLessThan(10);
        assertThat(count("SELECT count(*) FROM sessions s JOIN jti_replay j ON j.issuer = '" + issuer
                + "' AND j.jti = 'clean-' || substr(s.id, 11) WHERE s.id LIKE '" + tag + "-c%' AND s.xmin = j.xmin"))
                .isEqualTo(40);
    }

    @Test
    void commitWhenAGuardedRowIsGoneThenThatRequestGetsItsOwnErrorAndNothingOfIt() {
        String live = UUID.randomUUID().toString();
        String revoked = UUID.randomUUID().toString();
        insertSession(live, null);
        insertSession(revoked, OffsetDateTime.now(ZoneOffset.UTC));
        String issuer = "guard-" + UUID.randomUUID();
        Map<String, Writes> requests = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 20; i++) {
            requests.put("r" + i, request(issuer, "ok-" + i).and(counter(live)));
        }
        requests.put("late", request(issuer, "late").and(counter(revoked)));
        Map<String, Throwable> failures = commitAll(requests);
        assertThat(failures).containsOnlyKeys("late");
        assertThat(failures.get("late")).isInstanceOf(IllegalStateException.class).hasMessage("revoked meanwhile");
        assertThat(count("SELECT count(*) FROM jti_replay WHERE issuer = '" + issuer + "'")).isEqualTo(40);
        // twenty increments of one row, in however many statements, add up
        assertThat(count("SELECT CAST(lease_count AS bigint) FROM sessions WHERE id = '" + live + "'")).isEqualTo(20);
        assertThat(count("SELECT CAST(lease_count AS bigint) FROM sessions WHERE id = '" + revoked + "'")).isZero();
    }

    @Test
    void commitWhenAloneAndTheGuardMissesThenItsOwnError() {
        Throwable e = org.assertj.core.api.Assertions.catchThrowable(() -> commits.commit(
                Writes.of(PROBE.row("alone-" + UUID.randomUUID(), "x", LATER)).and(counter("no-such-session")))
                .block(Duration.ofSeconds(10)));
        assertThat(e).isInstanceOf(IllegalStateException.class).hasMessage("revoked meanwhile");
    }

    @Test
    void commitWhenTwoRequestsOfABatchSetTheSameRowThenTheFirstWinsAndTheSecondGetsItsOwnError() {
        String session = UUID.randomUUID().toString();
        insertSession(session, null);
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        Map<String, Writes> requests = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 10; i++) {
            requests.put("filler" + i, request("same-" + session, "f" + i));
        }
        requests.put("first", Writes.of(PROBE.row("same-" + session, "first", LATER)).and(revoke(session, now)));
        requests.put("second", Writes.of(PROBE.row("same-" + session, "second", LATER)).and(revoke(session, now)));
        Map<String, Throwable> failures = commitAll(requests);
        assertThat(failures).containsOnlyKeys("second");
        assertThat(failures.get("second")).hasMessage("revoked twice");
        assertThat(count("SELECT count(*) FROM jti_replay WHERE issuer = 'same-" + session + "'")).isEqualTo(21);
        assertThat(count("SELECT count(*) FROM sessions WHERE id = '" + session + "' AND revoked_at IS NOT NULL"
                + " AND revoke_reason = 'test'")).isEqualTo(1);
    }

    @Test
    void commitWhenAnUpdateFindsMoreRowsThanItReadThenNothingOfTheRequestIsWritten() {
        String session = UUID.randomUUID().toString();
        insertSession(session, null);
        Update expectsNone = new Update("sessions", "id", session, List.of(new Update.Assignment("revoke_reason",
                "x", false)), List.of(), "revoked_at IS NULL", 0, () -> new IllegalStateException("changed meanwhile"));
        Throwable e = org.assertj.core.api.Assertions.catchThrowable(() -> commits.commit(
                Writes.of(PROBE.row("more-" + session, "x", LATER)).and(expectsNone)).block(Duration.ofSeconds(10)));
        assertThat(e).hasMessage("changed meanwhile");
        assertThat(count("SELECT count(*) FROM jti_replay WHERE issuer = 'more-" + session + "'")).isZero();
        assertThat(count("SELECT count(*) FROM sessions WHERE id = '" + session + "' AND revoke_reason IS NULL"))
                .isEqualTo(1);
    }

    @Test
    void commitWhenAMatchedValueChangedThenThatRequestFailsAndTheOthersCommit() {
        String moved = UUID.randomUUID().toString();
        String same = UUID.randomUUID().toString();
        insertSession(moved, null);
        insertSession(same, null);
        // one lease was counted on "moved" after the requests below read its count of 0
        commits.commit(Writes.of().and(counter(moved))).block(Duration.ofSeconds(10));
        Map<String, Writes> requests = new java.util.LinkedHashMap<>();
        requests.put("stale", Writes.of(PROBE.row("match-" + moved, "stale", LATER)).and(readZero(moved)));
        requests.put("fresh", Writes.of(PROBE.row("match-" + moved, "fresh", LATER)).and(readZero(same)));
        Map<String, Throwable> failures = commitAll(requests);
        assertThat(failures).containsOnlyKeys("stale");
        assertThat(failures.get("stale")).hasMessage("count changed");
        assertThat(count("SELECT count(*) FROM jti_replay WHERE issuer = 'match-" + moved + "'")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM sessions WHERE revoke_reason = 'matched' AND id IN ('" + moved
                + "', '" + same + "')")).isEqualTo(1);
    }

    static Update readZero(String sessionId) {
        return new Update("sessions", "id", sessionId, List.of(new Update.Assignment("revoke_reason", "matched",
                false)), List.of(new Update.Match("lease_count", 0)), "revoked_at IS NULL", 1,
                () -> new IllegalStateException("count changed"));
    }

    static Update revoke(String sessionId, OffsetDateTime now) {
        return new Update("sessions", "id", sessionId, List.of(new Update.Assignment("revoked_at", now, false),
                new Update.Assignment("revoke_reason", "test", false)), List.of(), "revoked_at IS NULL", 1,
                () -> new IllegalStateException("revoked twice"));
    }

    @Test
    void commitWhenTheTableIsLockedElsewhereThenEachBatchTimesOutFreesItsSlotAndCommitsNothing() throws Exception {
        // the deadline also bounds the commit after the lock is gone, which must not miss it on a loaded machine
        GroupCommit bounded = new GroupCommit(new WriteStatements(database.db()), database.tx(), 64, 2,
                new DatabaseDeadline(Duration.ofSeconds(2)));
        String issuer = "locked-" + UUID.randomUUID();
        Map<String, Throwable> failures = new ConcurrentHashMap<>();
        try (java.sql.Connection operator = PG.database().connect()) {
            operator.setAutoCommit(false);
            try (java.sql.Statement s = operator.createStatement()) {
                s.execute("LOCK TABLE jti_replay IN ACCESS EXCLUSIVE MODE");
            }
            // two batches take both slots and hang on the lock, the third waits for a slot
            List<Mono<Void>> all = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                String name = "r" + i;
                all.add(bounded.commit(request(issuer, name))
                        .onErrorResume(e -> {
                            failures.put(name, e);
                            return Mono.empty();
                        }));
            }
            Flux.merge(all).then().block(Duration.ofSeconds(30));
            operator.rollback();
        }
        assertThat(failures).containsOnlyKeys("r0", "r1", "r2");
        assertThat(failures.values()).allSatisfy(e -> assertThat(e).isInstanceOf(DatabaseTimeoutException.class)
                .hasMessage("the database did not answer within 2000 ms"));
        // the slots are free again, and none of the abandoned transactions committed
        bounded.commit(request(issuer, "after")).block(Duration.ofSeconds(30));
        assertThat(count("SELECT count(*) FROM jti_replay WHERE issuer = '" + issuer + "'")).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM jti_replay WHERE issuer = '" + issuer + "' AND jti LIKE 'after%'"))
                .isEqualTo(2);
    }

    @Test
    void commitWhenH2ThenTheSameStatementsWork() {
        MigratedDatabase h2 = MigratedDatabase.h2("group_" + UUID.randomUUID().toString().replace("-", ""));
        GroupCommit onH2 = new GroupCommit(new WriteStatements(h2.db()), h2.tx(), 64, 2, DEADLINE);
        h2.db().sql("INSERT INTO sessions (token_hash, id, role, subject, ctx, claims, created_at, expires_at)"
                        + " VALUES ('h', 's', 'r', 'sub', '{}', '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
                .fetch().rowsUpdated().block(Duration.ofSeconds(10));
        List<Mono<Void>> all = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            all.add(onH2.commit(request("h2", "jti-" + i).and(counter("s"))));
        }
        Flux.merge(all).then().block(Duration.ofSeconds(30));
        onH2.commit(Writes.of(PROBE.row("h2", "revoke", LATER)).and(revoke("s", OffsetDateTime.now(ZoneOffset.UTC))))
                .block(Duration.ofSeconds(10));
        assertThat(h2.db().sql("SELECT count(*) FROM jti_replay").map(r -> r.get(0, Long.class)).one()
                .block(Duration.ofSeconds(10))).isEqualTo(101);
        assertThat(h2.db().sql("SELECT revoke_reason FROM sessions WHERE id = 's'").map(r -> r.get(0, String.class))
                .one().block(Duration.ofSeconds(10))).isEqualTo("test");
        assertThat(h2.db().sql("SELECT lease_count FROM sessions WHERE id = 's'").map(r -> r.get(0, Integer.class))
                .one().block(Duration.ofSeconds(10))).isEqualTo(50);
    }

    static Update counter(String sessionId) {
        return Update.increment("sessions", "lease_count", "id", sessionId, "revoked_at IS NULL",
                () -> new IllegalStateException("revoked meanwhile"));
    }

    static void insertSession(String id, OffsetDateTime revokedAt) {
        var spec = database.db().sql("INSERT INTO sessions (token_hash, id, role, subject, ctx, claims, created_at,"
                        + " expires_at, revoked_at) VALUES (:hash, :id, 'r', 'sub', '{}', '{}', :now, :now, :revoked)")
                .bind("hash", UUID.randomUUID().toString())
                .bind("id", id)
                .bind("now", OffsetDateTime.now(ZoneOffset.UTC));
        spec = revokedAt == null ? spec.bindNull("revoked", OffsetDateTime.class) : spec.bind("revoked", revokedAt);
        spec.fetch().rowsUpdated().block(Duration.ofSeconds(10));
    }
}
