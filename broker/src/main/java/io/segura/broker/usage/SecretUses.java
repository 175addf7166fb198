// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.usage;

import io.segura.broker.audit.AuditEvent;
import io.segura.broker.database.Table;
import io.segura.broker.vault.SecretFacts;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import static io.segura.broker.database.Timestamps.utc;

/**
 * The usage rows of one lease (V6 migration): its run context, one {@code secret_uses} row per secret released and, for
 * a version that was not the latest when leased, a {@code secret_pinned_uses} row. They are added to the lease's own
 * group commit next to its audit event, so they commit or roll back with it; nothing is read and no row is updated.
 */
public final class SecretUses {

    static final Table CONTEXTS = Table.keepingExisting("usage_contexts", "id", String.class, "role", String.class,
            "subject", String.class, "repository", String.class, "ref", String.class, "workflow", String.class,
            "environment", String.class, "first_seen", OffsetDateTime.class);
    static final Table USES = Table.of("secret_uses", "path", String.class, "occurred_at", OffsetDateTime.class,
            "version", Integer.class, "latest_version", Integer.class, "context_id", String.class);
    static final Table PINNED = Table.of("secret_pinned_uses", "occurred_at", OffsetDateTime.class, "path",
            String.class, "version", Integer.class, "latest_version", Integer.class, "context_id", String.class);

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
        List<Table.Row> rows = new ArrayList<>(released.size() + 1);
        rows.add(CONTEXTS.row(id, context.role(), context.subject(), context.repository(), context.ref(),
                context.workflow(), context.environment(), at));
        for (SecretFacts f : released) {
            rows.add(USES.row(f.path(), at, f.version(), f.currentVersion(), id));
            if (f.version() < f.currentVersion()) {
                rows.add(PINNED.row(at, f.path(), f.version(), f.currentVersion(), id));
            }
        }
        return rows;
    }
}
