// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.usage;

import io.segura.broker.audit.AuditEvent;
import io.segura.broker.database.Table;
import io.segura.broker.vault.SecretFacts;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import static io.segura.broker.database.Timestamps.utc;

/**
 * The usage rows of one lease (V6 migration): its run context, one {@code secret_uses} row per secret released and, for
 * a version that was not the latest when leased, a {@code secret_pinned_uses} row; and the use added to its day's
 * counts (V11 migration: {@code secret_use_days} per version and run context, {@code secret_version_days} per version).
 * They are added to the lease's own group commit next to its audit event, so they commit or roll back with it; nothing
 * is read, and the only rows updated are the day counts.
 */
public final class SecretUses {

    static final Table CONTEXTS = Table.keepingExisting("usage_contexts", "id", String.class, "role", String.class,
            "subject", String.class, "repository", String.class, "ref", String.class, "workflow", String.class,
            "environment", String.class, "first_seen", OffsetDateTime.class);
    static final Table USES = Table.of("secret_uses", "path", String.class, "occurred_at", OffsetDateTime.class,
            "version", Integer.class, "latest_version", Integer.class, "context_id", String.class);
    static final Table PINNED = Table.of("secret_pinned_uses", "occurred_at", OffsetDateTime.class, "path",
            String.class, "version", Integer.class, "latest_version", Integer.class, "context_id", String.class);

    static final Table DAYS = Table.tally("secret_use_days", 4, List.of(Table.Merge.SUM, Table.Merge.MIN,
                    Table.Merge.MAX), "path", String.class, "version", Integer.class, "context_id", String.class,
            "epoch_day", Integer.class, "uses", Integer.class, "first_used", OffsetDateTime.class, "last_used",
            OffsetDateTime.class);
    static final Table VERSION_DAYS = Table.tally("secret_version_days", 4, List.of(Table.Merge.SUM,
                    Table.Merge.MIN, Table.Merge.MAX), "path", String.class, "epoch_day", Integer.class, "version",
            Integer.class, "stripe", Integer.class, "uses", Integer.class, "first_used", OffsetDateTime.class,
            "last_used", OffsetDateTime.class);

    static final int SECONDS_PER_DAY = 86_400;
    static final int STRIPES = 16;

    private SecretUses() {
    }

    /**
     * The rows for a lease's {@code lease.issued} event and the facts of the versions it released (which carry the
     * current version at the time of the read the lease was made from).
     */
    public static List<Table.Row> rows(AuditEvent leaseIssued, List<SecretFacts> released) {
        Objects.requireNonNull(leaseIssued, "leaseIssued cannot be null");
        UsageContext context = UsageContext.of(leaseIssued.role(), leaseIssued.subject(), leaseIssued.ctx());
        String id = context.id();
        OffsetDateTime at = utc(leaseIssued.occurredAt());
        List<Table.Row> rows = new ArrayList<>(3 * released.size() + 1);
        rows.add(CONTEXTS.row(id, context.role(), context.subject(), context.repository(), context.ref(),
                context.workflow(), context.environment(), at));
        int day = epochDay(leaseIssued.occurredAt());
        int stripe = id.charAt(0) % STRIPES;
        for (SecretFacts f : released) {
            rows.add(USES.row(f.path(), at, f.version(), f.currentVersion(), id));
            rows.add(DAYS.row(f.path(), f.version(), id, day, 1, at, at));
            rows.add(VERSION_DAYS.row(f.path(), day, f.version(), stripe, 1, at, at));
            if (f.version() < f.currentVersion()) {
                rows.add(PINNED.row(at, f.path(), f.version(), f.currentVersion(), id));
            }
        }
        return rows;
    }

    /** The UTC day of an instant: {@code epoch_day} in V11's tables. */
    static int epochDay(Instant at) {
        return Math.toIntExact(Math.floorDiv(at.getEpochSecond(), SECONDS_PER_DAY));
    }
}
