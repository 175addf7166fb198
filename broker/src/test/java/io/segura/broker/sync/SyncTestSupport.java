// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.sync;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.segura.broker.admin.SecretAdministration;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.config.TrustConfig;
import io.segura.broker.config.TrustConfigLoader;
import io.segura.broker.vault.KeyRing;
import io.segura.broker.vault.MasterKey;
import io.segura.broker.vault.MigratedDatabase;
import io.segura.broker.vault.SecretStore;
import io.segura.testkit.time.MutableClock;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/** A vault, audit log and sync service on one migrated database, driven round by round on a mutable clock. */
final class SyncTestSupport {

    static final MasterKey KEK = MasterKey.fromBase64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");

    final MigratedDatabase database;
    final SecretStore store;
    final AuditLog audit;
    final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T08:00:00Z"));
    final SyncService sync;
    final SecretAdministration admin;

    SyncTestSupport(MigratedDatabase database, String yaml) {
        this(database, yaml, true);
    }

    /** @param clear start with empty sync tables; false continues where the previous config left them */
    SyncTestSupport(MigratedDatabase database, String yaml, boolean clear) {
        this(database, yaml, clear, Duration.ofSeconds(5));
    }

    /** @param timeout the remote call timeout */
    SyncTestSupport(MigratedDatabase database, String yaml, boolean clear, Duration timeout) {
        this.database = database;
        this.store = new SecretStore(database.db(), database.tx(), KeyRing.of(KEK));
        this.audit = new AuditLog(database.db(), new SimpleMeterRegistry());
        TrustConfig config = TrustConfigLoader.parse(yaml, "sync.yaml");
        // Short backoff: the tests move the clock, they never sleep.
        SyncSettings settings = new SyncSettings(Duration.ofSeconds(1), timeout, Duration.ofSeconds(2),
                Duration.ofSeconds(60), 5, Duration.ofMinutes(2), 2);
        this.sync = new SyncService(config, database.db(), database.tx(), store, audit, JsonMapper.builder().build(),
                settings, clock, new SecureRandom());
        this.admin = new SecretAdministration(store, audit, database.tx(), sync);
        if (!clear) {
            return;
        }
        database.db().sql("DELETE FROM sync_jobs").then()
                .then(database.db().sql("DELETE FROM sync_state").then())
                .then(database.db().sql("DELETE FROM sync_targets").then()).block();
    }

    void write(String path, String value) {
        admin.write(path, value, null, "127.0.0.1").block();
    }

    void rotate(String path, String value) {
        admin.rotate(path, value, null, "127.0.0.1").block();
    }

    /** One worker round: due schedule checks, then every due job. */
    void round() {
        sync.round().block(Duration.ofSeconds(60));
    }

    Map<String, Object> status() {
        return sync.status(null).block();
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> variable(String target, String variable) {
        for (Map<String, Object> t : (List<Map<String, Object>>) status().get("targets")) {
            if (t.get("name").equals(target)) {
                for (Map<String, Object> v : (List<Map<String, Object>>) t.get("variables")) {
                    if (v.get("variable").equals(variable)) {
                        return v;
                    }
                }
            }
        }
        throw new AssertionError("no variable " + variable + " in " + target);
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> target(String target) {
        for (Map<String, Object> t : (List<Map<String, Object>>) status().get("targets")) {
            if (t.get("name").equals(target)) {
                return t;
            }
        }
        throw new AssertionError("no target " + target);
    }

    /** Every audit row as text (type, secrets, reason, details), to look for values that must not be there. */
    List<String> auditRows() {
        return database.db().sql("SELECT type, secrets, reason, details, subject FROM audit_events ORDER BY seq")
                .map(row -> row.get("type", String.class) + " " + row.get("secrets", String.class) + " "
                        + row.get("reason", String.class) + " " + row.get("details", String.class) + " "
                        + row.get("subject", String.class))
                .all().collectList().block();
    }

    /** The audit event types of one target, oldest first. */
    List<String> auditTypes(String target) {
        return database.db().sql("SELECT type FROM audit_events WHERE subject = :s ORDER BY seq")
                .bind("s", "sync:" + target)
                .map(row -> row.get("type", String.class)).all().collectList().block();
    }

    /** Every text column of the sync tables. */
    List<String> syncRows() {
        return database.db().sql("SELECT * FROM sync_state").map(row -> String.valueOf(row.get("variable"))
                        + row.get("fingerprint") + row.get("detail") + row.get("flags")).all()
                .concatWith(database.db().sql("SELECT * FROM sync_jobs").map(row -> String.valueOf(row.get(
                        "last_error")) + row.get("trigger_ref")).all())
                .concatWith(database.db().sql("SELECT * FROM sync_targets").map(row -> String.valueOf(row.get(
                        "detail")) + row.get("remote_stamp")).all())
                .collectList().block();
    }
}
