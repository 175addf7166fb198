// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic;

import static io.segura.broker.database.Timestamps.instant;
import static io.segura.broker.database.Timestamps.utc;

import io.r2dbc.spi.Readable;
import io.segura.broker.database.Table;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code dynamic_credentials} table (V4). A credential is due for revocation once its lease has ended (revoked by
 * its holder, its session, an admin, or expired); the revoker claims due rows one at a time with
 * {@code FOR UPDATE SKIP LOCKED}, so across replicas each revocation runs in exactly one transaction at a time, and a
 * confirmed one ({@code revoked_at} set) is never claimed again.
 */
public final class DynamicCredentialStore {

    private static final TypeReference<Map<String, String>> HANDLE = new TypeReference<>() {
    };
    private static final String COLUMNS = "lease_id, name, engine, role, username, handle, issued_at, expires_at,"
            + " revoked_at, attempts, next_attempt_at, last_error";
    /** Open, and its lease ended: revoked (any path) or past its expiry (the lease sweeper may not have run yet). */
    private static final String DUE = "revoked_at IS NULL AND (expires_at <= :now OR EXISTS (SELECT 1 FROM leases l"
            + " WHERE l.id = dynamic_credentials.lease_id AND l.revoked_at IS NOT NULL))";
    static final int MAX_ERROR = 1024;

    static final Table TABLE = Table.of("dynamic_credentials", "lease_id", String.class, "name", String.class,
            "engine", String.class, "role", String.class, "username", String.class, "handle", String.class,
            "issued_at", OffsetDateTime.class, "expires_at", OffsetDateTime.class, "attempts", Integer.class,
            "next_attempt_at", OffsetDateTime.class);

    private final DatabaseClient db;
    private final JsonMapper json;

    public DynamicCredentialStore(DatabaseClient db, JsonMapper json) {
        this.db = Objects.requireNonNull(db, "db cannot be null");
        this.json = Objects.requireNonNull(json, "json cannot be null");
    }

    /** The new credential's row, committed with its lease and its {@code dynamic.issued} event. */
    public Table.Row row(DynamicCredential c) {
        return TABLE.row(c.leaseId(), c.name(), c.engine(), c.role(), c.principal(),
                json.writeValueAsString(c.handle().values()), utc(c.issuedAt()), utc(c.expiresAt()), 0,
                utc(c.expiresAt()));
    }

    /** Claims the next due credential whose retry time has come; must run inside a transaction. */
    public Mono<DynamicCredential> claimDue(Instant now) {
        return db.sql("SELECT " + COLUMNS + " FROM dynamic_credentials WHERE " + DUE
                        + " AND next_attempt_at <= :now ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED")
                .bind("now", utc(now))
                .map(this::credential)
                .one();
    }

    /**
     * Claims one credential whose lease just ended, whatever its retry time (a holder's revoke is worth an attempt
     * now); empty when it is not due, already revoked, or another transaction holds it.
     */
    public Mono<DynamicCredential> claim(String leaseId, Instant now) {
        return db.sql("SELECT " + COLUMNS + " FROM dynamic_credentials WHERE lease_id = :id AND " + DUE
                        + " FOR UPDATE SKIP LOCKED")
                .bind("id", leaseId)
                .bind("now", utc(now))
                .map(this::credential)
                .one();
    }

    /** Of these lease ids, those with an open dynamic credential (most leases are static: one query for all). */
    public Flux<String> openAmong(List<String> leaseIds) {
        if (leaseIds.isEmpty()) {
            return Flux.empty();
        }
        return Flux.fromIterable(chunks(leaseIds, 500)).concatMap(chunk -> {
            StringBuilder sql = new StringBuilder("SELECT lease_id FROM dynamic_credentials WHERE revoked_at IS NULL"
                    + " AND lease_id IN (");
            for (int i = 0; i < chunk.size(); i++) {
                sql.append(i == 0 ? "" : ", ").append(":id").append(i);
            }
            DatabaseClient.GenericExecuteSpec spec = db.sql(sql.append(")").toString());
            for (int i = 0; i < chunk.size(); i++) {
                spec = spec.bind("id" + i, chunk.get(i));
            }
            return spec.map(row -> row.get("lease_id", String.class)).all();
        });
    }

    public Mono<Void> markRevoked(String leaseId, Instant now) {
        return db.sql("UPDATE dynamic_credentials SET revoked_at = :now, last_error = NULL WHERE lease_id = :id"
                        + " AND revoked_at IS NULL")
                .bind("now", utc(now))
                .bind("id", leaseId)
                .fetch().rowsUpdated().then();
    }

    public Mono<Void> markFailed(String leaseId, int attempts, Instant nextAttempt, String error) {
        String e = error.length() > MAX_ERROR ? error.substring(0, MAX_ERROR - 1) + "…" : error;
        return db.sql("UPDATE dynamic_credentials SET attempts = :attempts, next_attempt_at = :next,"
                        + " last_error = :error WHERE lease_id = :id AND revoked_at IS NULL")
                .bind("attempts", attempts)
                .bind("next", utc(nextAttempt))
                .bind("error", e)
                .bind("id", leaseId)
                .fetch().rowsUpdated().then();
    }

    /** Revocations not confirmed yet although the lease has ended: retrying or about to run. Oldest expiry first. */
    public Flux<DynamicCredential> pending(Instant now, boolean failingOnly, int limit) {
        return db.sql("SELECT " + COLUMNS + " FROM dynamic_credentials WHERE " + DUE
                        + (failingOnly ? " AND attempts > 0" : "") + " ORDER BY expires_at LIMIT :limit")
                .bind("now", utc(now))
                .bind("limit", limit)
                .map(this::credential)
                .all();
    }

    public Mono<DynamicCredential> find(String leaseId) {
        return db.sql("SELECT " + COLUMNS + " FROM dynamic_credentials WHERE lease_id = :id")
                .bind("id", leaseId)
                .map(this::credential)
                .one();
    }

    private DynamicCredential credential(Readable row) {
        Integer attempts = row.get("attempts", Integer.class);
        return new DynamicCredential(
                row.get("lease_id", String.class),
                row.get("name", String.class),
                row.get("engine", String.class),
                row.get("role", String.class),
                row.get("username", String.class),
                new RevocationHandle(json.readValue(row.get("handle", String.class), HANDLE)),
                instant(row.get("issued_at", OffsetDateTime.class)),
                instant(row.get("expires_at", OffsetDateTime.class)),
                instant(row.get("revoked_at", OffsetDateTime.class)),
                attempts == null ? 0 : attempts,
                instant(row.get("next_attempt_at", OffsetDateTime.class)),
                row.get("last_error", String.class));
    }

    private static <T> List<List<T>> chunks(List<T> list, int size) {
        List<List<T>> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i += size) {
            out.add(list.subList(i, Math.min(list.size(), i + size)));
        }
        return out;
    }
}
