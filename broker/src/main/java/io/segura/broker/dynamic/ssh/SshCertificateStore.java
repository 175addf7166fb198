// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic.ssh;

import io.segura.broker.database.Timestamps;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The {@code ssh_certificates} table (migration V5): one row per signed certificate, with its serial from the
 * {@code ssh_certificate_serials} sequence, its lease and its revocation. Statements run on the caller's reactive
 * transaction when there is one, so a certificate row can commit with its lease and audit event.
 */
public final class SshCertificateStore {

    private final DatabaseClient db;

    public SshCertificateStore(DatabaseClient db) {
        this.db = Objects.requireNonNull(db, "db cannot be null");
    }

    /** A row of the table, as the KRL and the tests read it. */
    public record Row(long serial, String engine, String caKey, String leaseId, String keyId, Instant validBefore,
            Instant revokedAt) {
    }

    /** The next serial: unique across replicas and CAs, never 0. */
    Mono<Long> nextSerial() {
        return db.sql("SELECT nextval('ssh_certificate_serials') AS serial")
                .map(row -> ((Number) row.get("serial")).longValue())
                .one();
    }

    Mono<Void> record(SignedCertificate c, String caKeyLine, String leaseId, Instant issuedAt) {
        DatabaseClient.GenericExecuteSpec insert = db.sql("INSERT INTO ssh_certificates (serial, engine, ca_key, "
                        + "lease_id, key_id, principals, public_key_fingerprint, valid_after, valid_before, issued_at) "
                        + "VALUES (:serial, :engine, :caKey, :leaseId, :keyId, :principals, :fingerprint, :validAfter, "
                        + ":validBefore, :issuedAt)")
                .bind("serial", c.serial()).bind("engine", c.engine()).bind("caKey", caKeyLine)
                .bind("keyId", c.keyId()).bind("principals", String.join("\n", c.principals()))
                .bind("fingerprint", c.publicKeyFingerprint())
                .bind("validAfter", Timestamps.utc(c.validAfter())).bind("validBefore", Timestamps.utc(c.validBefore()))
                .bind("issuedAt", Timestamps.utc(micros(issuedAt)));
        insert = leaseId == null ? insert.bindNull("leaseId", String.class) : insert.bind("leaseId", leaseId);
        return insert.fetch().rowsUpdated().then();
    }

    /**
     * Marks every not yet revoked certificate of {@code leaseId} revoked at {@code at}; the number marked. Idempotent:
     * a second call (another replica, a retried revocation) marks nothing and keeps the first time.
     */
    public Mono<Long> revokeLease(String leaseId, Instant at) {
        Objects.requireNonNull(leaseId, "leaseId cannot be null");
        return db.sql("UPDATE ssh_certificates SET revoked_at = :at WHERE lease_id = :leaseId AND revoked_at IS NULL")
                .bind("at", Timestamps.utc(micros(at))).bind("leaseId", leaseId)
                .fetch().rowsUpdated();
    }

    /** Marks one certificate revoked at {@code at}; false when no such serial of {@code engine} is unrevoked. */
    public Mono<Boolean> revoke(String engine, long serial, Instant at) {
        return db.sql("UPDATE ssh_certificates SET revoked_at = :at WHERE engine = :engine AND serial = :serial "
                        + "AND revoked_at IS NULL")
                .bind("at", Timestamps.utc(micros(at))).bind("engine", engine).bind("serial", serial)
                .fetch().rowsUpdated().map(n -> n > 0);
    }

    /** {@code engine}'s revoked certificates still valid after {@code validAfter}, by serial. */
    Flux<Row> revoked(String engine, Instant validAfter) {
        return db.sql("SELECT serial, engine, ca_key, lease_id, key_id, valid_before, revoked_at FROM ssh_certificates "
                        + "WHERE engine = :engine AND revoked_at IS NOT NULL AND valid_before > :after ORDER BY serial")
                .bind("engine", engine).bind("after", Timestamps.utc(validAfter))
                .map(SshCertificateStore::row)
                .all();
    }

    /** One certificate's row, or empty. */
    public Mono<Row> find(long serial) {
        return db.sql("SELECT serial, engine, ca_key, lease_id, key_id, valid_before, revoked_at FROM ssh_certificates "
                        + "WHERE serial = :serial")
                .bind("serial", serial)
                .map(SshCertificateStore::row)
                .one();
    }

    private static Row row(io.r2dbc.spi.Readable r) {
        return new Row(((Number) r.get("serial")).longValue(), r.get("engine", String.class),
                r.get("ca_key", String.class), r.get("lease_id", String.class), r.get("key_id", String.class),
                Timestamps.instant(r.get("valid_before", java.time.OffsetDateTime.class)),
                Timestamps.instant(r.get("revoked_at", java.time.OffsetDateTime.class)));
    }

    /** PostgreSQL keeps microseconds: what we write equals what a later read returns. */
    private static Instant micros(Instant i) {
        return i.truncatedTo(ChronoUnit.MICROS);
    }
}
