// SPDX-License-Identifier: Apache-2.0
package io.segura.benchmarks;

import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.postgres.TestDatabase;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The usage views of issue 17 at 10 million audit events: {@code GET /api/v2/admin/secrets/{path}/usage},
 * {@code /api/v2/admin/usage/stale} and {@code /api/v2/admin/usage/old-versions}, timed through the broker's HTTP API
 * (a separate JVM running {@code broker/target/segura-broker.jar}, so what is timed is the broker's own SQL on the
 * broker's own schema), one request at a time, on a dedicated PostgreSQL database that is dropped at the end.
 *
 * <p>Order of work: create the database; start the broker (Flyway migrates it); create {@code --secrets} secrets through
 * the admin API, a quarter with 1, 2, 3 or 4 versions, plus {@code --idle} secrets nobody ever leases; stop the broker
 * (its audit chainer would otherwise start hashing the seeded events); seed {@code --events} audit events spread evenly
 * over the last {@code --days} days with {@code INSERT … SELECT generate_series} in chunks of a million, together with
 * the usage rows the lease path writes for them (then their V11 day counts, as the migration fills them), and their
 * audit-chain links (placeholders: the chain is not what is measured; {@link #settleChainer} for the chainer once the
 * broker is back); secondary indexes are dropped for the seed and rebuilt after it, then {@code VACUUM ANALYZE}. Then
 * the broker starts again and each view is warmed up and timed {@code --samples} times per case; percentiles come from
 * an HdrHistogram (µs). The run also reports the PostgreSQL scans of the usage tables
 * during the timed requests ({@code pg_stat_user_tables}): no sequential scan of {@code secret_uses} may appear.
 *
 * <p>The events: 70 % {@code lease.issued} (one secret each), the rest {@code token.exchanged}, {@code lease.expired},
 * {@code session.revoked}. A lease picks secret {@code floor(n · r³)} (r uniform), so popularity is heavily skewed:
 * the hottest secret, {@code svc/0000/token}, gets about 8 % of all leases (≈ 550,000 over 180 days, ≈ 90,000 in 30
 * days); a run context among {@code --contexts}, skewed the same way ({@code r²}); 2 % of leases pin a random older
 * version when there is one.
 *
 * <pre>{@code
 * ./mvnw -q -pl broker,benchmarks -am package -DskipTests
 * java -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" io.segura.benchmarks.UsageBenchmark
 * }</pre>
 *
 * Options: {@code --events N} (10000000), {@code --secrets N} (2000), {@code --idle N} (200), {@code --contexts N}
 * (20000), {@code --days N} (180), {@code --samples N} (200), {@code --broker-jar PATH}, {@code --keep} (leave the
 * database for EXPLAIN; its name is printed; drop it yourself).
 */
public final class UsageBenchmark {

    private static final String AUDIENCE = "https://segura.bench";
    private static final int CHUNK = 1_000_000;

    private final Map<String, String> options = new LinkedHashMap<>();

    private UsageBenchmark(String[] args) {
        options.put("events", "10000000");
        options.put("secrets", "2000");
        options.put("idle", "200");
        options.put("contexts", "20000");
        options.put("days", "180");
        options.put("samples", "200");
        options.put("broker-jar", "broker/target/segura-broker.jar");
        options.put("keep", "false");
        options.put("database", "");
        options.put("master-key", "");
        for (int i = 0; i < args.length; i++) {
            String name = args[i].replaceFirst("^--", "");
            if (!options.containsKey(name)) {
                throw new IllegalArgumentException("unknown option " + args[i] + "; known: " + options.keySet());
            }
            options.put(name, name.equals("keep") ? "true" : args[++i]);
        }
    }

    public static void main(String[] args) throws Exception {
        new UsageBenchmark(args).run();
    }

    private int option(String name) {
        return Integer.parseInt(options.get(name));
    }

    private void run() throws Exception {
        Path work = Files.createTempDirectory("segura-usage-bench");
        String admin = Base64.getUrlEncoder().withoutPadding().encodeToString(new SecureRandom().generateSeed(32));
        if (!options.get("database").isEmpty()) {
            remeasure(work, admin);
            return;
        }
        String masterKey = Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(32));
        TestDatabase db = TestDatabase.create("usagebench");
        System.out.println("database " + db.name() + "; machine " + Runtime.getRuntime().availableProcessors()
                + " cores; load average at start " + loadAverage() + "; master key (for --database) " + masterKey);
        try (IssuerSimulator issuer = IssuerSimulator.start()) {
            Path config = work.resolve("trust.yaml");
            Files.writeString(config, "issuers:\n  - name: bench\n    issuer: " + issuer.issuer() + "\n    audiences: [\""
                    + AUDIENCE + "\"]\nroles:\n  - name: ci\n    issuers: [bench]\n    bound-claims:\n"
                    + "      repository_id: \"74\"\n    secrets: [\"svc/*\"]\n");
            String url = "r2dbc:postgresql://" + db.user() + "@" + db.host() + ":" + db.port() + "/" + db.name();

            Broker broker = Broker.start(options.get("broker-jar"), config, url, admin, masterKey, work);
            long t0 = System.nanoTime();
            createSecrets(broker.port, admin);
            broker.awaitChained(admin);
            broker.stop();
            System.out.printf("secrets: %d (+%d idle) created through the API in %.1f s%n", option("secrets"),
                    option("idle"), (System.nanoTime() - t0) / 1e9);

            try (Connection c = db.connect()) {
                seed(c);
                sizes(c);
            }

            broker = Broker.start(options.get("broker-jar"), config, url, admin, masterKey, work);
            try (Connection c = db.connect()) {
                measure(broker.port, admin, c);
            } finally {
                broker.stop();
            }
        } finally {
            if (Boolean.parseBoolean(options.get("keep"))) {
                System.out.println("kept database " + db.name() + " (DROP DATABASE " + db.name() + " WITH (FORCE))");
            } else {
                db.drop();
                System.out.println("dropped database " + db.name());
            }
        }
    }

    /**
     * {@code --database NAME --master-key KEY}: times the views again on a database a {@code --keep} run seeded (after
     * a change to the broker), with the master key that run printed. Not dropped.
     */
    private void remeasure(Path work, String admin) throws Exception {
        String name = options.get("database");
        System.out.println("database " + name + " (seeded before, kept); load average at start " + loadAverage());
        try (IssuerSimulator issuer = IssuerSimulator.start();
                Connection c = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/" + name,
                        "postgres", "")) {
            Path config = work.resolve("trust.yaml");
            Files.writeString(config, "issuers:\n  - name: bench\n    issuer: " + issuer.issuer() + "\n    audiences: [\""
                    + AUDIENCE + "\"]\nroles:\n  - name: ci\n    issuers: [bench]\n    bound-claims:\n"
                    + "      repository_id: \"74\"\n    secrets: [\"svc/*\"]\n");
            Broker broker = Broker.start(options.get("broker-jar"), config, "r2dbc:postgresql://postgres@127.0.0.1:5432/"
                    + name, admin, options.get("master-key"), work);
            try {
                measure(broker.port, admin, c);
            } finally {
                broker.stop();
            }
        }
    }

    static String path(int s) {
        return "svc/%04d/token".formatted(s);
    }

    private void createSecrets(int port, String admin) throws Exception {
        int n = option("secrets");
        int idle = option("idle");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    try (MiniHttp http = new MiniHttp("127.0.0.1", port)) {
                        for (int s = thread; s < n + idle; s += 4) {
                            String p = s < n ? path(s) : "idle/%04d/token".formatted(s - n);
                            expect(http.put("/api/v2/admin/secrets/" + p, "application/json",
                                    "{\"value\": \"bench-value-" + s + "-v1\"}", admin), 201, p);
                            for (int v = 2; s < n && v <= 1 + s % 4; v++) {
                                expect(http.post("/api/v2/admin/secrets/" + p + "/rotate", "application/json",
                                        "{\"generate\": {\"length\": 32}}", admin), 201, p);
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static void expect(MiniHttp.Response r, int status, String what) {
        if (r.status() != status) {
            throw new IllegalStateException(what + ": HTTP " + r.status() + " " + r.body());
        }
    }

    /** The generated events and their usage rows, as described in the class comment. */
    private void seed(Connection c) throws Exception {
        int events = option("events");
        long stepMicros = option("days") * 86_400_000_000L / events;
        Instant start = Instant.now().minusSeconds(option("days") * 86_400L);
        long t0 = System.nanoTime();
        List<String> indexes = new ArrayList<>();
        try (Statement s = c.createStatement()) {
            s.execute("SET synchronous_commit = off");
            s.execute("SET work_mem = '256MB'");
            s.execute("SET maintenance_work_mem = '1GB'");
            try (ResultSet rs = s.executeQuery("SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN"
                    + " ('audit_events', 'secret_uses', 'secret_pinned_uses', 'secret_use_days') AND indexname NOT IN"
                    + " (SELECT conname FROM pg_constraint)")) {
                while (rs.next()) {
                    indexes.add(rs.getString(2));
                    System.out.println("  rebuilt after the seed: " + rs.getString(2));
                }
            }
            for (String def : indexes) {
                s.execute("DROP INDEX " + def.replaceFirst("^CREATE (UNIQUE )?INDEX (\\S+) ON .*$", "$2"));
            }
            // as if every secret had existed before the first event: the stale view judges only secrets older than
            // its period
            s.execute("UPDATE secrets SET created_at = now() - interval '" + (option("days") + 1) + " days'");
            s.execute("CREATE TEMP TABLE bench_secrets AS SELECT (row_number() OVER (ORDER BY path) - 1)::int AS s,"
                    + " path, current_version FROM secrets WHERE path LIKE 'svc/%'");
            s.execute("CREATE UNIQUE INDEX ON bench_secrets (s)");
            s.execute("CREATE TEMP TABLE bench_ctx AS SELECT c, 'role-' || (c % 40) AS role,"
                    + " 'repo:acme/repo-' || (c % 4000) || ':ref:' || ref AS subject, 'acme/repo-' || (c % 4000)"
                    + " AS repository, ref, 'wf-' || (c % 6) || '.yml' AS workflow,"
                    + " (ARRAY['production', 'staging', NULL])[c % 3 + 1] AS environment FROM (SELECT c, CASE WHEN"
                    + " c < 4000 THEN 'refs/heads/main' ELSE 'refs/heads/feature-' || c END AS ref"
                    + " FROM generate_series(0, " + (option("contexts") - 1) + ") c) x");
            s.execute("ALTER TABLE bench_ctx ADD COLUMN id text");
            s.execute("UPDATE bench_ctx SET id = rtrim(translate(encode(sha256(convert_to(role || '|' || subject"
                    + " || '|' || repository || '|' || ref || '|' || workflow || '|' || coalesce(environment, '-'),"
                    + " 'UTF8')), 'base64'), '+/', '-_'), '=')");
            s.execute("CREATE UNIQUE INDEX ON bench_ctx (c)");
            s.execute("INSERT INTO usage_contexts (id, role, subject, repository, ref, workflow, environment,"
                    + " first_seen) SELECT id, role, subject, repository, ref, workflow, environment, now() -"
                    + " interval '" + (option("days") + 1) + " days' FROM bench_ctx");
            s.execute("SELECT setseed(0.17)");
        }
        String chunkSql = """
                WITH g AS (
                    SELECT i, ?::timestamptz + (i * ?::bigint) * interval '1 microsecond' AS ts,
                           CASE WHEN i % 10 < 7 THEN 'lease.issued' WHEN i % 10 = 7 THEN 'token.exchanged'
                                WHEN i % 10 = 8 THEN 'lease.expired' ELSE 'session.revoked' END AS type,
                           floor(? * power(random(), 3))::int AS s, floor(? * power(random(), 2))::int AS c,
                           random() < 0.02 AS pin, random() AS r
                    FROM generate_series(?::bigint, ?::bigint) i),
                e AS (
                    SELECT g.i, g.ts, g.type, bs.path, bs.current_version,
                           CASE WHEN g.pin AND bs.current_version > 1
                                THEN 1 + floor(g.r * (bs.current_version - 1))::int ELSE bs.current_version END
                               AS version,
                           bc.id AS context_id, bc.role, bc.subject, bc.repository, bc.ref, bc.workflow, bc.environment
                    FROM g JOIN bench_secrets bs ON bs.s = g.s JOIN bench_ctx bc ON bc.c = g.c),
                ev AS (
                    INSERT INTO audit_events (id, occurred_at, type, role, issuer, subject, client_ip, ctx, lease_id,
                                              secrets, reason, details)
                    SELECT gen_random_uuid()::text, ts, type, role, 'bench', subject, '10.0.' || (i % 250) || '.'
                               || (i % 200),
                           json_build_object('environment', environment, 'pipeline', workflow, 'platform', 'github',
                               'ref', ref, 'repository', repository, 'run_id', i::text)::text,
                           CASE WHEN type IN ('lease.issued', 'lease.expired') THEN gen_random_uuid()::text END,
                           CASE WHEN type IN ('lease.issued', 'lease.expired')
                                THEN json_build_array(path || '@' || version)::text ELSE '[]' END,
                           CASE type WHEN 'lease.expired' THEN 'expired' WHEN 'session.revoked'
                                THEN 'revoked by holder' END,
                           CASE WHEN type = 'lease.issued' THEN '{"ttl_seconds":900}' ELSE '{}' END
                    FROM e ORDER BY i
                    RETURNING seq),
                links AS (
                    INSERT INTO audit_links (chain_pos, seq, prev_hash, hash)
                    SELECT ? + row_number() OVER (ORDER BY seq), seq, '', '' FROM ev),
                uses AS (
                    INSERT INTO secret_uses (path, occurred_at, version, latest_version, context_id)
                    SELECT path, ts, version, current_version, context_id FROM e WHERE type = 'lease.issued'
                    ORDER BY i)
                INSERT INTO secret_pinned_uses (occurred_at, path, version, latest_version, context_id)
                SELECT ts, path, version, current_version, context_id FROM e
                WHERE type = 'lease.issued' AND version < current_version ORDER BY i
                """;
        long chainPos;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT chain_pos FROM audit_chain_head WHERE id = 1")) {
            rs.next();
            chainPos = rs.getLong(1);
        }
        try (PreparedStatement ps = c.prepareStatement(chunkSql)) {
            for (long from = 0; from < events; from += CHUNK) {
                long to = Math.min(events, from + CHUNK) - 1;
                ps.setObject(1, java.time.OffsetDateTime.ofInstant(start, java.time.ZoneOffset.UTC));
                ps.setLong(2, stepMicros);
                ps.setInt(3, option("secrets"));
                ps.setInt(4, option("contexts"));
                ps.setLong(5, from);
                ps.setLong(6, to);
                ps.setLong(7, chainPos);
                ps.executeUpdate();
                chainPos += to - from + 1;
                System.out.printf("  seeded %,d events (%.0f s)%n", to + 1, (System.nanoTime() - t0) / 1e9);
            }
        }
        try (Statement s = c.createStatement()) {
            s.execute("UPDATE audit_chain_head SET chain_pos = " + chainPos + " WHERE id = 1");
            // the day counts the lease path keeps beside its uses (V11), per version and run context and per version
            // in the lease path's 16 stripes by run context
            long td = System.nanoTime();
            s.execute("INSERT INTO secret_use_days (path, version, context_id, epoch_day, uses, first_used, last_used)"
                    + " SELECT path, version, context_id, floor(extract(epoch FROM occurred_at) / 86400)::int,"
                    + " count(*), min(occurred_at), max(occurred_at) FROM secret_uses GROUP BY 1, 2, 3, 4");
            s.execute("INSERT INTO secret_version_days (path, epoch_day, version, stripe, uses, first_used,"
                    + " last_used) SELECT path, epoch_day, version, ascii(context_id) % 16, sum(uses), min(first_used),"
                    + " max(last_used) FROM secret_use_days GROUP BY 1, 2, 3, 4");
            System.out.printf("  day counts filled in %.0f s%n", (System.nanoTime() - td) / 1e9);
            long ti = System.nanoTime();
            for (String def : indexes) {
                s.execute(def);
            }
            System.out.printf("  indexes rebuilt in %.0f s%n", (System.nanoTime() - ti) / 1e9);
            s.execute("VACUUM ANALYZE");
        }
        System.out.printf("seed: %,d audit events in %.0f s (with the index rebuild and VACUUM ANALYZE)%n", events,
                (System.nanoTime() - t0) / 1e9);
    }

    private static void sizes(Connection c) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT relname, reltuples::bigint,"
                        + " pg_size_pretty(pg_table_size(oid)), pg_size_pretty(pg_indexes_size(oid)) FROM pg_class"
                        + " WHERE relname IN ('audit_events', 'secret_uses', 'secret_pinned_uses', 'usage_contexts',"
                        + " 'secrets', 'secret_use_days', 'secret_version_days') ORDER BY relname")) {
            while (rs.next()) {
                System.out.printf("  %-20s %,12d rows  table %8s  indexes %8s%n", rs.getString(1), rs.getLong(2),
                        rs.getString(3), rs.getString(4));
            }
        }
    }

    private void measure(int port, String admin, Connection pg) throws Exception {
        int samples = option("samples");
        Random random = new Random(42);
        int secrets = option("secrets");
        Map<String, java.util.function.Supplier<String>> cases = new LinkedHashMap<>();
        for (String window : List.of("1h", "1d", "7d", "30d")) {
            cases.put("usage hottest secret, window " + window,
                    () -> "/api/v2/admin/secrets/" + path(0) + "/usage?window=" + window);
            cases.put("usage random secret, window " + window,
                    () -> "/api/v2/admin/secrets/" + path(random.nextInt(secrets)) + "/usage?window=" + window);
        }
        cases.put("usage hottest secret, window 30d, limit 1000",
                () -> "/api/v2/admin/secrets/" + path(0) + "/usage?window=30d&limit=1000");
        for (String unused : List.of("1d", "7d", "30d")) {
            cases.put("stale, unused-for " + unused, () -> "/api/v2/admin/usage/stale?unused-for=" + unused);
        }
        for (String window : List.of("1d", "7d", "30d")) {
            cases.put("old-versions, window " + window, () -> "/api/v2/admin/usage/old-versions?window=" + window);
        }
        settleChainer(port, admin, pg);
        Map<String, long[]> before = scans(pg);
        System.out.println("load average before the timed requests " + loadAverage());
        System.out.printf("%-46s %6s %9s %9s %9s %9s  %s%n", "case", "n", "p50 ms", "p95 ms", "p99 ms", "max ms",
                "answer (last)");
        try (MiniHttp http = new MiniHttp("127.0.0.1", port)) {
            for (Map.Entry<String, java.util.function.Supplier<String>> c : cases.entrySet()) {
                for (int i = 0; i < Math.max(5, samples / 10); i++) {
                    expect(http.get(c.getValue().get(), admin), 200, c.getKey());
                }
                Histogram h = new Histogram(3_600_000_000L, 3);
                String last = "";
                for (int i = 0; i < samples; i++) {
                    String uri = c.getValue().get();
                    long t = System.nanoTime();
                    MiniHttp.Response r = http.get(uri, admin);
                    h.recordValue((System.nanoTime() - t) / 1000);
                    expect(r, 200, uri);
                    last = r.body();
                }
                System.out.printf("%-46s %6d %9.1f %9.1f %9.1f %9.1f  %s%n", c.getKey(), h.getTotalCount(),
                        h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(95) / 1000.0,
                        h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0, summary(last));
            }
        }
        System.out.println("load average after " + loadAverage());
        Map<String, long[]> after = scans(pg);
        after.forEach((table, a) -> {
            long[] b = before.getOrDefault(table, new long[2]);
            System.out.printf("  scans of %-20s during the timed requests: sequential %d, index %d%n", table,
                    a[0] - b[0], a[1] - b[1]);
        });
    }

    /**
     * Gets the broker's audit chainer out of the way of the timed requests. Started on the seeded database, whose events
     * are all linked, it finds nothing to link, so its floor stays below the first event and every run walks all 10
     * million events again (an 8-second anti-join, over and over, measured 2026-12-03). One audited write (a secret
     * no view lists: created now, it is too young for the stale view) gives it an event to link, which moves its floor
     * to the top; its next one-minute search still walks everything once from the old floor, so the timed requests
     * start 75 s after the write.
     */
    private static void settleChainer(int port, String admin, Connection pg) throws Exception {
        long t0 = System.nanoTime();
        try (MiniHttp http = new MiniHttp("127.0.0.1", port)) {
            expect(http.put("/api/v2/admin/secrets/bench/chainer-" + System.currentTimeMillis(), "application/json",
                    "{\"value\": \"nudge\"}", admin), 201, "chainer nudge");
        }
        long deadline = t0 + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            try (Statement s = pg.createStatement(); ResultSet rs = s.executeQuery("SELECT (SELECT max(seq) FROM"
                    + " audit_links) >= (SELECT max(seq) FROM audit_events)")) {
                rs.next();
                if (rs.getBoolean(1)) {
                    break;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the chainer did not link the nudge event within 120 s");
            }
            Thread.sleep(200);
        }
        long settle = t0 + TimeUnit.SECONDS.toNanos(75) - System.nanoTime();
        if (settle > 0) {
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(settle));
        }
        System.out.printf("chainer settled (nudge event linked) after %.0f s%n", (System.nanoTime() - t0) / 1e9);
    }

    /** How big the answer was: the entries of its page and whether there is a next page. */
    private static String summary(String body) {
        int entries = body.split("\"context_id\"|\"never_leased\"", -1).length - 1;
        return entries + " entries" + (body.contains("\"next\":null") ? "" : ", more pages");
    }

    private static Map<String, long[]> scans(Connection c) throws Exception {
        Map<String, long[]> m = new LinkedHashMap<>();
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_stat_clear_snapshot()");
            try (ResultSet rs = s.executeQuery("SELECT relname, seq_scan, coalesce(idx_scan, 0) FROM"
                    + " pg_stat_user_tables WHERE relname IN ('secret_uses', 'secret_pinned_uses', 'secrets',"
                    + " 'usage_contexts', 'secret_use_days', 'secret_version_days') ORDER BY relname")) {
                while (rs.next()) {
                    m.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3)});
                }
            }
        }
        return m;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** The broker under test, a separate JVM on a free port. */
    private static final class Broker {
        final Process process;
        final int port;

        private Broker(Process process, int port) {
            this.process = process;
            this.port = port;
        }

        /**
         * Started up to six times: on a loaded machine the broker's start-up can miss its 3 s connection-pool
         * acquire deadline and exit, which says nothing about the views.
         */
        static Broker start(String jar, Path config, String url, String admin, String masterKey, Path work)
                throws Exception {
            for (int attempt = 1; ; attempt++) {
                try {
                    return startOnce(jar, config, url, admin, masterKey, work);
                } catch (IllegalStateException e) {
                    if (attempt == 6) {
                        throw e;
                    }
                    System.out.println("broker start " + attempt + " failed (" + e.getMessage() + "); again");
                }
            }
        }

        private static Broker startOnce(String jar, Path config, String url, String admin, String masterKey,
                Path work) throws Exception {
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Path log = work.resolve("broker-" + port + ".log");
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "-Xmx512m"));
            Path cds = Path.of(jar).resolveSibling("cds");
            if (Files.isRegularFile(cds.resolve("segura-broker.jsa"))) {
                // the README's fast start (the package phase's class-data-sharing layout): less start-up CPU
                cmd.addAll(List.of("-XX:SharedArchiveFile=" + cds.resolve("segura-broker.jsa"), "-Xshare:auto",
                        "-jar", cds.resolve("segura-broker.jar").toString()));
            } else {
                cmd.addAll(List.of("-jar", jar));
            }
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("SEGURA_CONFIG", config.toAbsolutePath().toString());
            pb.environment().put("SEGURA_DATABASE_URL", url);
            pb.environment().put("SEGURA_MASTER_KEY", masterKey);
            pb.environment().put("SEGURA_ADMIN_TOKEN", admin);
            pb.environment().put("SERVER_PORT", Integer.toString(port));
            Process p = pb.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (true) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("broker exited with " + p.exitValue() + "; see " + log);
                }
                try (MiniHttp http = new MiniHttp("127.0.0.1", port)) {
                    MiniHttp.Response r = http.get("/actuator/health", null);
                    if (r.status() == 200 && r.body().contains("\"UP\"")) {
                        return new Broker(p, port);
                    }
                } catch (IOException notYet) {
                    // not listening yet
                }
                if (System.nanoTime() > deadline) {
                    p.destroyForcibly();
                    throw new IllegalStateException("broker not healthy after 120 s; see " + log);
                }
                Thread.sleep(50);
            }
        }

        /** The secrets' audit events are linked before the broker stops: the seed appends after them. */
        void awaitChained(String admin) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            try (MiniHttp http = new MiniHttp("127.0.0.1", port)) {
                while (true) {
                    MiniHttp.Response r = http.get("/api/v2/admin/audit/verify", admin);
                    if (r.status() == 200 && r.body().contains("\"pending_unchained\":0")) {
                        return;
                    }
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("audit chain not caught up after 120 s: " + r.body());
                    }
                    Thread.sleep(200);
                }
            }
        }

        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}
