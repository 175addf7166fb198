// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

import java.util.Objects;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One run of {@link SecretStore#rekey(KeyRing)}: walks the versions not under the target ring's current KEK in
 * (path, version) order, a page per transaction, re-wrapping each DEK. The {@code kek_id} guard on the UPDATE makes a
 * concurrent rekey of the same row harmless.
 */
final class Rekeying {

    private static final int PAGE = 100;

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final Envelope target;

    Rekeying(DatabaseClient db, TransactionalOperator tx, Envelope target) {
        this.db = Objects.requireNonNull(db, "db cannot be null");
        this.tx = Objects.requireNonNull(tx, "tx cannot be null");
        this.target = Objects.requireNonNull(target, "target cannot be null");
    }

    Mono<Long> run() {
        return from("", 0, 0L);
    }

    private Mono<Long> from(String lastPath, int lastVersion, long done) {
        String current = target.keys().current().id();
        return db.sql("SELECT " + SecretStore.VERSION_COLUMNS + " FROM secret_versions v WHERE v.kek_id <> :kek AND "
                        + "(v.path > :lastPath OR (v.path = :lastPath2 AND v.version > :lastVersion)) "
                        + "ORDER BY v.path, v.version LIMIT " + PAGE)
                .bind("kek", current).bind("lastPath", lastPath).bind("lastPath2", lastPath)
                .bind("lastVersion", lastVersion)
                .map(StoredVersion::from)
                .all()
                .collectList()
                .flatMap(rows -> {
                    if (rows.isEmpty()) {
                        return Mono.just(done);
                    }
                    Mono<Long> moved = tx.transactional(Flux.fromIterable(rows).concatMap(row -> move(db, target, row))
                            .reduce(0L, Long::sum));
                    StoredVersion last = rows.get(rows.size() - 1);
                    return moved.flatMap(n -> rows.size() < PAGE ? Mono.just(done + n)
                            : from(last.path(), last.version(), done + n));
                });
    }

    /**
     * Re-wraps one version's DEK under {@code target}'s current key; the {@code kek_id} guard makes a row another
     * writer moved meanwhile count 0 instead of being written twice.
     */
    static Mono<Long> move(DatabaseClient db, Envelope target, StoredVersion row) {
        SealedValue s = target.rewrap(row.path(), row.version(), row.sealed());
        return db.sql("UPDATE secret_versions SET kek_id = :kek, wrapped_dek = :wrappedDek, fingerprint = :fingerprint "
                        + "WHERE path = :path AND version = :version AND kek_id = :oldKek")
                .bind("kek", s.kekId()).bind("wrappedDek", s.wrappedDek()).bind("fingerprint", s.fingerprint())
                .bind("path", row.path()).bind("version", row.version()).bind("oldKek", row.sealed().kekId())
                .fetch().rowsUpdated();
    }
}
