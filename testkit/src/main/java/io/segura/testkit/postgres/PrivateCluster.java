// SPDX-License-Identifier: Apache-2.0
package io.segura.testkit.postgres;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL cluster of the test's own ({@code initdb} + {@code pg_ctl}, trust authentication, an ephemeral
 * loopback port, data in a temporary directory), for tests that stop or restart the database: the machine's shared
 * server on 5432 serves other suites and must never be restarted. As root, the tools run as the {@code postgres}
 * user (PostgreSQL refuses to run as root).
 */
public final class PrivateCluster implements AutoCloseable {

    private final Path bin;
    private final Path dir;
    private final int port;
    private final boolean asPostgres;
    /** listen_addresses: 127.0.0.1 and any the test asked for. */
    private final String listen;

    private PrivateCluster(Path bin, Path dir, int port, boolean asPostgres, String listen) {
        this.listen = listen;
        this.bin = bin;
        this.dir = dir;
        this.port = port;
        this.asPostgres = asPostgres;
    }

    /**
     * Creates and starts a cluster.
     *
     * @throws IllegalStateException when the cluster does not start, or PostgreSQL's server binaries are missing while
     *                               {@code SEGURA_REQUIRE_POSTGRES=true} (elsewhere the calling test is skipped)
     */
    public static PrivateCluster start() throws IOException, InterruptedException {
        return start(List.of());
    }

    /**
     * Creates and starts a cluster that also listens on {@code alsoListenOn} (addresses of this host, e.g. the host
     * end of a {@link io.segura.testkit.net.NetworkNamespace} link) and trusts clients of those subnets
     * ({@code samenet}), so a process in another network namespace can connect.
     */
    public static PrivateCluster start(List<String> alsoListenOn) throws IOException, InterruptedException {
        Path bin = binaries();
        boolean asPostgres = "root".equals(System.getProperty("user.name"));
        Path dir = Files.createTempDirectory("segura-pg-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        List<String> listen = new ArrayList<>(List.of("127.0.0.1"));
        listen.addAll(alsoListenOn);
        PrivateCluster cluster = new PrivateCluster(bin, dir, freePort(), asPostgres, String.join(",", listen));
        try {
            if (asPostgres) {
                cluster.run(List.of("chown", "postgres:", dir.toString()), false);
            }
            cluster.run(List.of(bin.resolve("initdb").toString(), "-D", cluster.data().toString(), "-U", "postgres",
                    "-A", "trust", "-E", "UTF8", "--no-sync"), true);
            if (!alsoListenOn.isEmpty()) {
                Files.writeString(cluster.data().resolve("pg_hba.conf"), "host all all samenet trust\n",
                        StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
            }
            cluster.start0();
        } catch (IOException | InterruptedException | RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /** {@code postgresql://postgres@127.0.0.1:PORT/postgres}, for {@link TestDatabase#create(String, URI)}. */
    public URI url() {
        return URI.create("postgresql://postgres@127.0.0.1:" + port + "/postgres");
    }

    public int port() {
        return port;
    }

    /** Stops the server at once ({@code pg_ctl stop -m immediate}: connections drop, as in a crash). */
    public void stop() throws IOException, InterruptedException {
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", data().toString(), "-m", "immediate", "-w", "stop"),
                true);
    }

    /** Starts the stopped server again on the same port and data. */
    public void restart() throws IOException, InterruptedException {
        start0();
    }

    private void start0() throws IOException, InterruptedException {
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", data().toString(), "-l", dir.resolve("server.log")
                .toString(), "-w", "-t", "60", "-o", "-c listen_addresses=" + listen + " -c port=" + port
                + " -c unix_socket_directories=" + dir + " -c fsync=off -c max_connections=200", "start"), true);
    }

    /** The server's log, for failure messages. */
    public String log() throws IOException {
        Path log = dir.resolve("server.log");
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "(no server log)";
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try {
            if (Files.exists(data().resolve("postmaster.pid"))) {
                stop();
            }
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private Path data() {
        return dir.resolve("data");
    }

    private void run(List<String> command, boolean asServerUser) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        if (asServerUser && asPostgres) {
            cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        cmd.addAll(command);
        Path out = Files.createTempFile("segura-pg-cmd-", ".log");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within 120 s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited with " + p.exitValue() + ":\n"
                        + Files.readString(out, StandardCharsets.UTF_8) + "\n" + log());
            }
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static Path binaries() {
        List<Path> candidates = new ArrayList<>();
        Path lib = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(lib)) {
            try (Stream<Path> versions = Files.list(lib)) {
                versions.sorted(Comparator.reverseOrder()).forEach(v -> candidates.add(v.resolve("bin")));
            } catch (IOException e) {
                // fall through to /usr/local/bin
            }
        }
        candidates.add(Path.of("/usr/local/bin"));
        for (Path c : candidates) {
            if (Files.isExecutable(c.resolve("initdb")) && Files.isExecutable(c.resolve("pg_ctl"))) {
                return c;
            }
        }
        String missing = "PostgreSQL's initdb and pg_ctl were not found in " + candidates
                + " (Debian package postgresql)";
        if (!Boolean.parseBoolean(System.getenv(TestDatabase.REQUIRE_ENV))) {
            org.junit.jupiter.api.Assumptions.abort(missing);
        }
        throw new IllegalStateException(missing);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
