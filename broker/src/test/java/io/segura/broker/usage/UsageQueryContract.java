// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segura.broker.Refusal;
import io.segura.broker.audit.AuditEvent;
import io.segura.broker.audit.AuditEventType;
import io.segura.broker.database.Timestamps;
import io.segura.broker.database.WriteStatements;
import io.segura.broker.database.Writes;
import io.segura.broker.usage.UsageViews.ContextUsage;
import io.segura.broker.usage.UsageViews.PinnedPage;
import io.segura.broker.usage.UsageViews.SecretUsage;
import io.segura.broker.usage.UsageViews.StalePage;
import io.segura.broker.vault.MigratedDatabase;
import io.segura.broker.vault.SecretFacts;
import io.segura.broker.vault.SecretNotFoundException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The usage views over a small hand-made set of leases, the same on PostgreSQL and on H2 (the dev mode's database,
 * where the V6 migration must run too). The leases' rows are written as the lease path writes them
 * ({@link SecretUses#rows}), with chosen times, so windows' edges can be hit exactly.
 */
abstract class UsageQueryContract {

    static final Duration TIMEOUT = Duration.ofSeconds(60);
    static final Instant T0 = Instant.parse("2026-10-01T00:00:00Z");
    static final Instant CREATED = Instant.parse("2026-01-01T00:00:00Z");
    static final UsageWindow DAY = new UsageWindow(T0, T0.plus(Duration.ofDays(1)));

    static final Ctx A = new Ctx("deploy", "repo:acme/app:ref:refs/heads/main", "acme/app", "refs/heads/main",
            "deploy.yml", "prod");
    static final Ctx B = new Ctx("build", "repo:acme/web:ref:refs/heads/dev", "acme/web", "refs/heads/dev", "ci.yml",
            null);

    record Ctx(String role, String subject, String repository, String ref, String pipeline, String environment) {
        UsageContext usage() {
            return new UsageContext(role, subject, repository, ref, pipeline, environment);
        }
    }

    static UsageQuery query;

    /** Called once per class, on a freshly migrated database. */
    static void seed(MigratedDatabase database) {
        query = new UsageQuery(database.db());
        secret(database, "app/db", 3, CREATED);
        secret(database, "app/api", 1, CREATED);
        secret(database, "app/old", 2, CREATED);
        secret(database, "app/cold", 1, CREATED);
        secret(database, "app/young", 1, T0);
        WriteStatements writes = new WriteStatements(database.db());
        List<Writes> leases = new ArrayList<>();
        leases.add(use(A, "app/db", 3, 3, T0.plusSeconds(3600)));
        leases.add(use(A, "app/db", 3, 3, T0.plusSeconds(7200)));
        leases.add(use(A, "app/db", 3, 3, T0.plusSeconds(10800)));
        leases.add(use(B, "app/db", 3, 3, T0.plusSeconds(7200)));
        leases.add(use(B, "app/db", 2, 3, T0.plusSeconds(5400)));
        leases.add(use(A, "app/db", 3, 3, T0.plus(Duration.ofDays(1))));
        leases.add(use(A, "app/db", 3, 3, T0.minusSeconds(1)));
        leases.add(use(A, "app/old", 1, 2, T0.plusSeconds(5 * 3600)));
        leases.add(use(B, "app/cold", 1, 1, T0.minus(Duration.ofDays(60))));
        // all in one transaction, as a group commit writes them: the same run context many times in one statement
        database.tx().transactional(writes.execute(leases)).block(TIMEOUT);
    }

    static void secret(MigratedDatabase database, String path, int current, Instant created) {
        database.db().sql("INSERT INTO secrets (path, current_version, created_at, updated_at)"
                        + " VALUES (:p, :v, :c, :c)")
                .bind("p", path).bind("v", current).bind("c", Timestamps.utc(created))
                .fetch().rowsUpdated().block(TIMEOUT);
    }

    static Writes use(Ctx c, String path, int version, int current, Instant at) {
        Map<String, Object> ctx = new HashMap<>();
        ctx.put("platform", "github");
        ctx.put("repository", c.repository());
        ctx.put("ref", c.ref());
        ctx.put("pipeline", c.pipeline());
        ctx.put("environment", c.environment());
        ctx.put("run_id", at.toString());
        AuditEvent event = AuditEvent.builder(AuditEventType.LEASE_ISSUED).role(c.role()).subject(c.subject())
                .ctx(ctx).occurredAt(at).secrets(List.of(path + "@" + version)).build();
        SecretFacts facts = new SecretFacts(path, version == current ? null : version, version, current, CREATED,
                CREATED, null, null);
        return new Writes(SecretUses.rows(event, List.of(facts)), List.of());
    }

    static String row(ContextUsage c) {
        return c.version() + " " + c.context().role() + " " + c.uses() + " " + c.firstUsed() + ".." + c.lastUsed();
    }

    @Test
    void usageWhenWindowIsADayThenPerVersionAndContextWithEdgesCountedOnce() {
        SecretUsage u = query.secretUsage("app/db", DAY, 100, null).block(TIMEOUT);
        assertThat(u.currentVersion()).isEqualTo(3);
        assertThat(u.versions()).extracting(v -> v.version() + ":" + v.uses() + ":" + v.firstUsed() + ":"
                + v.lastUsed()).containsExactly(
                "3:4:2026-10-01T01:00:00Z:2026-10-01T03:00:00Z", "2:1:2026-10-01T01:30:00Z:2026-10-01T01:30:00Z");
        // since is inclusive, until exclusive: the use at T0 - 1s and the one at T0 + 1d are outside
        assertThat(u.contexts()).extracting(UsageQueryContract::row).containsExactly(
                "3 deploy 3 2026-10-01T01:00:00Z..2026-10-01T03:00:00Z",
                "3 build 1 2026-10-01T02:00:00Z..2026-10-01T02:00:00Z",
                "2 build 1 2026-10-01T01:30:00Z..2026-10-01T01:30:00Z");
        assertThat(u.contexts().get(0).context()).isEqualTo(A.usage());
        assertThat(u.contexts().get(0).contextId()).isEqualTo(A.usage().id());
        assertThat(u.contexts().get(1).context()).isEqualTo(B.usage());
        assertThat(u.next()).isNull();
    }

    @Test
    void usageWhenWindowStartsOnAUseThenItCounts() {
        SecretUsage u = query.secretUsage("app/db", new UsageWindow(T0.minusSeconds(1), T0.plusSeconds(3600)), 100,
                null).block(TIMEOUT);
        assertThat(u.contexts()).extracting(UsageQueryContract::row)
                .containsExactly("3 deploy 1 2026-09-30T23:59:59Z..2026-09-30T23:59:59Z");
        SecretUsage wide = query.secretUsage("app/db", new UsageWindow(T0.minusSeconds(1),
                T0.plus(Duration.ofDays(1)).plusNanos(1000)), 100, null).block(TIMEOUT);
        assertThat(wide.versions().get(0).uses()).isEqualTo(6);
    }

    @Test
    void usageWhenPagedThenEveryGroupOnceOverTheFirstPagesWindow() {
        SecretUsage first = query.secretUsage("app/db", DAY, 1, null).block(TIMEOUT);
        assertThat(first.contexts()).extracting(UsageQueryContract::row).singleElement().asString()
                .startsWith("3 deploy 3");
        assertThat(first.next()).isNotNull();
        // a later page keeps the first page's window whatever window is passed with it
        SecretUsage second = query.secretUsage("app/db", new UsageWindow(T0.minus(Duration.ofDays(400)), T0), 1,
                first.next()).block(TIMEOUT);
        assertThat(second.window()).isEqualTo(DAY);
        assertThat(second.versions()).isNull();
        assertThat(second.contexts()).extracting(UsageQueryContract::row).singleElement().asString()
                .startsWith("3 build 1");
        SecretUsage third = query.secretUsage("app/db", DAY, 1, second.next()).block(TIMEOUT);
        assertThat(third.contexts()).extracting(UsageQueryContract::row).singleElement().asString()
                .startsWith("2 build 1");
        assertThat(third.next()).isNull();
    }

    @Test
    void usageWhenNeverLeasedThenEmpty() {
        SecretUsage u = query.secretUsage("app/api", DAY, 100, null).block(TIMEOUT);
        assertThat(u.versions()).isEmpty();
        assertThat(u.contexts()).isEmpty();
        assertThat(u.next()).isNull();
    }

    @Test
    void usageWhenUnknownSecretOrBadCursorThenRefused() {
        assertThatThrownBy(() -> query.secretUsage("app/none", DAY, 100, null).block(TIMEOUT))
                .isInstanceOf(SecretNotFoundException.class);
        assertThatThrownBy(() -> query.secretUsage("app/db", DAY, 100, "not-a-cursor").block(TIMEOUT))
                .isInstanceOf(Refusal.class).hasMessageContaining("cursor");
        String stale = query.stale(T0, null, 1, null).block(TIMEOUT).next();
        assertThatThrownBy(() -> query.secretUsage("app/db", DAY, 100, stale).block(TIMEOUT))
                .as("a cursor of another view").isInstanceOf(Refusal.class);
    }

    @Test
    void oldVersionsWhenPinnedInWindowThenListedWithLatestVersions() {
        PinnedPage page = query.oldVersions(DAY, 100, null).block(TIMEOUT);
        assertThat(page.pinned()).extracting(p -> p.path() + "@" + p.version() + " latest " + p.latestVersion()
                + " then " + p.latestWhenLeased() + " " + p.context().role() + " x" + p.uses() + " " + p.lastUsed())
                .containsExactly("app/db@2 latest 3 then 3 build x1 2026-10-01T01:30:00Z",
                        "app/old@1 latest 2 then 2 deploy x1 2026-10-01T05:00:00Z");
        assertThat(page.pinned().get(1).context().repository()).isEqualTo("acme/app");
        assertThat(page.pinned().get(1).context().workflow()).isEqualTo("deploy.yml");
        assertThat(page.pinned().get(1).context().environment()).isEqualTo("prod");
        PinnedPage first = query.oldVersions(DAY, 1, null).block(TIMEOUT);
        assertThat(first.pinned()).extracting(PinnedUsageRow::of).containsExactly("app/db@2");
        PinnedPage second = query.oldVersions(DAY, 1, first.next()).block(TIMEOUT);
        assertThat(second.pinned()).extracting(PinnedUsageRow::of).containsExactly("app/old@1");
        assertThat(second.next()).isNull();
        assertThat(query.oldVersions(new UsageWindow(T0.plus(Duration.ofDays(1)), T0.plus(Duration.ofDays(2))), 100,
                null).block(TIMEOUT).pinned()).as("nothing pinned in that window").isEmpty();
    }

    static final class PinnedUsageRow {
        static String of(UsageViews.PinnedUsage p) {
            return p.path() + "@" + p.version();
        }
    }

    @Test
    void staleWhenUnusedSinceCutoffThenNeverLeasedAndLongUnusedButNotTooYoung() {
        Instant cutoff = T0.minus(Duration.ofDays(1));
        StalePage page = query.stale(cutoff, null, 100, null).block(TIMEOUT);
        assertThat(page.secrets()).extracting(s -> s.path() + " " + s.lastUsed())
                .containsExactly("app/api null", "app/cold 2026-08-02T00:00:00Z");
        assertThat(query.stale(cutoff, "app/c", 100, null).block(TIMEOUT).secrets())
                .extracting(UsageViews.StaleSecret::path).containsExactly("app/cold");
        StalePage first = query.stale(cutoff, null, 1, null).block(TIMEOUT);
        assertThat(first.secrets()).extracting(UsageViews.StaleSecret::path).containsExactly("app/api");
        StalePage second = query.stale(T0.plus(Duration.ofDays(300)), null, 1, first.next()).block(TIMEOUT);
        assertThat(second.cutoff()).as("the first page's cutoff").isEqualTo(cutoff);
        assertThat(second.secrets()).extracting(UsageViews.StaleSecret::path).containsExactly("app/cold");
        assertThat(second.next()).isNull();
        // after every use, every secret but the one created later is stale
        assertThat(query.stale(T0.plus(Duration.ofDays(2)), null, 100, null).block(TIMEOUT).secrets())
                .extracting(UsageViews.StaleSecret::path)
                .containsExactly("app/api", "app/cold", "app/db", "app/old", "app/young");
    }

    @Test
    void contextsWhenLeasedManyTimesThenOneRowEach() {
        assertThat(count("SELECT COUNT(*) FROM usage_contexts")).isEqualTo(2);
        assertThat(count("SELECT COUNT(*) FROM secret_uses")).isEqualTo(9);
        assertThat(count("SELECT COUNT(*) FROM secret_pinned_uses")).isEqualTo(2);
    }

    abstract long count(String sql);
}
