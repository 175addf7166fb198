// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

import io.segura.broker.database.DatabaseDeadline;
import io.segura.broker.database.GroupRead;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The encrypted vault store (DESIGN §6) over R2DBC: immutable, envelope-encrypted versions 1..n per path. Writers of
 * one path serialize on its {@code secrets} row ({@code FOR UPDATE}), so concurrent writers get distinct versions.
 * Multi-statement writes run in {@link TransactionalOperator} with the default propagation (REQUIRED): called inside a
 * caller's reactive transaction they join it, so e.g. a write and its audit event commit together. Exceptions and
 * logs carry paths and versions, never values.
 */
public final class SecretStore {

    /** Most refs one {@link #readAll} may ask for (one SQL statement). */
    public static final int MAX_BATCH = 256;
    public static final int MAX_LIST = 1000;
    /** Reads (each up to {@link #MAX_BATCH} refs) sharing one statement: at most 16,384 of PostgreSQL's 65,535 binds. */
    static final int READS_PER_STATEMENT = 32;

    static final String VERSION_COLUMNS =
            "v.path, v.version, v.kek_id, v.wrapped_dek, v.nonce, v.ciphertext, v.fingerprint, v.created_at";

    private final DatabaseClient db;
    private final TransactionalOperator tx;
    private final Envelope envelope;
    private final Clock clock;
    private final SecureRandom random;
    private final GroupRead<List<SecretRef>, Map<String, Row>> reads;

    /**
     * @param deadline how long one statement reading versions (shared by the reads in flight) may take
     */
    public SecretStore(DatabaseClient db, TransactionalOperator tx, KeyRing keys, Clock clock, SecureRandom random,
            DatabaseDeadline deadline) {
        this.db = Objects.requireNonNull(db, "db cannot be null");
        this.tx = Objects.requireNonNull(tx, "tx cannot be null");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
        this.random = Objects.requireNonNull(random, "random cannot be null");
        this.envelope = new Envelope(Objects.requireNonNull(keys, "keys cannot be null"), random);
        this.reads = new GroupRead<>(this::query, READS_PER_STATEMENT, 2, deadline);
    }

    public SecretStore(DatabaseClient db, TransactionalOperator tx, KeyRing keys) {
        this(db, tx, keys, Clock.systemUTC(), new SecureRandom(), DatabaseDeadline.after(Duration.ofSeconds(10)));
    }

    /**
     * Creates the secret at {@code path} or adds a version to it. {@code maxAge} {@code null} keeps the secret's
     * current max-age (none for a new secret).
     */
    public Mono<SecretVersion> write(String path, String value, Duration maxAge) {
        return Mono.defer(() -> {
            SecretPath.requireValid(path);
            SecretValues.requireValid(value);
            Long maxAgeSeconds = maxAgeSeconds(maxAge);
            OffsetDateTime now = now();
            // ON CONFLICT without a target is portable to H2; a concurrent creator's insert makes this one wait for
            // its commit and then do nothing, after which the row lock below serializes the two writers. Version 0
            // marks a row whose first version is not written yet (never visible outside this transaction).
            Mono<Long> createIfAbsent = db.sql("INSERT INTO secrets (path, current_version, max_age_seconds, "
                            + "created_at, updated_at) VALUES (:path, 0, NULL, :created, :updated) "
                            + "ON CONFLICT DO NOTHING")
                    .bind("path", path).bind("created", now).bind("updated", now)
                    .fetch().rowsUpdated();
            return tx.transactional(createIfAbsent.then(addVersion(path, value, maxAgeSeconds, now)));
        });
    }

    /**
     * Writes version 1 of {@code path} with {@code value.get()} unless the secret already has a version; empty then.
     * Writers of one path serialize on its row as in {@link #write}, so of several replicas racing to create the same
     * generated secret (an SSH CA key) exactly one writes it and the others see its version.
     */
    public Mono<SecretVersion> writeIfAbsent(String path, Supplier<String> value) {
        return Mono.defer(() -> {
            SecretPath.requireValid(path);
            OffsetDateTime now = now();
            Mono<Long> createIfAbsent = db.sql("INSERT INTO secrets (path, current_version, max_age_seconds, "
                            + "created_at, updated_at) VALUES (:path, 0, NULL, :created, :updated) "
                            + "ON CONFLICT DO NOTHING")
                    .bind("path", path).bind("created", now).bind("updated", now)
                    .fetch().rowsUpdated();
            Mono<SecretVersion> firstVersion = db.sql("SELECT current_version FROM secrets WHERE path = :path "
                            + "FOR UPDATE")
                    .bind("path", path)
                    .map(row -> row.get("current_version", Integer.class))
                    .one()
                    .filter(current -> current == 0)
                    .flatMap(current -> {
                        String v = value.get();
                        SecretValues.requireValid(v);
                        return addVersion(path, v, null, now);
                    });
            return tx.transactional(createIfAbsent.then(firstVersion));
        });
    }

    /** Adds a version with the given value to an existing secret. */
    public Mono<SecretVersion> rotate(String path, String value) {
        return Mono.defer(() -> {
            SecretPath.requireValid(path);
            SecretValues.requireValid(value);
            return tx.transactional(addVersion(path, value, null, now()));
        });
    }

    /** Adds a version with a fresh random value of {@code length} (16..256) URL-safe characters. */
    public Mono<SecretVersion> rotate(String path, int length) {
        return Mono.defer(() -> {
            SecretPath.requireValid(path);
            return tx.transactional(addVersion(path, GeneratedValues.generate(random, length), null, now()));
        });
    }

    private Mono<SecretVersion> addVersion(String path, String value, Long maxAgeSeconds, OffsetDateTime now) {
        return db.sql("SELECT current_version FROM secrets WHERE path = :path FOR UPDATE")
                .bind("path", path)
                .map(row -> row.get("current_version", Integer.class))
                .one()
                .switchIfEmpty(Mono.error(() -> new SecretNotFoundException(path)))
                .flatMap(current -> {
                    int next = current + 1;
                    SealedValue s = envelope.seal(path, next, value);
                    Mono<Long> insert = db.sql("INSERT INTO secret_versions (path, version, kek_id, wrapped_dek, "
                                    + "nonce, ciphertext, fingerprint, created_at) VALUES (:path, :version, :kekId, "
                                    + ":wrappedDek, :nonce, :ciphertext, :fingerprint, :created)")
                            .bind("path", path).bind("version", next).bind("kekId", s.kekId())
                            .bind("wrappedDek", s.wrappedDek()).bind("nonce", s.nonce())
                            .bind("ciphertext", s.ciphertext()).bind("fingerprint", s.fingerprint())
                            .bind("created", now)
                            .fetch().rowsUpdated();
                    DatabaseClient.GenericExecuteSpec update = db.sql(maxAgeSeconds == null
                                    ? "UPDATE secrets SET current_version = :version, updated_at = :updated "
                                            + "WHERE path = :path"
                                    : "UPDATE secrets SET current_version = :version, updated_at = :updated, "
                                            + "max_age_seconds = :maxAge WHERE path = :path")
                            .bind("version", next).bind("updated", now).bind("path", path);
                    if (maxAgeSeconds != null) {
                        update = update.bind("maxAge", maxAgeSeconds);
                    }
                    return insert.then(update.fetch().rowsUpdated())
                            .thenReturn(new SecretVersion(path, next, now.toInstant(), null));
                });
    }

    /** The secret's metadata with every version (never a value). */
    public Mono<SecretMetadata> metadata(String path) {
        return Mono.defer(() -> {
            SecretPath.requireValid(path);
            return db.sql("SELECT current_version, max_age_seconds, created_at, updated_at FROM secrets "
                            + "WHERE path = :path AND current_version > 0")
                    .bind("path", path)
                    .map(row -> new SecretRow(row.get("current_version", Integer.class),
                            row.get("max_age_seconds", Long.class),
                            instant(row.get("created_at", OffsetDateTime.class)),
                            instant(row.get("updated_at", OffsetDateTime.class))))
                    .one()
                    .switchIfEmpty(Mono.error(() -> new SecretNotFoundException(path)))
                    // Versions above the current one may be committing right now: leave them to the next read.
                    .flatMap(s -> db.sql("SELECT version, created_at, exposed_at FROM secret_versions "
                                    + "WHERE path = :path AND version <= :current ORDER BY version")
                            .bind("path", path).bind("current", s.currentVersion())
                            .map(row -> new SecretVersion(path, row.get("version", Integer.class),
                                    instant(row.get("created_at", OffsetDateTime.class)),
                                    instant(row.get("exposed_at", OffsetDateTime.class))))
                            .all().collectList()
                            .map(versions -> new SecretMetadata(path, s.currentVersion(),
                                    s.maxAgeSeconds() == null ? null : Duration.ofSeconds(s.maxAgeSeconds()),
                                    s.createdAt(), s.updatedAt(), versions)));
        });
    }

    private record SecretRow(int currentVersion, Long maxAgeSeconds, Instant createdAt, Instant updatedAt) {
    }

    /** Like {@link #list(String, int)} with the maximum limit. */
    public Flux<SecretSummary> list(String prefix) {
        return list(prefix, MAX_LIST);
    }

    /** Paths starting with {@code prefix} (null or empty: all) with their current version, ordered by path. */
    public Flux<SecretSummary> list(String prefix, int limit) {
        return Flux.defer(() -> {
            String p = SecretPath.requireValidPrefix(prefix);
            if (limit < 1 || limit > MAX_LIST) {
                throw new InvalidSecretException("limit", "must be 1.." + MAX_LIST + ", got " + limit);
            }
            return db.sql("SELECT path, current_version, updated_at FROM secrets WHERE path LIKE :pattern "
                            + "ESCAPE '\\' AND current_version > 0 ORDER BY path LIMIT :limit")
                    .bind("pattern", SecretPath.likeEscape(p) + "%").bind("limit", limit)
                    .map(row -> new SecretSummary(row.get("path", String.class),
                            row.get("current_version", Integer.class),
                            instant(row.get("updated_at", OffsetDateTime.class))))
                    .all();
        });
    }

    /**
     * A keyed fingerprint (hex HMAC-SHA256 under the current master key's fingerprint key) of {@code value} in the
     * given context, for callers that must later recognise a value they handed out without keeping it — e.g. the
     * sync's last-written value per target variable. The context keeps equal values apart across uses.
     */
    public String fingerprint(String context, String value) {
        return java.util.HexFormat.of().formatHex(Envelope.fingerprint(envelope.keys().current(),
                context + "\u0000" + value));
    }

    /** Decrypts one version; {@code version} {@code null} reads the current one. */
    public Mono<SecretValue> read(String path, Integer version) {
        return Mono.defer(() -> readAll(List.of(new SecretRef(path, version)))).map(l -> l.get(0));
    }

    /**
     * Decrypts several versions with one SQL statement, in the order of {@code refs}. Fails with
     * {@link SecretNotFoundException} naming the first ref that does not exist.
     */
    public Mono<List<SecretValue>> readAll(List<SecretRef> refs) {
        return readForLease(refs).map(LeaseRead::values);
    }

    /**
     * The lease path: decrypts the requested versions and reads the deployment gate's facts about each (current
     * version, creation times, exposure, max-age) in the same single SQL statement — shared with the other reads in
     * flight ({@link GroupRead}), so all of one request's versions and facts still come from one snapshot.
     */
    public Mono<LeaseRead> readForLease(List<SecretRef> refs) {
        return fetch(refs).map(rows -> {
            List<SecretValue> values = new ArrayList<>(rows.size());
            List<SecretFacts> facts = new ArrayList<>(rows.size());
            for (FetchedVersion row : rows) {
                StoredVersion v = row.stored();
                values.add(new SecretValue(v.path(), v.version(), envelope.open(v.path(), v.version(), v.sealed()),
                        v.createdAt()));
                facts.add(row.facts());
            }
            return new LeaseRead(values, facts);
        });
    }

    /** The gate's facts about each ref, in order, without decrypting anything (the policy dry run). */
    public Mono<List<SecretFacts>> facts(List<SecretRef> refs) {
        return fetch(refs).map(rows -> rows.stream().map(FetchedVersion::facts).toList());
    }

    private record FetchedVersion(StoredVersion stored, SecretFacts facts) {
    }

    private Mono<List<FetchedVersion>> fetch(List<SecretRef> refs) {
        return Mono.defer(() -> {
            List<SecretRef> wanted = List.copyOf(refs);
            if (wanted.isEmpty()) {
                return Mono.just(List.<FetchedVersion>of());
            }
            if (wanted.size() > MAX_BATCH) {
                throw new InvalidSecretException("secrets", "at most " + MAX_BATCH + " per request, got "
                        + wanted.size());
            }
            return reads.read(List.copyOf(new LinkedHashSet<>(wanted))).map(rows -> select(wanted, rows));
        });
    }

    /**
     * One statement for the refs of every read in the batch; each read gets the rows by {@code path@version} and picks
     * its own. Unversioned refs come first, so the statement's text depends only on how many refs of each kind it
     * holds, and the prepared statements it leaves on a connection stay few.
     */
    private Mono<Map<List<SecretRef>, Map<String, Row>>> query(List<List<SecretRef>> batch) {
        Set<SecretRef> union = new LinkedHashSet<>();
        batch.forEach(union::addAll);
        List<SecretRef> ordered = new ArrayList<>(union.size());
        union.stream().filter(r -> r.version() == null).forEach(ordered::add);
        union.stream().filter(r -> r.version() != null).forEach(ordered::add);
        StringBuilder sql = new StringBuilder("SELECT ").append(VERSION_COLUMNS)
                .append(", v.exposed_at, s.current_version, s.max_age_seconds, c.created_at AS current_created_at")
                .append(" FROM secret_versions v JOIN secrets s ON s.path = v.path")
                .append(" JOIN secret_versions c ON c.path = s.path AND c.version = s.current_version WHERE ");
        Map<String, Object> binds = new LinkedHashMap<>();
        for (int i = 0; i < ordered.size(); i++) {
            SecretRef ref = ordered.get(i);
            if (i > 0) {
                sql.append(" OR ");
            }
            sql.append("(v.path = :p").append(i);
            binds.put("p" + i, ref.path());
            if (ref.version() == null) {
                sql.append(" AND v.version = s.current_version)");
            } else {
                sql.append(" AND v.version = :v").append(i).append(')');
                binds.put("v" + i, ref.version());
            }
        }
        return db.sql(sql.toString()).bindValues(binds).map(row -> new Row(StoredVersion.from(row),
                        row.get("current_version", Integer.class),
                        instant(row.get("current_created_at", OffsetDateTime.class)),
                        instant(row.get("exposed_at", OffsetDateTime.class)),
                        row.get("max_age_seconds", Long.class)))
                .all()
                .collectMap(r -> r.stored().ref())
                .map(rows -> {
                    Map<List<SecretRef>, Map<String, Row>> byRead = new HashMap<>();
                    batch.forEach(read -> byRead.put(read, rows));
                    return byRead;
                });
    }

    private record Row(StoredVersion stored, int currentVersion, Instant currentCreatedAt, Instant exposedAt,
            Long maxAgeSeconds) {
    }

    private static List<FetchedVersion> select(List<SecretRef> wanted, Map<String, Row> rows) {
        Map<String, Integer> currentByPath = new HashMap<>();
        rows.values().forEach(r -> currentByPath.put(r.stored().path(), r.currentVersion()));
        List<FetchedVersion> out = new ArrayList<>(wanted.size());
        for (SecretRef ref : wanted) {
            Integer version = ref.version() != null ? ref.version() : currentByPath.get(ref.path());
            Row row = version == null ? null : rows.get(ref.path() + "@" + version);
            if (row == null) {
                throw new SecretNotFoundException(ref.path(), ref.version());
            }
            StoredVersion v = row.stored();
            out.add(new FetchedVersion(v, new SecretFacts(v.path(), ref.version(), v.version(), row.currentVersion(),
                    v.createdAt(), row.currentCreatedAt(), row.exposedAt(),
                    row.maxAgeSeconds() == null ? null : Duration.ofSeconds(row.maxAgeSeconds()))));
        }
        return out;
    }

    /**
     * The versions whose value is {@code leakedValue}, found by fingerprint under every KEK of the ring (rows not yet
     * rekeyed carry their old KEK's fingerprint); nothing is decrypted.
     */
    public Flux<SecretVersion> findByValue(String leakedValue) {
        return Flux.defer(() -> {
            if (leakedValue == null || leakedValue.isEmpty()) {
                throw new InvalidSecretException("value", "is required and must not be empty");
            }
            List<MasterKey> keys = envelope.keys().all();
            StringBuilder sql = new StringBuilder("SELECT path, version, kek_id, fingerprint, created_at, exposed_at "
                    + "FROM secret_versions WHERE fingerprint IN (");
            Map<String, byte[]> byKek = new HashMap<>();
            for (int i = 0; i < keys.size(); i++) {
                sql.append(i == 0 ? ":f" : ", :f").append(i);
                byKek.put(keys.get(i).id(), Envelope.fingerprint(keys.get(i), leakedValue));
            }
            DatabaseClient.GenericExecuteSpec spec = db.sql(sql.append(") ORDER BY path, version").toString());
            for (int i = 0; i < keys.size(); i++) {
                spec = spec.bind("f" + i, byKek.get(keys.get(i).id()));
            }
            return spec.map(row -> new Candidate(row.get("kek_id", String.class), row.get("fingerprint", byte[].class),
                            new SecretVersion(row.get("path", String.class), row.get("version", Integer.class),
                                    instant(row.get("created_at", OffsetDateTime.class)),
                                    instant(row.get("exposed_at", OffsetDateTime.class)))))
                    .all()
                    // A fingerprint only counts under the KEK it was computed with.
                    .filter(c -> byKek.containsKey(c.kekId())
                            && MessageDigest.isEqual(byKek.get(c.kekId()), c.fingerprint()))
                    .map(Candidate::version);
        });
    }

    private record Candidate(String kekId, byte[] fingerprint, SecretVersion version) {
    }

    /**
     * Records that {@code path@version} leaked: inserts an {@code exposures} row and sets the version's
     * {@code exposed_at} unless already set.
     */
    public Mono<Exposure> markExposed(String path, int version, String source, String detail, String url) {
        return Mono.defer(() -> {
            SecretPath.requireValid(path);
            if (version < 1) {
                throw new InvalidSecretException("version", "must be at least 1, got " + version);
            }
            requireText("source", source, 256, true);
            requireText("detail", detail, 2048, false);
            requireText("url", url, 2048, false);
            OffsetDateTime now = now();
            Exposure exposure = new Exposure(UUID.randomUUID().toString(), path, version, source, detail, url,
                    now.toInstant());
            DatabaseClient.GenericExecuteSpec insert = db.sql("INSERT INTO exposures (id, path, version, source, "
                            + "detail, url, reported_at) VALUES (:id, :path, :version, :source, :detail, :url, :at)")
                    .bind("id", exposure.id()).bind("path", path).bind("version", version).bind("source", source)
                    .bind("at", now);
            insert = detail == null ? insert.bindNull("detail", String.class) : insert.bind("detail", detail);
            insert = url == null ? insert.bindNull("url", String.class) : insert.bind("url", url);
            Mono<Long> markVersion = db.sql("UPDATE secret_versions SET exposed_at = :at WHERE path = :path "
                            + "AND version = :version AND exposed_at IS NULL")
                    .bind("at", now).bind("path", path).bind("version", version)
                    .fetch().rowsUpdated();
            Mono<Long> exists = db.sql("SELECT COUNT(*) AS n FROM secret_versions WHERE path = :path "
                            + "AND version = :version")
                    .bind("path", path).bind("version", version)
                    .map(row -> row.get("n", Long.class)).one();
            DatabaseClient.GenericExecuteSpec insertExposure = insert;
            Mono<Exposure> work = exists.flatMap(n -> n == 0
                    ? Mono.error(new SecretNotFoundException(path, version))
                    : insertExposure.fetch().rowsUpdated().then(markVersion).thenReturn(exposure));
            return tx.transactional(work);
        });
    }

    private static void requireText(String field, String text, int max, boolean required) {
        if (text == null || text.isBlank()) {
            if (required) {
                throw new InvalidSecretException(field, "is required");
            }
            return;
        }
        if (text.length() > max) {
            throw new InvalidSecretException(field, "is longer than " + max + " characters");
        }
    }

    private static Long maxAgeSeconds(Duration maxAge) {
        if (maxAge == null) {
            return null;
        }
        if (maxAge.isNegative() || maxAge.isZero()) {
            throw new InvalidSecretException("max-age", "must be positive");
        }
        return Math.max(1, maxAge.getSeconds());
    }

    private OffsetDateTime now() {
        // PostgreSQL keeps microseconds: truncate so what we return equals what a later read returns.
        return OffsetDateTime.ofInstant(clock.instant().truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
    }

    static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }
}
