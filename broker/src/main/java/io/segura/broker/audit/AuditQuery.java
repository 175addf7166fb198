// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.audit;

import io.segura.broker.vault.SecretPath;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Flux;

/** Reads audit events for {@code GET /api/v2/a2a/events} (DESIGN §5), newest first, with optional filters. */
public final class AuditQuery {

    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 1000;

    private final DatabaseClient db;

    public AuditQuery(DatabaseClient db) {
        this.db = Objects.requireNonNull(db, "db cannot be null");
    }

    /**
     * Events matching every given filter ({@code null} = any): {@code path} matches events whose secrets list holds
     * that path at any version; {@code since} is inclusive; {@code limit} defaults to 100 and is capped at 1000.
     *
     * @throws IllegalArgumentException for a limit below 1; {@code InvalidSecretException} for a malformed path
     */
    public Flux<AuditEvent> find(AuditEventType type, String subject, String path, Instant since, Integer limit) {
        return Flux.defer(() -> {
            int n = limit == null ? DEFAULT_LIMIT : Math.min(limit, MAX_LIMIT);
            if (n < 1) {
                throw new IllegalArgumentException("limit must be at least 1, got " + limit);
            }
            StringBuilder sql = new StringBuilder("SELECT * FROM audit_events WHERE 1 = 1");
            Map<String, Object> binds = new LinkedHashMap<>();
            if (type != null) {
                sql.append(" AND type = :type");
                binds.put("type", type.wireName());
            }
            if (subject != null) {
                sql.append(" AND subject = :subject");
                binds.put("subject", subject);
            }
            if (path != null) {
                // secrets is a JSON array of "path@version" (or "path"); neither '"' nor '@' can occur in a path.
                String p = SecretPath.likeEscape(SecretPath.requireValid(path));
                sql.append(" AND (secrets LIKE :pathAt ESCAPE '\\' OR secrets LIKE :pathOnly ESCAPE '\\')");
                binds.put("pathAt", "%\"" + p + "@%");
                binds.put("pathOnly", "%\"" + p + "\"%");
            }
            if (since != null) {
                sql.append(" AND occurred_at >= :since");
                binds.put("since", OffsetDateTime.ofInstant(since, ZoneOffset.UTC));
            }
            sql.append(" ORDER BY occurred_at DESC, seq DESC LIMIT ").append(n);
            // the links of the page only: joined before the LIMIT, every matching event would be looked up
            String page = "SELECT " + StoredAuditRow.COLUMNS + " FROM (" + sql + ") e "
                    + "LEFT JOIN audit_links l ON l.seq = e.seq ORDER BY e.occurred_at DESC, e.seq DESC";
            return db.sql(page).bindValues(binds).map(StoredAuditRow::from).all().map(StoredAuditRow::toEvent);
        });
    }
}
