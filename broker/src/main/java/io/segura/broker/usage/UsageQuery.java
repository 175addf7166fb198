// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.usage;

import static io.segura.broker.database.Timestamps.instant;
import static io.segura.broker.database.Timestamps.utc;

import io.r2dbc.spi.Readable;
import io.segura.broker.usage.UsageViews.ContextUsage;
import io.segura.broker.usage.UsageViews.PinnedPage;
import io.segura.broker.usage.UsageViews.PinnedUsage;
import io.segura.broker.usage.UsageViews.SecretUsage;
import io.segura.broker.usage.UsageViews.StalePage;
import io.segura.broker.usage.UsageViews.StaleSecret;
import io.segura.broker.usage.UsageViews.VersionUsage;
import io.segura.broker.vault.SecretNotFoundException;
import io.segura.broker.vault.SecretPath;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Mono;

/**
 * The usage views of DESIGN §5 over the usage tables of the V6 migration ({@link SecretUses}). Each is one bounded
 * range of an index: a secret's uses in a window ({@code secret_uses (path, occurred_at, version, context_id)}, read
 * from the index alone), each secret's last use (one backward probe of the same index per secret) and the pinned uses
 * in a window ({@code secret_pinned_uses (occurred_at, …)}). Pages are cut by keyset, not offset, and a cursor keeps
 * the first page's window, so the pages of one listing count over the same time range.
 */
public final class UsageQuery {

    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 1000;

    private static final String CONTEXT_COLUMNS = "c.role, c.subject, c.repository, c.ref, c.workflow, c.environment";

    /**
     * PostgreSQL's memory for one usage query's grouping ({@code SET LOCAL work_mem}). At the stock 4 MB the planner
     * sorts the uses of a busy secret by version and context and spills to disk; with 16 MB it hashes them: 60 ms
     * instead of 170 ms for 93,000 uses of the hottest secret in 30 days (docs/PERFORMANCE.md). Set per transaction,
     * so nothing else on the connection gets it.
     */
    static final String WORK_MEM = "SET LOCAL work_mem = '16MB'";

    private final DatabaseClient db;
    private final TransactionalOperator tx;

    /** On H2 (the dev database), which has no {@code work_mem}. */
    public UsageQuery(DatabaseClient db) {
        this(db, null);
    }

    /** On PostgreSQL: the per-context grouping runs in a transaction with {@link #WORK_MEM}. */
    public UsageQuery(DatabaseClient db, TransactionalOperator postgresTx) {
        this.db = Objects.requireNonNull(db, "db cannot be null");
        this.tx = postgresTx;
    }

    private <T> Mono<T> grouping(Mono<T> query) {
        return tx == null ? query : db.sql(WORK_MEM).then().then(query).as(tx::transactional);
    }

    /**
     * Who leased which version of {@code path} in {@code window} (ignored when a {@code cursor} is given: the cursor's
     * window counts), {@code limit} version-and-context groups per page.
     *
     * @throws SecretNotFoundException (as the error signal) when no such secret exists
     */
    public Mono<SecretUsage> secretUsage(String path, UsageWindow window, int limit, String cursor) {
        return Mono.defer(() -> {
            SecretPath.requireValid(path);
            UsageCursor after = cursor == null ? null : UsageCursor.decode(cursor, "usage", 5);
            UsageWindow w = after == null ? window : new UsageWindow(after.instant(0), after.instant(1));
            return db.sql("SELECT current_version FROM secrets WHERE path = :path").bind("path", path)
                    .map(row -> number(row, "current_version").intValue()).one()
                    .switchIfEmpty(Mono.error(() -> new SecretNotFoundException(path)))
                    .flatMap(current -> Mono.zip(after == null ? versions(path, w).map(List::copyOf)
                                    : Mono.just(List.<VersionUsage>of()), contexts(path, w, limit, after))
                            .map(both -> {
                                List<ContextUsage> page = both.getT2();
                                String next = null;
                                if (page.size() > limit) {
                                    page = page.subList(0, limit);
                                    ContextUsage last = page.get(limit - 1);
                                    next = UsageCursor.encode("usage", w.since(), w.until(), last.version(),
                                            last.lastUsed(), last.contextId());
                                }
                                return new SecretUsage(path, current, w, after == null ? both.getT1() : null, page,
                                        next);
                            }));
        });
    }

    private Mono<List<VersionUsage>> versions(String path, UsageWindow w) {
        return db.sql("SELECT version, COUNT(*) AS uses, MIN(occurred_at) AS first_used, MAX(occurred_at) AS last_used"
                        + " FROM secret_uses WHERE path = :path AND occurred_at >= :since AND occurred_at < :until"
                        + " GROUP BY version ORDER BY version DESC")
                .bind("path", path).bind("since", utc(w.since())).bind("until", utc(w.until()))
                .map(row -> new VersionUsage(number(row, "version").intValue(), number(row, "uses").longValue(),
                        time(row, "first_used"), time(row, "last_used")))
                .all().collectList();
    }

    /** One more group than asked for: its presence says there is a next page. */
    private Mono<List<ContextUsage>> contexts(String path, UsageWindow w, int limit, UsageCursor after) {
        Map<String, Object> binds = new LinkedHashMap<>();
        binds.put("path", path);
        binds.put("since", utc(w.since()));
        binds.put("until", utc(w.until()));
        StringBuilder groups = new StringBuilder("SELECT version, context_id, COUNT(*) AS uses,"
                + " MIN(occurred_at) AS first_used, MAX(occurred_at) AS last_used FROM secret_uses"
                + " WHERE path = :path AND occurred_at >= :since AND occurred_at < :until");
        if (after != null) {
            // the versions after the cursor's are not even read; within its version, the groups sorted after it
            groups.append(" AND version <= :cv GROUP BY version, context_id HAVING version < :cv OR"
                    + " MAX(occurred_at) < :cl OR (MAX(occurred_at) = :cl AND context_id > :cc)");
            binds.put("cv", after.integer(2));
            binds.put("cl", utc(after.instant(3)));
            binds.put("cc", after.text(4));
        } else {
            groups.append(" GROUP BY version, context_id");
        }
        groups.append(" ORDER BY version DESC, last_used DESC, context_id LIMIT ").append(limit + 1);
        String sql = "SELECT g.version, g.context_id, g.uses, g.first_used, g.last_used, " + CONTEXT_COLUMNS
                + " FROM (" + groups + ") g LEFT JOIN usage_contexts c ON c.id = g.context_id"
                + " ORDER BY g.version DESC, g.last_used DESC, g.context_id";
        return grouping(db.sql(sql).bindValues(binds)
                .map(row -> new ContextUsage(number(row, "version").intValue(),
                        row.get("context_id", String.class), context(row),
                        number(row, "uses").longValue(), time(row, "first_used"), time(row, "last_used")))
                .all().collectList());
    }

    /**
     * Secrets that existed at {@code cutoff} and were not leased since (never, or last before it), by path, optionally
     * under {@code prefix}. A secret created after the cutoff is too young to tell.
     */
    public Mono<StalePage> stale(Instant cutoff, String prefix, int limit, String cursor) {
        return Mono.defer(() -> {
            UsageCursor after = cursor == null ? null : UsageCursor.decode(cursor, "stale", 2);
            Instant c = after == null ? cutoff : after.instant(0);
            Map<String, Object> binds = new LinkedHashMap<>();
            binds.put("cutoff", utc(c));
            StringBuilder secrets = new StringBuilder("SELECT s.path, s.current_version, s.created_at, s.updated_at,"
                    + " (SELECT MAX(u.occurred_at) FROM secret_uses u WHERE u.path = s.path) AS last_used"
                    + " FROM secrets s WHERE s.created_at < :cutoff");
            if (prefix != null && !prefix.isEmpty()) {
                secrets.append(" AND s.path LIKE :prefix ESCAPE '\\'");
                binds.put("prefix", SecretPath.likeEscape(SecretPath.requireValidPrefix(prefix)) + "%");
            }
            if (after != null) {
                secrets.append(" AND s.path > :after");
                binds.put("after", after.text(1));
            }
            String sql = "SELECT path, current_version, created_at, updated_at, last_used FROM (" + secrets
                    + ") x WHERE last_used IS NULL OR last_used < :cutoff ORDER BY path LIMIT " + (limit + 1);
            return db.sql(sql).bindValues(binds)
                    .map(row -> new StaleSecret(row.get("path", String.class),
                            number(row, "current_version").intValue(), time(row, "created_at"),
                            time(row, "updated_at"), time(row, "last_used")))
                    .all().collectList()
                    .map(found -> {
                        List<StaleSecret> page = found;
                        String next = null;
                        if (found.size() > limit) {
                            page = found.subList(0, limit);
                            next = UsageCursor.encode("stale", c, page.get(limit - 1).path());
                        }
                        return new StalePage(c, page, next);
                    });
        });
    }

    /**
     * The run contexts that leased a version which was not the latest when they leased it, in {@code window}, by
     * path, version and context, with the secret's current version now.
     */
    public Mono<PinnedPage> oldVersions(UsageWindow window, int limit, String cursor) {
        return Mono.defer(() -> {
            UsageCursor after = cursor == null ? null : UsageCursor.decode(cursor, "old-versions", 5);
            UsageWindow w = after == null ? window : new UsageWindow(after.instant(0), after.instant(1));
            Map<String, Object> binds = new LinkedHashMap<>();
            binds.put("since", utc(w.since()));
            binds.put("until", utc(w.until()));
            StringBuilder groups = new StringBuilder("SELECT path, version, context_id, COUNT(*) AS uses,"
                    + " MIN(occurred_at) AS first_used, MAX(occurred_at) AS last_used,"
                    + " MAX(latest_version) AS latest_then FROM secret_pinned_uses"
                    + " WHERE occurred_at >= :since AND occurred_at < :until");
            if (after != null) {
                groups.append(" AND (path > :ap OR (path = :ap AND (version > :av OR (version = :av"
                        + " AND context_id > :ac))))");
                binds.put("ap", after.text(2));
                binds.put("av", after.integer(3));
                binds.put("ac", after.text(4));
            }
            groups.append(" GROUP BY path, version, context_id ORDER BY path, version, context_id LIMIT ")
                    .append(limit + 1);
            String sql = "SELECT g.path, g.version, g.context_id, g.uses, g.first_used, g.last_used, g.latest_then,"
                    + " s.current_version, " + CONTEXT_COLUMNS + " FROM (" + groups + ") g"
                    + " JOIN secrets s ON s.path = g.path LEFT JOIN usage_contexts c ON c.id = g.context_id"
                    + " ORDER BY g.path, g.version, g.context_id";
            return db.sql(sql).bindValues(binds)
                    .map(row -> new PinnedUsage(row.get("path", String.class), number(row, "version").intValue(),
                            number(row, "latest_then").intValue(), number(row, "current_version").intValue(),
                            row.get("context_id", String.class), context(row), number(row, "uses").longValue(),
                            time(row, "first_used"), time(row, "last_used")))
                    .all().collectList()
                    .map(found -> {
                        List<PinnedUsage> page = found;
                        String next = null;
                        if (found.size() > limit) {
                            page = new ArrayList<>(found.subList(0, limit));
                            PinnedUsage last = page.get(limit - 1);
                            next = UsageCursor.encode("old-versions", w.since(), w.until(), last.path(),
                                    last.version(), last.contextId());
                        }
                        return new PinnedPage(w, page, next);
                    });
        });
    }

    private static UsageContext context(Readable row) {
        return new UsageContext(row.get("role", String.class), row.get("subject", String.class),
                row.get("repository", String.class), row.get("ref", String.class), row.get("workflow", String.class),
                row.get("environment", String.class));
    }

    private static Number number(Readable row, String column) {
        return row.get(column, Number.class);
    }

    private static Instant time(Readable row, String column) {
        return instant(row.get(column, OffsetDateTime.class));
    }
}
