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
import reactor.core.publisher.Mono;

/**
 * The usage views of DESIGN §5 over the usage tables of the V6 and V11 migrations ({@link SecretUses}). A secret's
 * usage in a window is read from its day counts for the window's whole days and its raw uses for the partial first and
 * last days ({@link DaySplit}); its page of run contexts reads only the groups on the page ({@link ContextPages}). Each
 * secret's last use is one backward probe of {@code secret_uses (path, occurred_at, …)} per secret, and the pinned uses
 * in a window one range of {@code secret_pinned_uses (occurred_at, …)}. Pages are cut by keyset, not offset, and a
 * cursor keeps the first page's window, so the pages of one listing count over the same time range.
 */
public final class UsageQuery {

    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 1000;

    private static final String CONTEXT_COLUMNS = "c.role, c.subject, c.repository, c.ref, c.workflow, c.environment";

    private final DatabaseClient db;
    private final ContextPages pages;

    public UsageQuery(DatabaseClient db) {
        this.db = Objects.requireNonNull(db, "db cannot be null");
        this.pages = new ContextPages(db);
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
                    .flatMap(current -> versions(path, DaySplit.of(w)).flatMap(versions -> pages.page(path,
                                    DaySplit.of(w), versions.stream().map(VersionUsage::version).toList(), limit,
                                    after).map(contexts -> {
                                List<ContextUsage> page = contexts;
                                String next = null;
                                if (page.size() > limit) {
                                    page = page.subList(0, limit);
                                    ContextUsage last = page.get(limit - 1);
                                    next = UsageCursor.encode("usage", w.since(), w.until(), last.version(),
                                            last.lastUsed(), last.contextId());
                                }
                                return new SecretUsage(path, current, w, after == null ? versions : null, page,
                                        next);
                            })));
        });
    }

    /**
     * Per version in the window: V11's day counts for the whole days, raw uses for the partial edge days (values
     * written as literals, {@link UsageSql}).
     */
    private Mono<List<VersionUsage>> versions(String path, DaySplit split) {
        String secret = " WHERE path = " + UsageSql.text(path);
        return db.sql("SELECT version, SUM(uses) AS uses, MIN(first_used) AS first_used, MAX(last_used) AS last_used"
                        + " FROM (SELECT version, uses, first_used, last_used FROM secret_version_days" + secret
                        + " AND epoch_day >= " + split.firstDay() + " AND epoch_day < " + split.endDay()
                        + " UNION ALL SELECT version, 1, occurred_at, occurred_at FROM secret_uses" + secret
                        + " AND occurred_at >= " + UsageSql.time(split.since()) + " AND occurred_at < "
                        + UsageSql.time(split.headEnd())
                        + " UNION ALL SELECT version, 1, occurred_at, occurred_at FROM secret_uses" + secret
                        + " AND occurred_at >= " + UsageSql.time(split.tailStart()) + " AND occurred_at < "
                        + UsageSql.time(split.until())
                        + ") u GROUP BY version ORDER BY version DESC")
                .map(row -> new VersionUsage(number(row, "version").intValue(), number(row, "uses").longValue(),
                        time(row, "first_used"), time(row, "last_used")))
                .all().collectList();
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
