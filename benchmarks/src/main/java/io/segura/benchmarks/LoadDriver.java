// SPDX-License-Identifier: Apache-2.0
package io.segura.benchmarks;

import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.postgres.TestDatabase;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * The broker load driver of issue 2: broker (a separate JVM running {@code broker/target/segura-broker.jar}),
 * PostgreSQL and this driver on one machine, {@code --clients} (32) closed-loop clients on loopback.
 *
 * <p>Order of work: start an OIDC issuer simulator in-process; create a fresh PostgreSQL database; write a trust
 * config (the simulator as issuer, role {@code ci} bound to {@code repository_id} 74 and {@code ref}, secrets
 * {@code bench/*}); pre-mint the warm-up tokens; start the broker and time process start → {@code /actuator/health}
 * UP; seed three secrets through the admin API. Then per scenario: warm up (bounded by tokens and time); pre-mint
 * the measured run's RS256 tokens (unique jti each; as many as the warm-up rate says the run can use, with
 * head-room); measure for a fixed time (or until the minted tokens run out — the run is bounded in count and time)
 * and report requests, errors by status, throughput, latency percentiles (HdrHistogram, µs), CPU of broker /
 * driver / PostgreSQL from {@code /proc}, heap allocated per request, broker RSS, and what PostgreSQL backends were
 * waiting on. At the end the broker is stopped and the database dropped.
 *
 * <p>Scenarios: {@code exchange} — {@code POST /oauth2/token}; {@code flow} — the full CI job: exchange,
 * {@code POST /api/v2/a2a/leases} with the three secrets, {@code POST /oauth2/revoke}. Clients are closed-loop (each
 * sends its next request when the previous answered), so latencies are service times under 32 concurrent
 * requests, not latencies at a fixed offered rate.
 *
 * <pre>{@code
 * ./mvnw -q -B install -DskipTests
 * java -Xmx1g -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" \
 *     io.segura.benchmarks.LoadDriver --scenario both --seconds 30
 * }</pre>
 *
 * <p>{@code --scenario startup --repeat 5 --launch cds} times the README's fast start instead of {@code java -jar}:
 * the class-data-sharing layout the broker's {@code package} phase writes to {@code broker/target/cds/}, with
 * {@code -Xshare:on} so that an unusable archive fails the run instead of timing the slow path. {@code --launch aot}
 * (the driver itself on Java 25 or later, whose JVM the broker runs on) first makes a training run of the same
 * layout against the benchmark's database ({@code -Dsegura.training-run=true -XX:AOTCacheOutput=…}, the README's
 * production recipe) and then starts with that AOT cache ({@code -XX:AOTMode=on}: an unusable cache fails the run).
 */
public final class LoadDriver {

    private static final String AUDIENCE = "https://segura.bench";
    private static final String EXCHANGE_FORM_PREFIX = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3A"
            + "token-exchange&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Ajwt&scope=role%3Aci"
            + "&subject_token=";
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final List<String> SECRETS = List.of("bench/db/password", "bench/api/key", "bench/deploy/token");
    private static final String LEASE_BODY = "{\"secrets\": [\"bench/db/password\", \"bench/api/key\", "
            + "\"bench/deploy/token\"], \"ttl\": \"5m\"}";

    private static final int MINT_THREADS = 8;

    private final Options options;
    private final PrintStream out;
    private int minted;

    private LoadDriver(Options options, PrintStream out) {
        this.options = Objects.requireNonNull(options, "options cannot be null");
        this.out = Objects.requireNonNull(out, "out cannot be null");
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        if (options == null) {
            return;
        }
        new LoadDriver(options, System.out).run();
    }

    private void run() throws Exception {
        out.printf("segura load driver — %s, scenario %s, %d clients, warm-up up to %d s, %d s measured%n",
                Instant.now(), options.scenario, options.clients, options.warmupSeconds, options.seconds);
        Path work = Files.createDirectories(Path.of(options.workDir));
        try (IssuerSimulator issuer = IssuerSimulator.builder().tokenLifetime(Duration.ofMinutes(30)).start()) {
            // each variant on a fresh database, so both start from the same state (and the same master key's rows)
            for (int round = 1; round <= options.rounds; round++) {
                if (options.rounds > 1) {
                    out.printf("%n######## round %d of %d ########%n", round, options.rounds);
                }
                for (int webhookBatch : options.exportVariants()) {
                    for (String anomaly : options.anomalyVariants()) {
                        try (TestDatabase db = TestDatabase.create("loadtest");
                                ExportReceivers receivers = webhookBatch > 0 ? new ExportReceivers() : null) {
                            runVariant(issuer, db, work, receivers, webhookBatch, anomaly.equals("on"));
                        }
                        String variant = (webhookBatch == 0 ? "no sinks" : "sinks, webhook batch_size " + webhookBatch)
                                + (options.anomaly.equals("both") ? ", anomaly " + anomaly : "");
                        lastRates.forEach((scenario, rate) -> rates.computeIfAbsent(scenario + ", " + variant,
                                k -> new ArrayList<>()).add(rate));
                        lastRates.clear();
                    }
                }
            }
        }
        out.println("database dropped");
        if (options.rounds > 1) {
            summary();
        }
    }

    /**
     * One broker start and its scenarios; with {@code receivers}, a syslog sink and a webhook subscription pointing at
     * them are enabled, the webhook taking {@code webhookBatch} events per POST (issue 18's benchmark: exchange
     * throughput with healthy sinks against none, in one run).
     */
    private void runVariant(IssuerSimulator issuer, TestDatabase db, Path work, ExportReceivers receivers,
            int webhookBatch, boolean anomaly) throws Exception {
        if (options.exports.equals("both")) {
            out.printf("%n==== exports %s ====%n", receivers == null ? "off (no sinks)"
                    : "on (a syslog TCP sink in CEF and a webhook, both healthy; webhook batch_size " + webhookBatch
                            + (webhookBatch == 1 ? ": a POST per event" : "") + ")");
        }
        if (options.anomaly.equals("both")) {
            out.printf("%n==== anomaly detection %s ====%n", anomaly ? "on (anomaly: {}, every rule's default)"
                    : "off");
        }
        Path config = work.resolve("trust.yaml");
        Files.writeString(config, trustConfig(issuer.issuer()) + (receivers == null ? "" : "exports:\n"
                + "  syslog:\n"
                + "    - name: bench\n"
                + "      url: tcp://127.0.0.1:" + receivers.syslogPort() + "\n"
                + "      format: cef\n")
                // issue 18's detection reads the outbox off the request path; this measures what that costs the
                // exchanges on the same cores
                + (anomaly ? "anomaly: {}\n" : ""));
        long mintStart = System.nanoTime();
        Map<String, List<String>> warmTokens = new LinkedHashMap<>();
        for (String scenario : List.of("exchange", "flow")) {
            if (options.runs(scenario)) {
                warmTokens.put(scenario, mint(issuer, options.warmupTokens));
            }
        }
        out.printf("pre-minted %d warm-up RS256 tokens (unique jti) in %.1f s%n",
                warmTokens.values().stream().mapToInt(List::size).sum(), (System.nanoTime() - mintStart) / 1e9);

        if (options.launch.equals("aot")) {
            BrokerProcess.train(options, config, db.r2dbcUrl(), work);
        }
        if (options.scenario.equals("startup")) {
            startups(config, db);
            return;
        }
        String adminToken = randomBase64Url(32);
        List<BrokerProcess> brokers = new ArrayList<>();
        io.segura.testkit.net.HaProxy proxy = null;
        try {
            int replicas = Math.max(1, options.replicas);
            Map<String, java.net.URI> backends = new LinkedHashMap<>();
            // one after the other: the first migrates the database
            for (int i = 0; i < replicas; i++) {
                int brokerPort = freePort();
                Path log = work.resolve(replicas == 1 ? "broker.log" : "broker-r" + (i + 1) + ".log");
                BrokerProcess broker = BrokerProcess.start(options, config, db.r2dbcUrl(), adminToken, brokerPort,
                        log);
                brokers.add(broker);
                backends.put("r" + (i + 1), java.net.URI.create("http://127.0.0.1:" + brokerPort));
                out.printf("broker pid %d: health UP %.2f s after process start, %.2f CPU s (%s)%n", broker.pid(),
                        broker.startupNanos() / 1e9, broker.startupCpuSeconds(), broker.startedLine());
            }
            int port;
            if (options.replicas > 0) {
                proxy = io.segura.testkit.net.HaProxy.start(backends);
                port = proxy.url().getPort();
                out.printf("%d replica(s) behind HAProxy pid %d on port %d (the README's configuration: a new"
                        + " connection to a replica per request); they share the machine's %d cores%n", replicas,
                        proxy.pid(), port, Runtime.getRuntime().availableProcessors());
            } else {
                port = backends.get("r1").getPort();
            }
            Targets targets = new Targets(brokers.stream().mapToLong(BrokerProcess::pid).toArray(),
                    backends.values().stream().mapToInt(java.net.URI::getPort).toArray(), port,
                    proxy == null ? -1 : proxy.pid());
            seed(port, adminToken);
            if (receivers != null) {
                try (MiniHttp http = new MiniHttp("127.0.0.1", port)) {
                    MiniHttp.Response r = http.post("/api/v2/a2a/webhooks", "application/json",
                            "{\"url\": \"" + receivers.webhookUrl() + "\", \"batch_size\": " + webhookBatch + "}",
                            adminToken);
                    if (r.status() != 201) {
                        throw new IllegalStateException("registering the webhook answered " + r.status());
                    }
                }
            }
            try (Connection pg = db.connect()) {
                for (var e : warmTokens.entrySet()) {
                    runScenario(e.getKey(), e.getValue(), issuer, targets, pg);
                    if (anomaly) {
                        detectorLag(pg);
                    }
                    if (receivers != null) {
                        out.printf("exports so far: %d syslog frames, %d webhook events received in %d POSTs%n",
                                receivers.frames.sum(), receivers.webhookEvents.sum(), receivers.posts.sum());
                    }
                }
            }
            for (BrokerProcess broker : brokers) {
                long[] rss = ProcStats.rssKib(broker.pid());
                out.printf("broker pid %d RSS at the end: VmHWM (peak) %d MiB, VmRSS %d MiB%n", broker.pid(),
                        rss[0] / 1024, rss[1] / 1024);
            }
        } finally {
            if (proxy != null) {
                proxy.close();
            }
            for (BrokerProcess broker : brokers) {
                broker.stop();
            }
            out.printf("broker(s) stopped (logs in %s)%n", work);
        }
    }

    /**
     * With anomaly detection on: how far the detector's cursor is behind the audit chain's head when the load stops,
     * and how long it then takes to reach that head. The detector reads the outbox off the request path, so a detector
     * slower than the event rate does not slow the exchanges: it falls behind, and its hits come late.
     */
    private void detectorLag(Connection pg) throws java.sql.SQLException, InterruptedException {
        long head = chainPos(pg, "audit_chain_head");
        long cursor = chainPos(pg, "anomaly_cursor");
        long start = System.nanoTime();
        long at = cursor;
        while (at < head && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(120)) {
            Thread.sleep(50);
            at = chainPos(pg, "anomaly_cursor");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (at >= head) {
            out.printf("anomaly detector when the load stopped: %d events behind the chain head (%d); caught up in "
                    + "%.1f s%s%n", head - cursor, head, seconds, head > cursor
                            ? String.format(" (%.0f events/s once the load stopped)", (head - cursor) / seconds) : "");
        } else {
            out.printf("anomaly detector when the load stopped: %d events behind the chain head (%d); still %d behind "
                    + "after %.0f s%n", head - cursor, head, head - at, seconds);
        }
    }

    private static long chainPos(Connection pg, String table) throws java.sql.SQLException {
        try (Statement st = pg.createStatement();
                ResultSet rs = st.executeQuery("SELECT chain_pos FROM " + table + " WHERE id = 1")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /**
     * What the clients load: the broker processes (their pids for CPU, their own ports for their metrics), the port
     * the clients use (a broker's, or HAProxy's), and HAProxy's pid (-1 without).
     */
    record Targets(long[] pids, int[] brokerPorts, int port, long proxyPid) {
    }

    /** Start-up only: {@code --repeat} broker starts on one database (the first one also migrates it). */
    private void startups(Path config, TestDatabase db) throws Exception {
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < options.repeat; i++) {
            BrokerProcess broker = BrokerProcess.start(options, config, db.r2dbcUrl(), randomBase64Url(32), freePort(),
                    Path.of(options.workDir, "broker.log"));
            long[] rss = ProcStats.rssKib(broker.pid());
            broker.stop();
            times.add(broker.startupNanos() / 1e9);
            out.printf("start %d%s: health UP %.2f s after process start, %.2f CPU s (%s), RSS %d MiB%n", i + 1,
                    i == 0 && !options.launch.equals("aot") ? " (migrates the empty database)" : "",
                    broker.startupNanos() / 1e9,
                    broker.startupCpuSeconds(), broker.startedLine(), rss[1] / 1024);
        }
        List<Double> later = times.subList(Math.min(1, times.size()), times.size()).stream().sorted().toList();
        if (!later.isEmpty()) {
            out.printf("median of the starts on a migrated database: %.2f s%n", later.get(later.size() / 2));
        }
        db.drop();
    }

    private String trustConfig(String issuerUrl) {
        return "issuers:\n"
                + "  - name: bench\n"
                + "    issuer: " + issuerUrl + "\n"
                + "    audiences: [\"" + AUDIENCE + "\"]\n"
                + "    algorithms: [RS256]\n"
                + "    max-token-lifetime: 2h\n"
                + "    replay-protection: " + options.replayProtection + "\n"
                + "roles:\n"
                + "  - name: ci\n"
                + "    issuers: [bench]\n"
                + "    bound-claims:\n"
                + "      repository_id: \"74\"\n"
                + "      ref: refs/heads/main\n"
                + "    secrets: [\"bench/*\"]\n"
                + "    session-ttl: 10m\n"
                + "    max-lease-ttl: 30m\n";
    }

    /**
     * Signs {@code count} tokens on {@link #MINT_THREADS} threads (more than the cores: on a machine shared with
     * other work, more runnable threads get a larger share of it, and nothing is measured while minting).
     */
    private List<String> mint(IssuerSimulator issuer, int count) throws InterruptedException {
        String[] tokens = new String[count];
        AtomicInteger next = new AtomicInteger();
        int base = minted;
        minted += count;
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < MINT_THREADS; t++) {
            Thread thread = new Thread(() -> {
                for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                    int n = base + i;
                    // A few hundred distinct subjects, as from a few hundred pipelines of one repository family.
                    tokens[i] = issuer.mint(Map.of(
                            "sub", "repo:acme/app-" + (n % 256) + ":ref:refs/heads/main",
                            "aud", AUDIENCE,
                            "repository_id", "74",
                            "ref", "refs/heads/main",
                            "run_id", Integer.toString(n)));
                }
            }, "mint-" + t);
            thread.start();
            threads.add(thread);
        }
        for (Thread t : threads) {
            t.join();
        }
        return List.of(tokens);
    }

    private void seed(int port, String adminToken) throws IOException {
        try (MiniHttp http = new MiniHttp("127.0.0.1", port)) {
            for (String path : SECRETS) {
                MiniHttp.Response r = http.put("/api/v2/admin/secrets/" + path, "application/json",
                        "{\"value\": \"" + randomBase64Url(24) + "\"}", adminToken);
                if (r.status() != 201) {
                    throw new IllegalStateException("seeding " + path + " answered " + r.status() + ": " + r.body());
                }
            }
        }
        out.printf("seeded %d secrets through the admin API%n", SECRETS.size());
    }

    /** Slices of the warm-up: the JIT's activity is judged over each. */
    private static final int WARM_SLICE_SECONDS = 10;
    /** Below this many cores of JIT compiler threads over a slice, the hot path counts as compiled. */
    private static final double JIT_SETTLED_CORES = 0.05;

    /**
     * Warms the broker up until its JIT compilers have settled: C2 still compiling during the measured run took
     * 0.2-0.4 of the two cores after a fixed 60 s warm-up (and cut throughput by a fifth). Runs slices of
     * {@value #WARM_SLICE_SECONDS} s until one in which the compiler threads used under {@value #JIT_SETTLED_CORES}
     * cores (at least three slices), the time limit or the tokens run out; says which. Returns the last slice's rate,
     * which sizes the measured run's token supply.
     */
    private double warmUp(String scenario, List<String> warmTokens, Targets targets)
            throws InterruptedException {
        int port = targets.port();
        AtomicInteger next = new AtomicInteger();
        long iterations = 0;
        double seconds = 0;
        double lastRate = 0;
        double jitCores = Double.NaN;
        Map<String, Long> errors = new TreeMap<>();
        String stop = "time limit of " + options.warmupSeconds + " s";
        for (int slice = 1; seconds < options.warmupSeconds; slice++) {
            ProcStats.Snapshot before = ProcStats.Snapshot.take(targets.pids());
            Phase phase = new Phase(scenario, warmTokens, next, port, options.clients,
                    (int) Math.min(WARM_SLICE_SECONDS, Math.ceil(options.warmupSeconds - seconds)));
            phase.run();
            ProcStats.Snapshot after = ProcStats.Snapshot.take(targets.pids());
            iterations += phase.iterations();
            seconds += phase.elapsedSeconds();
            lastRate = phase.iterations() / phase.elapsedSeconds();
            phase.errors().forEach((k, v) -> errors.merge(k, v, Long::sum));
            long jitTicks = (after.broker() - before.broker()) - (after.workTicks() - before.workTicks());
            jitCores = jitTicks / (double) ProcStats.TICKS_PER_SECOND / phase.elapsedSeconds();
            if (phase.exhausted()) {
                stop = "the " + warmTokens.size() + " warm-up tokens ran out (raise --warmup-tokens)";
                break;
            }
            if (slice >= 3 && jitCores < JIT_SETTLED_CORES) {
                stop = "JIT compilers settled";
                break;
            }
        }
        out.printf("warm-up: %d iterations in %.1f s, stopped: %s; last %d s slice at %.0f/s with the JIT "
                + "compilers at %.2f cores, errors %s%n", iterations, seconds, stop, WARM_SLICE_SECONDS, lastRate,
                jitCores, errors);
        return lastRate;
    }

    /** The measured rate of each scenario of the variant that just ran. */
    private final Map<String, Double> lastRates = new LinkedHashMap<>();
    /** Every round's measured rate, by scenario and variant, in the order they first ran. */
    private final Map<String, List<Double>> rates = new LinkedHashMap<>();

    /**
     * With {@code --rounds}: each variant's rates and median, and each median against the first variant's of the same
     * scenario (no sinks, or no detection). Rounds interleave the variants, so a machine whose speed drifts over the
     * run (this one's does, by tens of percent) moves every variant alike; a single A/B cannot tell that from a cost.
     */
    private void summary() {
        out.printf("%n==== summary over %d rounds (ops/s per measured run; the variants alternate) ====%n",
                options.rounds);
        Map<String, Double> baseline = new LinkedHashMap<>();
        for (var e : rates.entrySet()) {
            List<Double> sorted = e.getValue().stream().sorted().toList();
            int n = sorted.size();
            double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
            String scenario = e.getKey().substring(0, e.getKey().indexOf(','));
            Double base = baseline.putIfAbsent(scenario, median);
            out.printf("%-52s %s  median %.0f%s%n", e.getKey(), e.getValue().stream()
                            .map(r -> String.format("%.0f", r)).toList(), median,
                    base == null ? "" : String.format("  (%+.1f %% against the first variant's median)",
                            100 * (median / base - 1)));
        }
    }

    private void runScenario(String scenario, List<String> warmTokens, IssuerSimulator issuer, Targets targets,
            Connection pg) throws Exception {
        out.printf("%n== scenario %s ==%n", scenario);
        int port = targets.port();
        long firstPid = targets.pids()[0];
        double warmRate = warmUp(scenario, warmTokens, targets);

        // Signing RS256 costs the driver ~1-3 ms a token on this machine, so the measured run's supply is sized from
        // the warm-up rate (with head-room) instead of minting for a rate the broker may be far from.
        int count = options.tokens > 0 ? options.tokens
                : (int) Math.min((long) options.maxRate * options.seconds,
                        (long) Math.ceil(warmRate * options.headroom * options.seconds) + 1000);
        long mintStart = System.nanoTime();
        List<String> tokens = mint(issuer, count);
        out.printf("pre-minted %d RS256 tokens (unique jti) for the measured run in %.1f s%n", tokens.size(),
                (System.nanoTime() - mintStart) / 1e9);
        AtomicInteger next = new AtomicInteger();

        if (options.jfrDir != null) {
            jcmd(firstPid, "JFR.start", "name=" + scenario, "settings=" + options.jfrSettings,
                    "filename=" + Path.of(options.jfrDir, scenario + ".jfr").toAbsolutePath());
        }
        double allocBefore = allocatedBytes(targets.brokerPorts());
        long[] pgBefore = pgCounters(pg);
        long proxyBefore = targets.proxyPid() < 0 ? 0 : ProcStats.cpuTicks(targets.proxyPid());
        ProcStats.Snapshot before = ProcStats.Snapshot.take(targets.pids());
        WaitSampler sampler = new WaitSampler(pg);
        Thread samplerThread = new Thread(sampler, "pg-wait-sampler");
        samplerThread.setDaemon(true);
        samplerThread.start();
        Phase measured = new Phase(scenario, tokens, next, port, options.clients, options.seconds);
        measured.run();
        sampler.stop();
        samplerThread.join();
        ProcStats.Snapshot after = ProcStats.Snapshot.take(targets.pids());
        long proxyAfter = targets.proxyPid() < 0 ? 0 : ProcStats.cpuTicks(targets.proxyPid());
        long[] pgAfter = pgCounters(pg);
        long[] rss = ProcStats.rssKib(firstPid);
        double allocAfter = allocatedBytes(targets.brokerPorts());
        if (options.jfrDir != null) {
            jcmd(firstPid, "JFR.stop", "name=" + scenario);
            out.printf("JFR recording of the measured run: %s%n", Path.of(options.jfrDir, scenario + ".jfr"));
        }

        double secs = measured.elapsedSeconds();
        out.printf("measured: %.1f s%s%n", secs, measured.exhausted()
                ? " — STOPPED EARLY: the pre-minted tokens ran out (raise --tokens / --max-rate)" : "");
        out.printf("%s: %d iterations, %.0f/s, errors %s%n", scenario, measured.iterations(),
                measured.iterations() / secs, measured.errors());
        lastRates.put(scenario, measured.iterations() / secs);
        out.println("latency µs       count     p50     p90     p99   p99.9     max    mean");
        for (var e : measured.histograms().entrySet()) {
            Histogram h = e.getValue();
            out.printf("%-14s %7d %7d %7d %7d %7d %7d %7.0f%n", e.getKey(), h.getTotalCount(),
                    h.getValueAtPercentile(50), h.getValueAtPercentile(90), h.getValueAtPercentile(99),
                    h.getValueAtPercentile(99.9), h.getMaxValue(), h.getMean());
        }
        after.describeSince(before).forEach(out::println);
        long n = Math.max(1, measured.iterations());
        out.printf("cpu per %s: broker %.2f ms, postgres %.2f ms, driver %.2f ms%n", scenario,
                (after.broker() - before.broker()) * 1000.0 / ProcStats.TICKS_PER_SECOND / n,
                (after.postgres() - before.postgres()) * 1000.0 / ProcStats.TICKS_PER_SECOND / n,
                (after.driver() - before.driver()) * 1000.0 / ProcStats.TICKS_PER_SECOND / n);
        if (targets.proxyPid() >= 0) {
            out.printf("cpu per %s of HAProxy: %.2f ms; brokers: %d replica(s) together%n", scenario,
                    (proxyAfter - proxyBefore) * 1000.0 / ProcStats.TICKS_PER_SECOND / n, targets.pids().length);
        }
        out.printf("cpu per %s of broker threads other than the JIT compilers: %.2f ms; postgres commits per %s: %.1f%n",
                scenario, (after.workTicks() - before.workTicks()) * 1000.0 / ProcStats.TICKS_PER_SECOND / n, scenario,
                (pgAfter[0] - pgBefore[0]) / (double) n);
        out.printf("broker heap allocation per %s: %.0f KiB (jvm_gc_memory_allocated_bytes_total)%n", scenario,
                (allocAfter - allocBefore) / 1024 / n);
        out.printf("broker RSS: VmHWM (peak since start) %d MiB, VmRSS now %d MiB%n", rss[0] / 1024, rss[1] / 1024);
        out.printf("postgres (this database): %d commits (%.0f/s), %d rollbacks; server-wide WAL syncs %d (%.0f/s), "
                        + "WAL records %d%n", pgAfter[0] - pgBefore[0], (pgAfter[0] - pgBefore[0]) / secs,
                pgAfter[1] - pgBefore[1], pgAfter[2] - pgBefore[2], (pgAfter[2] - pgBefore[2]) / secs,
                pgAfter[3] - pgBefore[3]);
        out.println("postgres backends of this database, sampled every " + WaitSampler.SAMPLE_MILLIS
                + " ms (state:wait_event → share): "
                + sampler.describe());
    }

    /** The broker's own count of bytes allocated on the heap (Micrometer, from GC events); a contention-proof cost. */
    private static double allocatedBytes(int... ports) throws IOException {
        double sum = 0;
        for (int port : ports) {
            double one = Double.NaN;
            try (MiniHttp http = new MiniHttp("127.0.0.1", port)) {
                for (String line : http.get("/actuator/prometheus", null).body().split("\n")) {
                    if (line.startsWith("jvm_gc_memory_allocated_bytes_total")) {
                        one = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    }
                }
            }
            sum += one;
        }
        return sum;
    }

    private void jcmd(long pid, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
        cmd.add(Long.toString(pid));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + output);
        }
    }

    /** {xact_commit, xact_rollback} of this database, then server-wide {wal_sync, wal_records}. */
    private static long[] pgCounters(Connection pg) throws Exception {
        long[] r = new long[4];
        try (Statement s = pg.createStatement()) {
            s.execute("SELECT pg_stat_clear_snapshot()");
            try (ResultSet rs = s.executeQuery("SELECT xact_commit, xact_rollback FROM pg_stat_database "
                    + "WHERE datname = current_database()")) {
                rs.next();
                r[0] = rs.getLong(1);
                r[1] = rs.getLong(2);
            }
            try (ResultSet rs = s.executeQuery("SELECT wal_sync, wal_records FROM pg_stat_wal")) {
                rs.next();
                r[2] = rs.getLong(1);
                r[3] = rs.getLong(2);
            }
        }
        return r;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static String randomBase64Url(int bytes) {
        byte[] b = new byte[bytes];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** One timed run of a scenario by {@code clients} threads. */
    private static final class Phase {
        private final String scenario;
        private final List<String> tokens;
        private final AtomicInteger next;
        private final int port;
        private final int clients;
        private final long durationNanos;
        private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
        private final LongAdder iterations = new LongAdder();
        private final Map<String, Histogram> histograms = new LinkedHashMap<>();
        private volatile boolean exhausted;
        private long elapsedNanos;

        Phase(String scenario, List<String> tokens, AtomicInteger next, int port, int clients, int seconds) {
            this.scenario = scenario;
            this.tokens = tokens;
            this.next = next;
            this.port = port;
            this.clients = clients;
            this.durationNanos = TimeUnit.SECONDS.toNanos(seconds);
        }

        void run() throws InterruptedException {
            List<Thread> threads = new ArrayList<>();
            List<Map<String, Histogram>> perThread = new ArrayList<>();
            long start = System.nanoTime();
            long deadline = start + durationNanos;
            for (int c = 0; c < clients; c++) {
                Map<String, Histogram> mine = new LinkedHashMap<>();
                perThread.add(mine);
                Thread t = new Thread(() -> client(deadline, mine), "client-" + c);
                t.start();
                threads.add(t);
            }
            for (Thread t : threads) {
                t.join();
            }
            elapsedNanos = System.nanoTime() - start;
            for (Map<String, Histogram> m : perThread) {
                m.forEach((k, h) -> histograms.computeIfAbsent(k, x -> newHistogram()).add(h));
            }
        }

        private void client(long deadline, Map<String, Histogram> hist) {
            Histogram total = hist.computeIfAbsent(scenario, k -> newHistogram());
            Histogram exchange = scenario.equals("flow") ? hist.computeIfAbsent("  exchange", k -> newHistogram())
                    : null;
            Histogram lease = scenario.equals("flow") ? hist.computeIfAbsent("  lease", k -> newHistogram()) : null;
            Histogram revoke = scenario.equals("flow") ? hist.computeIfAbsent("  revoke", k -> newHistogram()) : null;
            try (MiniHttp http = new MiniHttp("127.0.0.1", port)) {
                while (System.nanoTime() < deadline) {
                    int i = next.getAndIncrement();
                    if (i >= tokens.size()) {
                        exhausted = true;
                        return;
                    }
                    long t0 = System.nanoTime();
                    try {
                        MiniHttp.Response ex = http.post("/oauth2/token", FORM, EXCHANGE_FORM_PREFIX + tokens.get(i),
                                null);
                        long t1 = System.nanoTime();
                        if (ex.status() != 200) {
                            error("exchange " + ex.status());
                            continue;
                        }
                        if (exchange == null) {
                            total.recordValue((t1 - t0) / 1000);
                            iterations.increment();
                            continue;
                        }
                        exchange.recordValue((t1 - t0) / 1000);
                        String session = accessToken(ex.body());
                        MiniHttp.Response le = http.post("/api/v2/a2a/leases", "application/json", LEASE_BODY, session);
                        long t2 = System.nanoTime();
                        if (le.status() != 201) {
                            error("lease " + le.status());
                            continue;
                        }
                        lease.recordValue((t2 - t1) / 1000);
                        MiniHttp.Response rv = http.post("/oauth2/revoke", FORM, "token=" + session, null);
                        long t3 = System.nanoTime();
                        if (rv.status() != 200) {
                            error("revoke " + rv.status());
                            continue;
                        }
                        revoke.recordValue((t3 - t2) / 1000);
                        total.recordValue((t3 - t0) / 1000);
                        iterations.increment();
                    } catch (IOException | RuntimeException e) {
                        error(e.getClass().getSimpleName());
                    }
                }
            }
        }

        private void error(String key) {
            errors.computeIfAbsent(key, k -> new LongAdder()).increment();
        }

        private static String accessToken(String json) {
            int at = json.indexOf("\"access_token\"");
            int start = json.indexOf('"', json.indexOf(':', at) + 1) + 1;
            return json.substring(start, json.indexOf('"', start));
        }

        private static Histogram newHistogram() {
            return new Histogram(TimeUnit.MINUTES.toMicros(1), 3);
        }

        long iterations() {
            return iterations.sum();
        }

        Map<String, Long> errors() {
            Map<String, Long> m = new LinkedHashMap<>();
            errors.forEach((k, v) -> m.put(k, v.sum()));
            return m;
        }

        Map<String, Histogram> histograms() {
            return histograms;
        }

        boolean exhausted() {
            return exhausted;
        }

        double elapsedSeconds() {
            return elapsedNanos / 1e9;
        }
    }

    /**
     * Samples {@code pg_stat_activity} for this database: how often the broker's backends were idle (waiting for the
     * broker), running on CPU, or waiting on something (WAL flush at commit shows as {@code IO:WALSync} /
     * {@code LWLock:WALWrite}, locks as {@code Lock:*}).
     */
    private static final class WaitSampler implements Runnable {
        /**
         * Each sample costs PostgreSQL ~0.7 ms (planned every time): every 10 ms, as until session 4, that was
         * ~0.07 cores, a tenth of PostgreSQL's CPU in a flow run, counted as the broker's load (pg_stat_statements).
         */
        static final int SAMPLE_MILLIS = 100;
        private final Connection pg;
        private final Map<String, Long> counts = new ConcurrentHashMap<>();
        private volatile boolean running = true;
        private long samples;

        WaitSampler(Connection pg) {
            this.pg = pg;
        }

        void stop() {
            running = false;
        }

        @Override
        public void run() {
            try (Statement s = pg.createStatement()) {
                while (running) {
                    try (ResultSet rs = s.executeQuery("SELECT state, wait_event_type, wait_event FROM pg_stat_activity "
                            + "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                            + "AND backend_type = 'client backend'")) {
                        while (rs.next()) {
                            String state = rs.getString(1);
                            String type = rs.getString(2);
                            String event = rs.getString(3);
                            String key = state + ":" + (type == null ? "on-cpu" : type + "/" + event);
                            counts.merge(key, 1L, Long::sum);
                            samples++;
                        }
                    }
                    Thread.sleep(SAMPLE_MILLIS);
                }
            } catch (Exception e) {
                counts.merge("sampler failed: " + e.getClass().getSimpleName(), 1L, Long::sum);
            }
        }

        String describe() {
            long total = Math.max(1, samples);
            StringBuilder sb = new StringBuilder();
            counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(8)
                    .forEach(e -> sb.append(e.getKey()).append(' ')
                            .append(String.format("%.0f%%", 100.0 * e.getValue() / total)).append(", "));
            return sb.toString().replaceAll(", $", "");
        }
    }

    /** Command-line options; {@code --help} lists them. */
    static final class Options {
        String scenario = "both";
        int seconds = 30;
        int warmupSeconds = 180;
        int clients = 32;
        int tokens = -1;
        int warmupTokens = 150_000;
        int maxRate = 8000;
        double headroom = 2.5;
        boolean replayProtection = true;
        String brokerJar = "broker/target/segura-broker.jar";
        String launch = "jar";
        String cdsDir = "broker/target/cds";
        String heap = "256m";
        List<String> jvmFlags = new ArrayList<>(List.of("-XX:+UseSerialGC"));
        List<String> extraEnv = new ArrayList<>();
        String workDir = "benchmarks/target/loadtest";
        String jfrDir;
        String jfrSettings = "profile";
        int repeat = 5;
        /** How many times the variants (exports, anomaly) are run in turn; over 1, a summary of medians follows. */
        int rounds = 1;
        String exports = "off";
        /** 0: clients talk to the one broker directly; N ≥ 1: N replicas behind a real HAProxy (testkit). */
        int replicas;
        /** One master key per run: replicas must share it. */
        final String masterKey = Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(32));

        String anomaly = "off";

        List<String> anomalyVariants() {
            return anomaly.equals("both") ? List.of("off", "on") : List.of(anomaly);
        }

        /** The webhook batch sizes to run with sinks, one broker start each. */
        List<Integer> webhookBatches = List.of(1);

        /** One broker start per entry: 0 without sinks, else with sinks and that webhook batch size. */
        List<Integer> exportVariants() {
            List<Integer> variants = new ArrayList<>();
            if (!exports.equals("on")) {
                variants.add(0);
            }
            if (!exports.equals("off")) {
                variants.addAll(webhookBatches);
            }
            return variants;
        }

        boolean runs(String s) {
            return scenario.equals("both") || scenario.equals(s);
        }

        static Options parse(String[] args) {
            Options o = new Options();
            boolean flagsReset = false;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--scenario" -> o.scenario = args[++i];
                    case "--seconds" -> o.seconds = Integer.parseInt(args[++i]);
                    case "--warmup" -> o.warmupSeconds = Integer.parseInt(args[++i]);
                    case "--clients" -> o.clients = Integer.parseInt(args[++i]);
                    case "--tokens" -> o.tokens = Integer.parseInt(args[++i]);
                    case "--max-rate" -> o.maxRate = Integer.parseInt(args[++i]);
                    case "--warmup-tokens" -> o.warmupTokens = Integer.parseInt(args[++i]);
                    case "--headroom" -> o.headroom = Double.parseDouble(args[++i]);
                    case "--replay-protection" -> o.replayProtection = Boolean.parseBoolean(args[++i]);
                    case "--broker-jar" -> o.brokerJar = args[++i];
                    case "--launch" -> o.launch = args[++i];
                    case "--cds-dir" -> o.cdsDir = args[++i];
                    case "--heap" -> o.heap = args[++i];
                    case "--jvm" -> {
                        if (!flagsReset) {
                            o.jvmFlags.clear();
                            flagsReset = true;
                        }
                        o.jvmFlags.add(args[++i]);
                    }
                    case "--env" -> o.extraEnv.add(args[++i]);
                    case "--work-dir" -> o.workDir = args[++i];
                    case "--jfr" -> o.jfrDir = args[++i];
                    case "--jfr-settings" -> o.jfrSettings = args[++i];
                    case "--repeat" -> o.repeat = Integer.parseInt(args[++i]);
                    case "--rounds" -> o.rounds = Integer.parseInt(args[++i]);
                    case "--exports" -> o.exports = args[++i];
                    case "--webhook-batch" -> o.webhookBatches = java.util.Arrays.stream(args[++i].split(","))
                            .map(String::trim).map(Integer::valueOf).toList();
                    case "--replicas" -> o.replicas = Integer.parseInt(args[++i]);
                    case "--anomaly" -> o.anomaly = args[++i];
                    case "--help", "-h" -> {
                        System.out.println("""
                                LoadDriver [options]
                                  --scenario exchange|flow|both|startup   (both); startup: --repeat broker starts
                                  --repeat N           start-ups measured by --scenario startup (5)
                                  --exports off|on|both   on: a syslog TCP sink (CEF) and a webhook, both healthy
                                                       receivers in this JVM; both: a run without, then with (off)
                                  --rounds N           run the variants (--exports, --anomaly) N times in turn,
                                                       then their rates and medians (1)
                                  --webhook-batch N[,M…]  the webhook's batch_size (events per POST); several: one
                                                       run with sinks for each, after the one without (1)
                                  --anomaly off|on|both   on: anomaly detection with every default (anomaly: {});
                                                       both: a run without, then with (off)
                                  --seconds N          measured seconds per scenario (30)
                                  --warmup N           warm-up seconds per scenario, at most (180); ends earlier once the JIT has settled
                                  --clients N          concurrent closed-loop clients (32)
                                  --warmup-tokens N    tokens minted before start-up for each warm-up (150000)
                                  --tokens N           tokens minted for each measured run (default: warm-up rate
                                                       x headroom x seconds + 1000, at most max-rate x seconds)
                                  --headroom X         (2.5)
                                  --max-rate N         (8000)
                                  --replay-protection B   jti single-use store on the issuer (true)
                                  --broker-jar PATH    (broker/target/segura-broker.jar)
                                  --launch jar|cds     jar: java -jar of --broker-jar; cds: the README's fast
                                                       start, -XX:SharedArchiveFile=DIR/segura-broker.jsa -Xshare:on
                                                       -jar DIR/segura-broker.jar, refusing to start without the
                                                       archive (jar)
                                  --launch aot         (driver on Java 25+) a training run of --cds-dir's jar
                                                       against the benchmark database writes WORK-DIR/
                                                       segura-broker.aot, then each start uses it (-XX:AOTMode=on)
                                  --cds-dir DIR        the broker build's CDS layout (broker/target/cds)
                                  --heap SIZE          broker -Xmx (256m)
                                  --jvm FLAG           broker JVM flag, repeatable; replaces the defaults
                                                       (-XX:+UseSerialGC)
                                  --env NAME=VALUE     extra broker environment, repeatable
                                  --replicas N         N brokers on one database behind a real HAProxy
                                                       (the README's configuration); 0: one broker, direct (0)
                                  --work-dir DIR       trust config and broker log (benchmarks/target/loadtest)
                                  --jfr DIR            record each measured run with JFR (jcmd JFR.start/stop,
                                                       settings=profile) into DIR/SCENARIO.jfr
                                  --jfr-settings S     JFR settings: a name (profile) or a .jfc file's absolute
                                                       path, e.g. one sampling every 1 ms for a finer profile""");
                        return null;
                    }
                    default -> throw new IllegalArgumentException("unknown option " + a + " (try --help)");
                }
            }
            if (!List.of("exchange", "flow", "both", "startup").contains(o.scenario)) {
                throw new IllegalArgumentException("--scenario must be exchange, flow, both or startup");
            }
            if (!List.of("off", "on", "both").contains(o.exports)) {
                throw new IllegalArgumentException("--exports must be off, on or both");
            }
            if (o.rounds < 1) {
                throw new IllegalArgumentException("--rounds must be at least 1");
            }
            // 0 stands for "no sinks" in the variants; the upper bound is the broker's to refuse (422)
            if (o.webhookBatches.isEmpty() || o.webhookBatches.stream().anyMatch(b -> b < 1)) {
                throw new IllegalArgumentException("--webhook-batch takes batch sizes of at least 1, comma-separated");
            }
            if (!List.of("off", "on", "both").contains(o.anomaly)) {
                throw new IllegalArgumentException("--anomaly must be off, on or both");
            }
            if (!List.of("jar", "cds", "aot").contains(o.launch)) {
                throw new IllegalArgumentException("--launch must be jar, cds or aot");
            }
            if (o.launch.equals("aot") && Runtime.version().feature() < 25) {
                throw new IllegalArgumentException("--launch aot needs Java 25 or later (AOT cache, JEP 483/514); the"
                        + " broker runs on the driver's JVM, which is Java " + Runtime.version().feature()
                        + ": run the driver with e.g. /usr/lib/jvm/temurin-25-jdk-amd64/bin/java");
            }
            return o;
        }
    }

    /** The broker under test: a separate JVM. */
    static final class BrokerProcess {
        private final Process process;
        private final long startupNanos;
        private final long startupCpuTicks;
        private final String startedLine;

        private BrokerProcess(Process process, long startupNanos, long startupCpuTicks, String startedLine) {
            this.process = process;
            this.startupNanos = startupNanos;
            this.startupCpuTicks = startupCpuTicks;
            this.startedLine = startedLine;
        }

        static BrokerProcess start(Options options, Path config, String databaseUrl, String adminToken, int port,
                Path log) throws Exception {
            List<String> cmd = javaCommand(options);
            if (options.launch.equals("aot")) {
                cmd.add("-XX:AOTCache=" + aotCache(options));
                cmd.add("-XX:AOTMode=on");
                cmd.add("-jar");
                cmd.add(Path.of(options.cdsDir, "segura-broker.jar").toString());
            } else if (options.launch.equals("cds")) {
                // -Xshare:on: a stale or foreign archive stops the broker instead of silently timing the slow path
                cmd.add("-XX:SharedArchiveFile=" + Path.of(options.cdsDir, "segura-broker.jsa"));
                cmd.add("-Xshare:on");
                cmd.add("-jar");
                cmd.add(Path.of(options.cdsDir, "segura-broker.jar").toString());
            } else {
                cmd.add("-jar");
                cmd.add(options.brokerJar);
            }
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            brokerEnvironment(pb.environment(), options, config, databaseUrl, adminToken, port);
            System.out.println("broker (launch " + options.launch + "): " + String.join(" ", cmd));
            long t0 = System.nanoTime();
            Process p = pb.start();
            long deadline = t0 + TimeUnit.SECONDS.toNanos(180);
            while (true) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("broker exited with " + p.exitValue() + "; see " + log);
                }
                try (MiniHttp http = new MiniHttp("127.0.0.1", port)) {
                    MiniHttp.Response r = http.get("/actuator/health", null);
                    if (r.status() == 200 && r.body().contains("\"UP\"")) {
                        break;
                    }
                } catch (IOException notYet) {
                    // not listening yet
                }
                if (System.nanoTime() > deadline) {
                    p.destroyForcibly();
                    throw new IllegalStateException("broker not healthy after 180 s; see " + log);
                }
                Thread.sleep(10);
            }
            long startup = System.nanoTime() - t0;
            long startupCpu = ProcStats.cpuTicks(p.pid());
            String started = Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                    .filter(l -> l.contains("Started SeguraBrokerApplication")).map(l -> l.substring(l.indexOf("Started "))).findFirst()
                    .orElse("no 'Started' line");
            return new BrokerProcess(p, startup, startupCpu, started);
        }

        /**
         * The README's training run for the AOT cache: the broker starts on the benchmark's database, exercises
         * itself and exits; its JVM writes {@link #aotCache}.
         */
        static void train(Options options, Path config, String databaseUrl, Path work) throws Exception {
            List<String> cmd = javaCommand(options);
            cmd.addAll(List.of("-XX:AOTCacheOutput=" + aotCache(options), "-Dsegura.training-run=true", "-jar",
                    Path.of(options.cdsDir, "segura-broker.jar").toString()));
            Path log = work.resolve("training.log");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            brokerEnvironment(pb.environment(), options, config, databaseUrl, randomBase64Url(32), 0);
            System.out.println("training run: " + String.join(" ", cmd));
            long t0 = System.nanoTime();
            Process p = pb.start();
            if (!p.waitFor(180, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("training run still running after 180 s; see " + log);
            }
            if (p.exitValue() != 0 || !Files.isRegularFile(aotCache(options))) {
                throw new IllegalStateException("training run exited with " + p.exitValue() + " and no AOT cache;"
                        + " see " + log);
            }
            System.out.printf("training run: %.1f s, AOT cache %s (%d MiB)%n", (System.nanoTime() - t0) / 1e9,
                    aotCache(options), Files.size(aotCache(options)) >> 20);
        }

        private static Path aotCache(Options options) {
            return Path.of(options.workDir, "segura-broker.aot").toAbsolutePath();
        }

        private static List<String> javaCommand(Options options) {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.add("-Xmx" + options.heap);
            cmd.addAll(options.jvmFlags);
            return cmd;
        }

        private static void brokerEnvironment(Map<String, String> env, Options options, Path config,
                String databaseUrl, String adminToken, int port) {
            env.put("SEGURA_CONFIG", config.toAbsolutePath().toString());
            env.put("SEGURA_DATABASE_URL", databaseUrl);
            env.put("SEGURA_MASTER_KEY", options.masterKey);
            env.put("SEGURA_ADMIN_TOKEN", adminToken);
            env.put("SERVER_PORT", Integer.toString(port));
            // Every client is 127.0.0.1: the per-IP limit (200/s by default, per replica) would measure the limiter.
            env.put("SEGURA_TOKEN_RATE_PER_IP", "1000000");
            env.put("SEGURA_TOKEN_RATE_PER_SUBJECT", "1000000");
            for (String kv : options.extraEnv) {
                int eq = kv.indexOf('=');
                env.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }

        long pid() {
            return process.pid();
        }

        long startupNanos() {
            return startupNanos;
        }

        /** CPU seconds the broker used until healthy: what start-up costs on a machine shared with other work. */
        double startupCpuSeconds() {
            return startupCpuTicks / ProcStats.TICKS_PER_SECOND;
        }

        String startedLine() {
            return startedLine;
        }

        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
