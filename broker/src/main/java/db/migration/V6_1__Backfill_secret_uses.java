// SPDX-License-Identifier: Apache-2.0
package db.migration;

import io.segura.broker.usage.UsageContext;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Fills the usage tables of V6 from the {@code lease.issued} audit events written before it, so that the usage views
 * also count the leases of an existing installation. Plain JDBC, the same on PostgreSQL and H2: each event's
 * {@code secrets} ({@code path@version} JSON list) and {@code ctx} (JSON object) are parsed here, which neither
 * database can do portably in SQL. The version that was current when the lease was taken (a pin or not) is the newest
 * version created at or before the event; an event naming a path the vault no longer has counts it as current.
 * Events are read by {@code seq} in pages, so a large audit table is not held in memory.
 */
public class V6_1__Backfill_secret_uses extends BaseJavaMigration {

    private static final int PAGE = 5_000;
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };
    private static final TypeReference<List<String>> LIST = new TypeReference<>() {
    };

    @Override
    public void migrate(Context context) throws Exception {
        Connection c = context.getConnection();
        JsonMapper json = JsonMapper.builder().build();
        Map<String, TreeMap<Instant, Integer>> versions = versions(c);
        Set<String> contexts = new HashSet<>();
        long after = 0;
        try (PreparedStatement page = c.prepareStatement("SELECT seq, occurred_at, role, subject, ctx, secrets"
                + " FROM audit_events WHERE type = 'lease.issued' AND seq > ? ORDER BY seq LIMIT " + PAGE);
                PreparedStatement ctx = c.prepareStatement("INSERT INTO usage_contexts (id, role, subject, repository,"
                        + " ref, workflow, environment, first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                        + " ON CONFLICT DO NOTHING");
                PreparedStatement use = c.prepareStatement("INSERT INTO secret_uses (path, occurred_at, version,"
                        + " latest_version, context_id) VALUES (?, ?, ?, ?, ?)");
                PreparedStatement pin = c.prepareStatement("INSERT INTO secret_pinned_uses (occurred_at, path,"
                        + " version, latest_version, context_id) VALUES (?, ?, ?, ?, ?)")) {
            while (true) {
                page.setLong(1, after);
                int n = 0;
                try (ResultSet rs = page.executeQuery()) {
                    while (rs.next()) {
                        n++;
                        after = rs.getLong("seq");
                        OffsetDateTime at = rs.getObject("occurred_at", OffsetDateTime.class);
                        String ctxJson = rs.getString("ctx");
                        UsageContext u = UsageContext.of(rs.getString("role"), rs.getString("subject"),
                                ctxJson == null ? Map.of() : json.readValue(ctxJson, MAP));
                        String id = u.id();
                        if (contexts.add(id)) {
                            ctx.setString(1, id);
                            ctx.setString(2, u.role());
                            ctx.setString(3, u.subject());
                            ctx.setString(4, u.repository());
                            ctx.setString(5, u.ref());
                            ctx.setString(6, u.workflow());
                            ctx.setString(7, u.environment());
                            ctx.setObject(8, at);
                            ctx.addBatch();
                        }
                        String secrets = rs.getString("secrets");
                        for (String ref : secrets == null ? List.<String>of() : json.readValue(secrets, LIST)) {
                            int sep = ref.lastIndexOf('@');
                            if (sep < 0) {
                                continue; // a lease always names the version it released
                            }
                            String path = ref.substring(0, sep);
                            int version = Integer.parseInt(ref.substring(sep + 1));
                            TreeMap<Instant, Integer> history = versions.get(path);
                            Map.Entry<Instant, Integer> then = history == null ? null
                                    : history.floorEntry(at.toInstant());
                            int latest = then == null ? version : Math.max(version, then.getValue());
                            use.setString(1, path);
                            use.setObject(2, at);
                            use.setInt(3, version);
                            use.setInt(4, latest);
                            use.setString(5, id);
                            use.addBatch();
                            if (version < latest) {
                                pin.setObject(1, at);
                                pin.setString(2, path);
                                pin.setInt(3, version);
                                pin.setInt(4, latest);
                                pin.setString(5, id);
                                pin.addBatch();
                            }
                        }
                    }
                }
                ctx.executeBatch();
                use.executeBatch();
                pin.executeBatch();
                if (n < PAGE) {
                    return;
                }
            }
        }
    }

    /** Per path, the newest version created at or before each instant. */
    private static Map<String, TreeMap<Instant, Integer>> versions(Connection c) throws SQLException {
        Map<String, TreeMap<Instant, Integer>> m = new HashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT path, version, created_at FROM secret_versions ORDER BY path, version")) {
            while (rs.next()) {
                TreeMap<Instant, Integer> history = m.computeIfAbsent(rs.getString(1), k -> new TreeMap<>());
                Instant created = rs.getObject(3, OffsetDateTime.class).toInstant();
                history.merge(created, rs.getInt(2), Math::max);
            }
        }
        // versions are numbered in creation order: "newest at t" is the highest number created at or before t
        for (TreeMap<Instant, Integer> history : m.values()) {
            int max = 0;
            for (Map.Entry<Instant, Integer> e : history.entrySet()) {
                max = Math.max(max, e.getValue());
                e.setValue(max);
            }
        }
        return m;
    }
}
