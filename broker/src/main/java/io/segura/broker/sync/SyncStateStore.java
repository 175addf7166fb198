// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.sync;

import static io.segura.broker.database.Timestamps.instant;
import static io.segura.broker.database.Timestamps.utc;

import io.r2dbc.spi.Readable;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Objects;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code sync_state} and {@code sync_targets} (V8). Upserts are an UPDATE followed by an INSERT when nothing was
 * updated: {@code ON CONFLICT (col)} does not run on H2 (STACK.md), and one target is synced by one worker at a time
 * on a replica.
 */
final class SyncStateStore {

    private static final String COLUMNS = "target, variable, environment_scope, path, version, fingerprint, flags, "
            + "status, detail, written_at, checked_at";

    private final DatabaseClient db;

    SyncStateStore(DatabaseClient db) {
        this.db = Objects.requireNonNull(db, "db cannot be null");
    }

    Flux<MappingState> mappings(String target) {
        return db.sql("SELECT " + COLUMNS + " FROM sync_state WHERE target = :target ORDER BY variable, "
                        + "environment_scope")
                .bind("target", target).map(SyncStateStore::mapping).all();
    }

    Flux<MappingState> allMappings() {
        return db.sql("SELECT " + COLUMNS + " FROM sync_state ORDER BY target, variable, environment_scope")
                .map(SyncStateStore::mapping).all();
    }

    Mono<Void> save(MappingState s) {
        DatabaseClient.GenericExecuteSpec update = bindAll(db.sql("UPDATE sync_state SET path = :path, "
                + "version = :version, fingerprint = :fingerprint, flags = :flags, status = :status, "
                + "detail = :detail, written_at = :written, checked_at = :checked WHERE target = :target AND "
                + "variable = :variable AND environment_scope = :scope"), s);
        return update.fetch().rowsUpdated().flatMap(n -> n > 0 ? Mono.<Void>empty()
                : bindAll(db.sql("INSERT INTO sync_state (" + COLUMNS + ") VALUES (:target, :variable, :scope, "
                        + ":path, :version, :fingerprint, :flags, :status, :detail, :written, :checked)"), s)
                        .fetch().rowsUpdated().then());
    }

    Mono<Void> delete(String target, String variable, String scope) {
        return db.sql("DELETE FROM sync_state WHERE target = :target AND variable = :variable AND "
                        + "environment_scope = :scope")
                .bind("target", target).bind("variable", variable).bind("scope", scope)
                .fetch().rowsUpdated().then();
    }

    Mono<TargetState> target(String target) {
        return db.sql("SELECT target, remote_stamp, last_run_at, last_check_at, status, detail FROM sync_targets "
                        + "WHERE target = :target")
                .bind("target", target).map(SyncStateStore::targetState).one()
                .defaultIfEmpty(TargetState.empty(target));
    }

    Flux<TargetState> targets() {
        return db.sql("SELECT target, remote_stamp, last_run_at, last_check_at, status, detail FROM sync_targets")
                .map(SyncStateStore::targetState).all();
    }

    Mono<Void> save(TargetState t) {
        DatabaseClient.GenericExecuteSpec update = bindTarget(db.sql("UPDATE sync_targets SET remote_stamp = :stamp,"
                + " last_run_at = :run, last_check_at = :check, status = :status, detail = :detail "
                + "WHERE target = :target"), t);
        return update.fetch().rowsUpdated().flatMap(n -> n > 0 ? Mono.<Void>empty()
                : bindTarget(db.sql("INSERT INTO sync_targets (target, remote_stamp, last_run_at, last_check_at, "
                        + "status, detail) VALUES (:target, :stamp, :run, :check, :status, :detail)"), t)
                        .fetch().rowsUpdated().then());
    }

    private static DatabaseClient.GenericExecuteSpec bindAll(DatabaseClient.GenericExecuteSpec spec, MappingState s) {
        spec = spec.bind("target", s.target()).bind("variable", s.variable()).bind("scope", s.environmentScope())
                .bind("path", s.path()).bind("status", s.status().column());
        spec = bind(spec, "version", s.version(), Integer.class);
        spec = bind(spec, "fingerprint", s.fingerprint(), String.class);
        spec = bind(spec, "flags", s.flags(), String.class);
        spec = bind(spec, "detail", cut(s.detail()), String.class);
        spec = bind(spec, "written", utc(s.writtenAt()), OffsetDateTime.class);
        return bind(spec, "checked", utc(s.checkedAt()), OffsetDateTime.class);
    }

    private static DatabaseClient.GenericExecuteSpec bindTarget(DatabaseClient.GenericExecuteSpec spec,
            TargetState t) {
        spec = spec.bind("target", t.target()).bind("status", t.status());
        spec = bind(spec, "stamp", t.remoteStamp(), String.class);
        spec = bind(spec, "run", utc(t.lastRunAt()), OffsetDateTime.class);
        spec = bind(spec, "check", utc(t.lastCheckAt()), OffsetDateTime.class);
        return bind(spec, "detail", cut(t.detail()), String.class);
    }

    private static <T> DatabaseClient.GenericExecuteSpec bind(DatabaseClient.GenericExecuteSpec spec, String name,
            T value, Class<T> type) {
        return value == null ? spec.bindNull(name, type) : spec.bind(name, value);
    }

    private static String cut(String s) {
        return s == null || s.length() <= 1000 ? s : s.substring(0, 1000) + "…";
    }

    private static MappingState mapping(Readable row) {
        return new MappingState(row.get("target", String.class), row.get("variable", String.class),
                row.get("environment_scope", String.class), row.get("path", String.class),
                row.get("version", Integer.class), row.get("fingerprint", String.class),
                row.get("flags", String.class), MappingState.Status.of(row.get("status", String.class)),
                row.get("detail", String.class), instant(row.get("written_at", OffsetDateTime.class)),
                instant(row.get("checked_at", OffsetDateTime.class)));
    }

    private static TargetState targetState(Readable row) {
        return new TargetState(row.get("target", String.class), row.get("remote_stamp", String.class),
                instant(row.get("last_run_at", OffsetDateTime.class)),
                instant(row.get("last_check_at", OffsetDateTime.class)), row.get("status", String.class),
                row.get("detail", String.class));
    }

    static Instant now(java.time.Clock clock) {
        return clock.instant();
    }
}
