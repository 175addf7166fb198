// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.lease;

import io.r2dbc.spi.Readable;
import io.segura.broker.database.Table;
import io.segura.broker.database.Update;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import static io.segura.broker.database.Timestamps.instant;
import static io.segura.broker.database.Timestamps.utc;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** Leases in the {@code leases} table. Every method joins the caller's R2DBC transaction when there is one. */
public final class LeaseStore {

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };
    private static final TypeReference<List<String>> LIST = new TypeReference<>() {
    };
    private static final String COLUMNS = "id, session_id, role, issuer, client_id, subject, ctx, secrets, renewable,"
            + " issued_at, expires_at, revoked_at, revoke_reason";

    private static final Table TABLE = Table.of("leases", "id", String.class, "session_id", String.class,
            "role", String.class, "issuer", String.class, "client_id", String.class, "subject", String.class,
            "ctx", String.class, "secrets", String.class, "renewable", Boolean.class,
            "issued_at", OffsetDateTime.class, "expires_at", OffsetDateTime.class);

    private final DatabaseClient db;
    private final JsonMapper json;

    public LeaseStore(DatabaseClient db, JsonMapper json) {
        this.db = Objects.requireNonNull(db, "db cannot be null");
        this.json = Objects.requireNonNull(json, "json cannot be null");
    }

    /** The lease's row, for the group commit that also writes its audit event and counts it on its session. */
    public Table.Row row(Lease l) {
        return TABLE.row(l.id(), l.sessionId(), l.role(), l.issuer(), l.clientId(), l.subject(),
                json.writeValueAsString(l.ctx()), json.writeValueAsString(l.secrets()), l.renewable(),
                utc(l.issuedAt()), utc(l.expiresAt()));
    }

    public Mono<Lease> find(String id) {
        return db.sql("SELECT " + COLUMNS + " FROM leases WHERE id = :id")
                .bind("id", id)
                .map(this::lease)
                .one();
    }

    /** Locks the lease row for a renew or revoke in the caller's transaction. */
    public Mono<Lease> findForUpdate(String id) {
        return db.sql("SELECT " + COLUMNS + " FROM leases WHERE id = :id FOR UPDATE")
                .bind("id", id)
                .map(this::lease)
                .one();
    }

    public Mono<Void> updateExpiry(String id, Instant expiresAt, boolean renewable) {
        return db.sql("UPDATE leases SET expires_at = :expires, renewable = :renewable WHERE id = :id")
                .bind("expires", utc(expiresAt))
                .bind("renewable", renewable)
                .bind("id", id)
                .fetch().rowsUpdated().then();
    }

    /** Ends one lease if it is still open; emits whether this call ended it. */
    public Mono<Boolean> revoke(String id, String reason, Instant now) {
        return db.sql("UPDATE leases SET revoked_at = :now, revoke_reason = :reason WHERE id = :id"
                        + " AND revoked_at IS NULL")
                .bind("now", utc(now))
                .bind("reason", reason)
                .bind("id", id)
                .fetch().rowsUpdated()
                .map(n -> n > 0);
    }

    /** Ends one lease in a revocation's transaction, if it is still open; otherwise {@code raced} is the error. */
    public static Update end(String leaseId, String reason, Instant now, Supplier<? extends RuntimeException> raced) {
        return new Update("leases", "id", leaseId, List.of(new Update.Assignment("revoked_at", utc(now), false),
                new Update.Assignment("revoke_reason", reason, false)), List.of(), "revoked_at IS NULL", 1, raced);
    }

    /**
     * Locks a session's open leases in the caller's transaction (for its revocation) and emits their ids, oldest
     * first. A lease another transaction is ending (expiry, a holder's revoke) is waited for, and then left out.
     */
    public Mono<List<String>> lockOpen(String sessionId) {
        return db.sql("SELECT id FROM leases WHERE session_id = :session AND revoked_at IS NULL"
                        + " ORDER BY issued_at, id FOR UPDATE")
                .bind("session", sessionId)
                .map(row -> row.get("id", String.class))
                .all()
                .collectList();
    }

    /** Ends the given open leases (locked by the caller, see {@link #lockOpen}); emits how many it ended. */
    public Mono<Long> endAll(List<String> ids, String reason, Instant now) {
        if (ids.isEmpty()) {
            return Mono.just(0L);
        }
        return db.sql("UPDATE leases SET revoked_at = :now, revoke_reason = :reason WHERE id IN (:ids)"
                        + " AND revoked_at IS NULL")
                .bind("now", utc(now))
                .bind("reason", reason)
                .bind("ids", ids)
                .fetch().rowsUpdated();
    }

    /**
     * Admin listing, newest first.
     *
     * @param activeAt when non-null, only leases open at that instant
     */
    public Flux<Lease> list(Instant activeAt, String role, String subject, int limit) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM leases WHERE 1 = 1");
        if (activeAt != null) {
            sql.append(" AND revoked_at IS NULL AND expires_at > :now");
        }
        if (role != null) {
            sql.append(" AND role = :role");
        }
        if (subject != null) {
            sql.append(" AND subject = :subject");
        }
        sql.append(" ORDER BY issued_at DESC LIMIT :limit");
        DatabaseClient.GenericExecuteSpec spec = db.sql(sql.toString()).bind("limit", limit);
        if (activeAt != null) {
            spec = spec.bind("now", utc(activeAt));
        }
        if (role != null) {
            spec = spec.bind("role", role);
        }
        if (subject != null) {
            spec = spec.bind("subject", subject);
        }
        return spec.map(this::lease).all();
    }

    /**
     * Claims up to {@code batch} open leases that are due, skipping rows another replica holds, so each lease is
     * expired exactly once across replicas (DESIGN §6). Must run inside a transaction.
     */
    public Flux<Lease> claimDue(Instant now, int batch) {
        return db.sql("SELECT " + COLUMNS + " FROM leases WHERE revoked_at IS NULL AND expires_at <= :now"
                        + " ORDER BY expires_at LIMIT :batch FOR UPDATE SKIP LOCKED")
                .bind("now", utc(now))
                .bind("batch", batch)
                .map(this::lease)
                .all();
    }

    private Lease lease(Readable row) {
        return new Lease(
                row.get("id", String.class),
                row.get("session_id", String.class),
                row.get("role", String.class),
                row.get("issuer", String.class),
                row.get("client_id", String.class),
                row.get("subject", String.class),
                json.readValue(row.get("ctx", String.class), MAP),
                json.readValue(row.get("secrets", String.class), LIST),
                Boolean.TRUE.equals(row.get("renewable", Boolean.class)),
                instant(row.get("issued_at", OffsetDateTime.class)),
                instant(row.get("expires_at", OffsetDateTime.class)),
                instant(row.get("revoked_at", OffsetDateTime.class)),
                row.get("revoke_reason", String.class));
    }

}
