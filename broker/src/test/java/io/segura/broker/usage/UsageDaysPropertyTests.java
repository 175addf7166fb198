// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.broker.audit.AuditEvent;
import io.segura.broker.audit.AuditEventType;
import io.segura.broker.database.Timestamps;
import io.segura.broker.database.WriteStatements;
import io.segura.broker.database.Writes;
import io.segura.broker.usage.UsageViews.ContextUsage;
import io.segura.broker.usage.UsageViews.SecretUsage;
import io.segura.broker.vault.MigratedDatabase;
import io.segura.broker.vault.SecretFacts;
import io.segura.testkit.postgres.PostgresExtension;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The usage view read through the day counts (V11) answers exactly what grouping the raw {@code secret_uses} rows
 * answers — counts, first and last use per version and per version and run context, over every page — for generated
 * leases (many on day boundaries, ties on one instant, a handful of run contexts leasing again and again, batches of
 * leases in one transaction as the group commit writes them) and generated windows (arbitrary instants, midnights, a
 * use's own instant, a microsecond either side; a microsecond to 45 days; pages of 1 to 7 groups). On PostgreSQL
 * ({@code ON CONFLICT … DO UPDATE}) and H2 ({@code MERGE}). A failure names its seed.
 */
class UsageDaysPropertyTests {

    static final Duration TIMEOUT = Duration.ofSeconds(60);
    static final Instant T0 = Instant.parse("2026-10-01T00:00:00Z");
    static final List<String> PATHS = List.of("gen/db", "gen/api");
    static final int CONTEXTS = 9;
    static final long[] SEEDS = {17L, 900913L};

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    @Test
    void usageWhenReadThroughDayCountsThenAsTheRawUsesOnPostgres() {
        check(seed -> seed == SEEDS[0] ? MigratedDatabase.postgres(PG) : null, "postgres");
    }

    @Test
    void usageWhenReadThroughDayCountsThenAsTheRawUsesOnH2() {
        check(seed -> MigratedDatabase.h2("segura_days_" + UUID.randomUUID().toString().replace("-", "")), "h2");
    }

    /** One database per seed on H2; on PostgreSQL one database, each seed under its own paths. */
    static void check(Function<Long, MigratedDatabase> databaseFor, String where) {
        MigratedDatabase database = null;
        for (long seed : SEEDS) {
            MigratedDatabase fresh = databaseFor.apply(seed);
            database = fresh == null ? database : fresh;
            String prefix = "s" + seed + "/";
            Random random = new Random(seed);
            List<Instant> times = generate(database, random, prefix);
            verifyTallies(database, prefix, where + " seed " + seed);
            UsageQuery query = new UsageQuery(database.db());
            for (int w = 0; w < 20; w++) {
                UsageWindow window = window(random, times);
                int limit = 1 + random.nextInt(7);
                for (String path : PATHS) {
                    compare(database, query, prefix + path, window, limit, where + " seed " + seed + " window "
                            + window + " limit " + limit + " " + prefix + path);
                }
            }
        }
    }

    /** 400 leases over ~40 days in batches of 1–30 per transaction; returns every use's instant. */
    static List<Instant> generate(MigratedDatabase database, Random random, String prefix) {
        for (String path : PATHS) {
            database.db().sql("INSERT INTO secrets (path, current_version, created_at, updated_at)"
                            + " VALUES (:p, 3, :c, :c)")
                    .bind("p", prefix + path).bind("c", Timestamps.utc(T0.minus(Duration.ofDays(90))))
                    .fetch().rowsUpdated().block(TIMEOUT);
        }
        WriteStatements statements = new WriteStatements(database.db());
        List<Instant> times = new ArrayList<>();
        Instant shared = T0.plus(Duration.ofDays(3)).plusMillis(1);
        int leases = 0;
        while (leases < 400) {
            List<Writes> batch = new ArrayList<>();
            int size = 1 + random.nextInt(30);
            for (int i = 0; i < size; i++, leases++) {
                Instant at = switch (random.nextInt(6)) {
                    case 0 -> T0.plus(Duration.ofDays(random.nextInt(40))); // midnight
                    case 1 -> T0.plus(Duration.ofDays(random.nextInt(40))).minus(1, ChronoUnit.MICROS);
                    case 2 -> shared; // many contexts at one instant: ties on the last use
                    default -> T0.plus(Duration.ofSeconds(random.nextInt(40 * 86_400)))
                            .plus(random.nextInt(1_000_000), ChronoUnit.MICROS);
                };
                times.add(at);
                int context = (int) Math.floor(CONTEXTS * Math.pow(random.nextDouble(), 2));
                List<SecretFacts> released = new ArrayList<>();
                for (String path : PATHS) {
                    if (released.isEmpty() || random.nextBoolean()) {
                        int version = random.nextInt(5) == 0 ? 1 + random.nextInt(2) : 3;
                        released.add(new SecretFacts(prefix + path, version == 3 ? null : version, version, 3,
                                T0, T0, null, null));
                    }
                }
                batch.add(lease(context, at, released));
            }
            database.tx().transactional(statements.execute(batch)).block(TIMEOUT);
        }
        return times;
    }

    static Writes lease(int context, Instant at, List<SecretFacts> released) {
        Map<String, Object> ctx = new HashMap<>();
        ctx.put("repository", "acme/repo-" + context % 4);
        ctx.put("ref", "refs/heads/b" + context);
        ctx.put("pipeline", "ci.yml");
        AuditEvent event = AuditEvent.builder(AuditEventType.LEASE_ISSUED).role("ci").subject("sub-" + context)
                .ctx(ctx).occurredAt(at).secrets(released.stream().map(f -> f.path() + "@" + f.version()).toList())
                .build();
        return new Writes(SecretUses.rows(event, released), List.of());
    }

    /** Windows that start or end on a use, a midnight, a microsecond beside either, or anywhere. */
    static UsageWindow window(Random random, List<Instant> times) {
        Instant since = point(random, times);
        Instant until;
        do {
            until = random.nextInt(4) == 0 ? point(random, times)
                    : since.plus(Duration.ofSeconds(random.nextInt(45 * 86_400))).plus(random.nextInt(3),
                            ChronoUnit.MICROS);
        } while (!until.isAfter(since));
        return new UsageWindow(since, until);
    }

    static Instant point(Random random, List<Instant> times) {
        Instant base = switch (random.nextInt(3)) {
            case 0 -> times.get(random.nextInt(times.size()));
            case 1 -> T0.plus(Duration.ofDays(random.nextInt(42) - 1));
            default -> T0.minus(Duration.ofDays(2)).plus(Duration.ofSeconds(random.nextInt(44 * 86_400)));
        };
        return base.plus(random.nextInt(3) - 1, ChronoUnit.MICROS);
    }

    /** Every page of the view, together, is the raw rows' grouping, in the view's order. */
    static void compare(MigratedDatabase database, UsageQuery query, String path, UsageWindow window, int limit,
            String what) {
        List<String> versions = database.db().sql("SELECT version, COUNT(*) AS n, MIN(occurred_at) AS f,"
                        + " MAX(occurred_at) AS l FROM secret_uses WHERE path = :p AND occurred_at >= :s"
                        + " AND occurred_at < :u GROUP BY version ORDER BY version DESC")
                .bind("p", path).bind("s", Timestamps.utc(window.since())).bind("u", Timestamps.utc(window.until()))
                .map(r -> r.get("version", Number.class).intValue() + " x" + r.get("n", Number.class).longValue()
                        + " " + time(r, "f") + ".." + time(r, "l"))
                .all().collectList().block(TIMEOUT);
        List<ContextPages.Group> groups = new ArrayList<>(database.db().sql("SELECT version, context_id,"
                        + " COUNT(*) AS n, MIN(occurred_at) AS f, MAX(occurred_at) AS l FROM secret_uses"
                        + " WHERE path = :p AND occurred_at >= :s AND occurred_at < :u GROUP BY version, context_id")
                .bind("p", path).bind("s", Timestamps.utc(window.since())).bind("u", Timestamps.utc(window.until()))
                .map(r -> new ContextPages.Group(r.get("version", Number.class).intValue(),
                        r.get("context_id", String.class), r.get("n", Number.class).longValue(), time(r, "f"),
                        time(r, "l")))
                .all().collectList().block(TIMEOUT));
        groups.sort(ContextPages.ORDER);
        List<String> expected = groups.stream().map(g -> g.version() + " " + g.contextId() + " x" + g.uses() + " "
                + g.firstUsed() + ".." + g.lastUsed()).toList();

        SecretUsage first = query.secretUsage(path, window, limit, null).block(TIMEOUT);
        assertThat(first.versions()).extracting(v -> v.version() + " x" + v.uses() + " " + v.firstUsed() + ".."
                + v.lastUsed()).as(what).containsExactlyElementsOf(versions);
        List<String> pages = new ArrayList<>();
        SecretUsage page = first;
        int n = 0;
        while (true) {
            assertThat(page.contexts().size()).as(what + " page " + n).isLessThanOrEqualTo(limit);
            for (ContextUsage c : page.contexts()) {
                pages.add(c.version() + " " + c.contextId() + " x" + c.uses() + " " + c.firstUsed() + ".."
                        + c.lastUsed());
                assertThat(c.context().subject()).as(what).startsWith("sub-");
            }
            if (page.next() == null) {
                break;
            }
            assertThat(page.contexts()).as(what + " a page before the last is full").hasSize(limit);
            assertThat(++n).as(what + " pages").isLessThan(200);
            page = query.secretUsage(path, window, limit, page.next()).block(TIMEOUT);
        }
        assertThat(pages).as(what).containsExactlyElementsOf(expected);
    }

    /** The day counts are the raw uses grouped by UTC day. */
    static void verifyTallies(MigratedDatabase database, String prefix, String what) {
        String day = "CAST(FLOOR(EXTRACT(EPOCH FROM occurred_at) / 86400) AS INTEGER)";
        List<String> raw = rows(database, "SELECT path, version, context_id, " + day + " AS d, COUNT(*) AS n,"
                + " MIN(occurred_at) AS f, MAX(occurred_at) AS l FROM secret_uses WHERE path LIKE '" + prefix
                + "%' GROUP BY path, version, context_id, " + day + " ORDER BY path, version, context_id, d");
        List<String> days = rows(database, "SELECT path, version, context_id, epoch_day AS d, uses AS n,"
                + " first_used AS f, last_used AS l FROM secret_use_days WHERE path LIKE '" + prefix + "%'"
                + " ORDER BY path, version, context_id, d");
        assertThat(days).as(what).isNotEmpty().containsExactlyElementsOf(raw);
        List<String> rawVersions = rows(database, "SELECT path, 0 AS version, '' AS context_id, " + day + " AS d,"
                + " COUNT(*) AS n, MIN(occurred_at) AS f, MAX(occurred_at) AS l FROM secret_uses WHERE path LIKE '"
                + prefix + "%' GROUP BY path, version, " + day + " ORDER BY path, d, MIN(version)");
        List<String> versionDays = rows(database, "SELECT path, 0 AS version, '' AS context_id, epoch_day AS d,"
                + " SUM(uses) AS n, MIN(first_used) AS f, MAX(last_used) AS l FROM secret_version_days WHERE path"
                + " LIKE '" + prefix + "%' GROUP BY path, epoch_day, version ORDER BY path, d, MIN(version)");
        assertThat(versionDays).as(what).containsExactlyElementsOf(rawVersions);
    }

    static List<String> rows(MigratedDatabase database, String sql) {
        return database.db().sql(sql).map(r -> r.get("path", String.class) + " " + r.get("version", Number.class)
                        + " " + r.get("context_id", String.class) + " " + r.get("d", Number.class) + " x"
                        + r.get("n", Number.class).longValue() + " " + time(r, "f") + ".." + time(r, "l"))
                .all().collectList().block(TIMEOUT);
    }

    static Instant time(io.r2dbc.spi.Readable r, String column) {
        return Timestamps.instant(r.get(column, OffsetDateTime.class));
    }
}
