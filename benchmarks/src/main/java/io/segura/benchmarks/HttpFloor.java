// SPDX-License-Identifier: Apache-2.0
package io.segura.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * The floor under the broker's hot path on this machine: the same 32 clients as {@link LoadDriver}, the same
 * token-exchange form (a 1.2 KB JWT), against servers that answer it without doing anything — Reactor Netty alone,
 * and Spring WebFlux with the broker's actuator and metrics ({@code floor.FloorServers}, run on the broker's own jars
 * from {@code broker/target/cds/lib}). The CPU such a server spends per request is spent by the broker too before it
 * verifies a signature or writes a row, so it bounds what any tuning inside that stack can reach.
 *
 * <pre>
 * ./mvnw -q -B install -DskipTests
 * java -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" io.segura.benchmarks.HttpFloor
 * </pre>
 *
 * Options: {@code --seconds N} measured (20), {@code --warmup N} seconds (15), {@code --clients N} (32),
 * {@code --server netty|webflux|both} (both), {@code --broker-lib DIR} (broker/target/cds/lib).
 */
public final class HttpFloor {

    private static final String FORM = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange"
            + "&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Ajwt&scope=role%3Abench&subject_token=";

    private HttpFloor() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = 20;
        int warmup = 15;
        int clients = 32;
        String servers = "both";
        Path lib = Path.of("broker/target/cds/lib");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--clients" -> clients = Integer.parseInt(args[++i]);
                case "--server" -> servers = args[++i];
                case "--broker-lib" -> lib = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (--seconds N, --warmup N, --clients N, --server netty|webflux|both, --broker-lib DIR)");
            }
        }
        if (!Files.isDirectory(lib)) {
            throw new IllegalArgumentException(lib + " is missing: build the broker first (./mvnw -q -B install "
                    + "-DskipTests, without -Dsegura.cds.skip)");
        }
        PrintStream out = System.out;
        out.printf("segura HTTP floor — %s, %d clients, %d s warm-up, %d s measured, %d cores%n", Instant.now(),
                clients, warmup, seconds, Runtime.getRuntime().availableProcessors());
        for (String server : servers.equals("both") ? List.of("netty", "webflux") : List.of(servers)) {
            measure(server, lib, clients, warmup, seconds, out);
        }
    }

    private static void measure(String server, Path lib, int clients, int warmup, int seconds, PrintStream out)
            throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        String classpath;
        try (Stream<Path> jars = Files.list(lib)) {
            classpath = Path.of("benchmarks/target/classes").toAbsolutePath() + ":" + jars.map(Path::toString)
                    .filter(j -> j.endsWith(".jar")).sorted().collect(Collectors.joining(":"));
        }
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xmx256m", "-cp", classpath, "io.segura.benchmarks.floor.FloorServers", server,
                Integer.toString(port)).redirectErrorStream(true).start();
        try {
            awaitReady(process);
            byte[] token = new byte[1_230];
            java.util.Arrays.fill(token, (byte) 'a');
            String form = FORM + "eyJ" + new String(token, StandardCharsets.US_ASCII);
            Phase warm = Phase.run(port, form, clients, warmup);
            long serverBefore = ProcStats.cpuTicks(process.pid());
            long driverBefore = ProcStats.cpuTicks(ProcessHandle.current().pid());
            Phase measured = Phase.run(port, form, clients, seconds);
            long serverTicks = ProcStats.cpuTicks(process.pid()) - serverBefore;
            long driverTicks = ProcStats.cpuTicks(ProcessHandle.current().pid()) - driverBefore;
            long n = measured.histogram.getTotalCount();
            out.printf("%n== %s ==%n", server);
            out.printf("%s: %d requests (warm-up %d), %.0f/s, errors %d%n", server, n,
                    warm.histogram.getTotalCount(), n / (double) seconds, measured.errors);
            out.printf("latency µs: p50 %d, p99 %d, max %d%n", measured.histogram.getValueAtPercentile(50),
                    measured.histogram.getValueAtPercentile(99), measured.histogram.getMaxValue());
            out.printf("cpu per request: server %.3f ms, driver %.3f ms%n",
                    serverTicks * 1000.0 / ProcStats.TICKS_PER_SECOND / n,
                    driverTicks * 1000.0 / ProcStats.TICKS_PER_SECOND / n);
        } finally {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    private static void awaitReady(Process process) throws IOException {
        BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
        List<String> seen = new ArrayList<>();
        for (String line; (line = lines.readLine()) != null; ) {
            if (line.equals("ready")) {
                Thread drain = new Thread(() -> lines.lines().forEach(ignored -> { }), "floor-server-output");
                drain.setDaemon(true);
                drain.start();
                return;
            }
            seen.add(line);
        }
        throw new IOException("the floor server exited before it was ready:\n" + String.join("\n", seen));
    }

    /** {@code clients} threads posting the form for {@code seconds}, each on its own keep-alive connection. */
    private record Phase(Histogram histogram, long errors) {

        static Phase run(int port, String form, int clients, int seconds) throws InterruptedException {
            AtomicBoolean stop = new AtomicBoolean();
            List<Histogram> histograms = new ArrayList<>();
            List<long[]> errors = new ArrayList<>();
            AtomicReference<Exception> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                Histogram h = new Histogram(TimeUnit.SECONDS.toMicros(30), 3);
                long[] failed = {0};
                histograms.add(h);
                errors.add(failed);
                Thread t = new Thread(() -> {
                    try (MiniHttp http = new MiniHttp("127.0.0.1", port)) {
                        while (!stop.get()) {
                            long start = System.nanoTime();
                            MiniHttp.Response r = http.post("/oauth2/token", "application/x-www-form-urlencoded",
                                    form, null);
                            if (r.status() == 200) {
                                h.recordValue((System.nanoTime() - start) / 1_000);
                            } else {
                                failed[0]++;
                            }
                        }
                    } catch (Exception e) {
                        failure.compareAndSet(null, e);
                    }
                }, "floor-client-" + c);
                threads.add(t);
                t.start();
            }
            Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
            if (failure.get() != null) {
                throw new IllegalStateException("a client failed: " + failure.get(), failure.get());
            }
            Histogram all = new Histogram(TimeUnit.SECONDS.toMicros(30), 3);
            histograms.forEach(all::add);
            return new Phase(all, errors.stream().mapToLong(e -> e[0]).sum());
        }
    }
}
