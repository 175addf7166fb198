// SPDX-License-Identifier: Apache-2.0
package io.segura.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU and memory figures read from Linux {@code /proc}: CPU time of a process (utime + stime, in clock ticks), its
 * peak and current resident set, CPU per thread-name group, all PostgreSQL processes together, and the whole
 * machine's busy/idle split (so a run on a machine shared with other work says so).
 */
final class ProcStats {

    /** USER_HZ on every Linux we run on; {@code getconf CLK_TCK}. */
    static final double TICKS_PER_SECOND = 100.0;

    private ProcStats() {
    }

    /** utime + stime of a process in ticks, or -1 when it is gone. */
    static long cpuTicks(long pid) {
        return ticksOf(Path.of("/proc", Long.toString(pid), "stat"));
    }

    private static long ticksOf(Path stat) {
        try {
            String s = Files.readString(stat);
            // Fields after the command name, which is in parentheses and may hold spaces.
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static String commOf(Path stat) {
        try {
            String s = Files.readString(stat);
            return s.substring(s.indexOf('(') + 1, s.lastIndexOf(')'));
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    /** VmHWM and VmRSS in KiB from {@code /proc/PID/status}; {@code {-1, -1}} when unreadable. */
    static long[] rssKib(long pid) {
        long hwm = -1;
        long rss = -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    hwm = Long.parseLong(line.replaceAll("[^0-9]", ""));
                } else if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process ended
        }
        return new long[] {hwm, rss};
    }

    /**
     * CPU ticks per thread group of a process, grouped by thread name with trailing digits removed
     * (e.g. {@code reactor-http-epoll-1} and {@code -2} together).
     */
    static Map<String, Long> threadTicks(long pid) {
        Map<String, Long> out = new TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                Path stat = t.resolve("stat");
                long ticks = ticksOf(stat);
                if (ticks >= 0) {
                    out.merge(commOf(stat).replaceAll("[-#]?[0-9]+$", ""), ticks, Long::sum);
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process ended
        }
        return out;
    }

    /** Ticks of every process whose command is {@code postgres} (server-wide: includes other databases' work). */
    static long postgresTicks() {
        long sum = 0;
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                Path stat = p.resolve("stat");
                if ("postgres".equals(commOf(stat))) {
                    long t = ticksOf(stat);
                    sum += Math.max(0, t);
                }
            }
        } catch (IOException | RuntimeException e) {
            // best effort
        }
        return sum;
    }

    /** Machine-wide {busy, total} ticks from the {@code cpu} line of {@code /proc/stat}. */
    static long[] machineTicks() {
        try {
            String line = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = line.trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return new long[] {total - idle, total};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    /** One point in time of everything above, for differences over a measured interval. */
    record Snapshot(long nanos, long broker, long driver, long postgres, long machineBusy, long machineTotal,
            Map<String, Long> brokerThreads) {

        /** Every broker process of {@code brokerPids} counts as "broker" (replicas together, threads merged). */
        static Snapshot take(long... brokerPids) {
            long[] m = machineTicks();
            long broker = 0;
            Map<String, Long> threads = new TreeMap<>();
            for (long pid : brokerPids) {
                broker += Math.max(0, cpuTicks(pid));
                threadTicks(pid).forEach((k, v) -> threads.merge(k, v, Long::sum));
            }
            return new Snapshot(System.nanoTime(), broker, cpuTicks(ProcessHandle.current().pid()),
                    postgresTicks(), m[0], m[1], threads);
        }

        /** Broker CPU ticks of every thread except the JIT compilers (which are still busy after a short warm-up). */
        long workTicks() {
            return brokerThreads.entrySet().stream().filter(e -> !e.getKey().contains("CompilerThre"))
                    .mapToLong(Map.Entry::getValue).sum();
        }

        /** Lines describing CPU use between {@code start} and this snapshot, in cores (1.0 = one core busy). */
        List<String> describeSince(Snapshot start) {
            double secs = (nanos - start.nanos) / 1e9;
            List<String> lines = new ArrayList<>();
            lines.add(String.format("cpu (cores busy on average over %.1f s): broker %.2f, driver %.2f, "
                            + "postgres (all processes) %.2f, whole machine %.2f of %d",
                    secs, cores(broker - start.broker, secs), cores(driver - start.driver, secs),
                    cores(postgres - start.postgres, secs),
                    (machineTotal - start.machineTotal) == 0 ? 0.0
                            : Runtime.getRuntime().availableProcessors()
                                    * (double) (machineBusy - start.machineBusy) / (machineTotal - start.machineTotal),
                    Runtime.getRuntime().availableProcessors()));
            Map<String, Long> diff = new LinkedHashMap<>();
            brokerThreads.forEach((k, v) -> {
                long d = v - start.brokerThreads.getOrDefault(k, 0L);
                if (d > 0) {
                    diff.put(k, d);
                }
            });
            StringBuilder sb = new StringBuilder("broker threads (cores): ");
            diff.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(8)
                    .forEach(e -> sb.append(e.getKey()).append(' ')
                            .append(String.format("%.2f", cores(e.getValue(), secs))).append(", "));
            lines.add(sb.toString().replaceAll(", $", ""));
            return lines;
        }

        private static double cores(long ticks, double secs) {
            return ticks / TICKS_PER_SECOND / secs;
        }
    }
}
