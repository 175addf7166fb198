// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.usage;

import static io.segura.broker.database.Timestamps.instant;
import static io.segura.broker.usage.UsageSql.text;
import static io.segura.broker.usage.UsageSql.texts;
import static io.segura.broker.usage.UsageSql.time;

import io.segura.broker.usage.UsageViews.ContextUsage;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One page of a secret's usage per version and run context, read without grouping every use of the window.
 *
 * <p>The page is the first {@code limit + 1} groups in the view's order (version newest first, then last use in the
 * window most recent first, then context id). A group's last use is the latest of its uses, so walking a version's uses
 * backwards from the end of the window meets each group first at its last use: the groups appear in page order. The
 * walk reads V11's day counts for the window's whole days and raw uses for its partial edge days, ordered by {@code
 * last_used} through {@code secret_use_days_last} and {@code secret_uses_path_time}, a chunk at a time, and stops once
 * the page is full and every group not yet met must sort after it. Only the groups met are counted (their day rows, at
 * most one per day, and their edge-day uses), so a page of the busiest secret over 30 days reads a few hundred rows
 * instead of its ~90,000 uses.
 *
 * <p>The SQL carries its values as literals ({@link UsageSql}: bound, PostgreSQL's generic plans read every day row of
 * the busiest secret). A later page starts its walk at the cursor's last use; a group met there whose last use in the
 * window is later (it was on an earlier page) is counted and dropped. All counts are those of the raw uses, exactly:
 * each use of the window is in one day row or one edge (see {@link DaySplit}).
 */
final class ContextPages {

    static final Comparator<Group> ORDER = Comparator.comparingInt(Group::version).reversed()
            .thenComparing(Group::lastUsed, Comparator.reverseOrder()).thenComparing(Group::contextId);

    /** A version and run context's count in the window. */
    record Group(int version, String contextId, long uses, Instant firstUsed, Instant lastUsed) {
    }

    /** Where a walk continues: uses at or before {@code last}, and at {@code last} only below {@code context}. */
    private record Position(Instant last, String context) {
    }

    private record Use(String contextId, Instant lastUsed) {
    }

    private final DatabaseClient db;

    ContextPages(DatabaseClient db) {
        this.db = Objects.requireNonNull(db, "db cannot be null");
    }

    /**
     * The first {@code limit + 1} groups after {@code after} (or from the start), with their run contexts.
     *
     * @param versions the versions used in the window, newest first
     */
    Mono<List<ContextUsage>> page(String path, DaySplit split, List<Integer> versions, int limit,
            UsageCursor after) {
        int want = limit + 1;
        int chunk = Math.max(256, 4 * want);
        return walk(path, split, versions, 0, after, want, chunk, new ArrayList<>())
                .flatMap(groups -> withContexts(groups.size() > want ? groups.subList(0, want) : groups));
    }

    private Mono<List<Group>> walk(String path, DaySplit split, List<Integer> versions, int i, UsageCursor after,
            int want, int chunk, List<Group> page) {
        if (page.size() >= want || i >= versions.size()) {
            return Mono.just(page);
        }
        int v = versions.get(i);
        if (after != null && v > after.integer(2)) {
            return walk(path, split, versions, i + 1, after, want, chunk, page);
        }
        UsageCursor from = after != null && v == after.integer(2) ? after : null;
        Position start = from == null ? null : new Position(from.instant(3), null);
        return version(path, split, v, start, from, want - page.size(), chunk, new LinkedHashSet<>(),
                new ArrayList<>())
                .flatMap(groups -> {
                    page.addAll(groups);
                    return walk(path, split, versions, i + 1, after, want, chunk, page);
                });
    }

    /** The groups of version {@code v} in page order, at least {@code needed} of them unless the version has fewer. */
    private Mono<List<Group>> version(String path, DaySplit split, int v, Position position, UsageCursor after,
            int needed, int chunk, Set<String> met, List<Group> accepted) {
        return uses(path, split, v, position, chunk).collectList().flatMap(uses -> {
            // the groups met first, as many as the page still needs (and any met at the same instant as the last
            // of them): the rest of the chunk is not counted unless the page turns out to need it
            int want = needed - accepted.size();
            List<String> fresh = new ArrayList<>();
            Use considered = null;
            Use next = null;
            for (Use u : uses) {
                if (fresh.size() >= want && considered != null && u.lastUsed().isBefore(considered.lastUsed())) {
                    next = u;
                    break;
                }
                if (met.add(u.contextId())) {
                    fresh.add(u.contextId());
                }
                considered = u;
            }
            Use cut = next;
            Use last = considered;
            return (fresh.isEmpty() ? Mono.just(List.<Group>of()) : count(path, split, v, fresh)).flatMap(groups -> {
                for (Group g : groups) {
                    if (after == null || g.lastUsed().isBefore(after.instant(3))
                            || g.lastUsed().equals(after.instant(3)) && g.contextId().compareTo(after.text(4)) > 0) {
                        accepted.add(g);
                    }
                }
                accepted.sort(ORDER);
                if (cut == null && uses.size() < chunk) {
                    return Mono.just(accepted); // the version's uses in the window are all met
                }
                // a group not met yet has its last use at or before the next use to look at: it sorts after the
                // page's last group if that one was used later (on a tie, its context id decides, so walk on)
                Instant bound = cut != null ? cut.lastUsed() : last.lastUsed();
                if (accepted.size() >= needed && accepted.get(needed - 1).lastUsed().isAfter(bound)) {
                    return Mono.just(accepted);
                }
                return version(path, split, v, new Position(last.lastUsed(), last.contextId()), after, needed,
                        chunk, met, accepted);
            });
        });
    }

    /** Up to {@code chunk} of version {@code v}'s uses and day rows, latest first, from {@code position}. */
    private Flux<Use> uses(String path, DaySplit split, int v, Position position, int chunk) {
        String raw = "";
        String days = "";
        if (position != null) {
            String pl = time(position.last());
            raw = " AND occurred_at <= " + pl;
            days = " AND last_used <= " + pl;
            if (position.context() != null) {
                String pc = text(position.context());
                raw += " AND (occurred_at < " + pl + " OR context_id < " + pc + ")";
                days += " AND (last_used < " + pl + " OR context_id < " + pc + ")";
            }
        }
        String version = " WHERE path = " + text(path) + " AND version = " + v;
        // Each part ordered and limited on its own (a backward index scan that stops after the chunk): over the
        // union PostgreSQL appended the parts and sorted all of them, ~90,000 day rows of the busiest secret for 30
        // days (45 ms) to keep the latest 404.
        String rawOrder = " ORDER BY occurred_at DESC, context_id DESC LIMIT " + chunk;
        String sql = "SELECT context_id, last_used FROM ("
                + "(SELECT context_id, occurred_at AS last_used FROM secret_uses" + version
                + " AND occurred_at >= " + time(split.tailStart()) + " AND occurred_at < " + time(split.until()) + raw
                + rawOrder + ")"
                + " UNION ALL (SELECT context_id, last_used FROM secret_use_days" + version
                + " AND last_used >= " + time(split.headEnd()) + " AND last_used < " + time(split.tailStart()) + days
                + " ORDER BY last_used DESC, context_id DESC LIMIT " + chunk + ")"
                + " UNION ALL (SELECT context_id, occurred_at FROM secret_uses" + version
                + " AND occurred_at >= " + time(split.since()) + " AND occurred_at < " + time(split.headEnd()) + raw
                + rawOrder + ")"
                + ") s ORDER BY last_used DESC, context_id DESC LIMIT " + chunk;
        return db.sql(sql)
                .map(row -> new Use(row.get("context_id", String.class),
                        instant(row.get("last_used", OffsetDateTime.class))))
                .all();
    }

    /** The counts of version {@code v}'s groups of these contexts in the window: day rows plus edge-day uses. */
    private Mono<List<Group>> count(String path, DaySplit split, int v, List<String> contexts) {
        String groups = " WHERE path = " + text(path) + " AND version = " + v + " AND context_id IN ("
                + texts(contexts) + ")";
        String sql = "SELECT context_id, SUM(uses) AS uses, MIN(first_used) AS first_used,"
                + " MAX(last_used) AS last_used FROM ("
                + "SELECT context_id, uses, first_used, last_used FROM secret_use_days" + groups
                + " AND epoch_day >= " + split.firstDay() + " AND epoch_day < " + split.endDay()
                + " UNION ALL SELECT context_id, 1, occurred_at, occurred_at FROM secret_uses" + groups
                + " AND occurred_at >= " + time(split.since()) + " AND occurred_at < " + time(split.headEnd())
                + " UNION ALL SELECT context_id, 1, occurred_at, occurred_at FROM secret_uses" + groups
                + " AND occurred_at >= " + time(split.tailStart()) + " AND occurred_at < " + time(split.until())
                + ") u GROUP BY context_id";
        return db.sql(sql)
                .map(row -> new Group(v, row.get("context_id", String.class),
                        row.get("uses", Number.class).longValue(),
                        instant(row.get("first_used", OffsetDateTime.class)),
                        instant(row.get("last_used", OffsetDateTime.class))))
                .all().collectList();
    }

    private Mono<List<ContextUsage>> withContexts(List<Group> groups) {
        if (groups.isEmpty()) {
            return Mono.just(List.of());
        }
        List<String> ids = groups.stream().map(Group::contextId).distinct().toList();
        return db.sql("SELECT id, role, subject, repository, ref, workflow, environment FROM usage_contexts"
                        + " WHERE id IN (:ids)").bind("ids", ids)
                .map(row -> Map.entry(row.get("id", String.class), new UsageContext(row.get("role", String.class),
                        row.get("subject", String.class), row.get("repository", String.class),
                        row.get("ref", String.class), row.get("workflow", String.class),
                        row.get("environment", String.class))))
                .all().collectMap(Map.Entry::getKey, Map.Entry::getValue, HashMap::new)
                .map(contexts -> groups.stream().map(g -> new ContextUsage(g.version(), g.contextId(),
                        contexts.getOrDefault(g.contextId(), new UsageContext(null, null, null, null, null, null)),
                        g.uses(), g.firstUsed(), g.lastUsed())).toList());
    }
}
