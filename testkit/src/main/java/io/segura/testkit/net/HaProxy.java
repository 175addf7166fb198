// SPDX-License-Identifier: Apache-2.0
package io.segura.testkit.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real HAProxy (Debian's {@code haproxy} package) in front of broker replicas, as an operator runs it: HTTP mode,
 * round-robin, each server health-checked on the broker's readiness probe ({@code /actuator/health/readiness}) every
 * 500 ms and taken out after two failures. Listens on an ephemeral loopback port.
 *
 * <p>Two test aids, both plain HAProxy configuration: every answer carries the name of the server that produced it
 * ({@value #SERVED_BY}), and a request that names a server in the same header is sent to that server while it is up
 * ({@code use-server}), so a test can aim "through the load balancer" at one replica, e.g. revoke through one and
 * lease through another.
 */
public final class HaProxy implements AutoCloseable {

    /** Request header naming the server to use; response header naming the server that answered. */
    public static final String SERVED_BY = "X-Segura-Replica";

    /**
     * Suffix of each replica's unchecked backup entry, used only while no replica passes its check: {@code r1-any}
     * answers as {@value #SERVED_BY} when r1 served a request that way.
     */
    public static final String FALLBACK = "-any";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final Path dir;
    private final URI url;
    private final List<String> servers;

    private HaProxy(Process process, Path dir, URI url, List<String> servers) {
        this.process = process;
        this.dir = dir;
        this.url = url;
        this.servers = servers;
    }

    /**
     * Starts HAProxy for {@code backends} (server name to base URL, {@code http://127.0.0.1:PORT}) and waits until
     * every server passed its health check, i.e. answers requests aimed at it.
     *
     * @throws IllegalStateException when {@code haproxy} does not start, or is not installed while
     *                               {@code SEGURA_REQUIRE_POSTGRES=true} (CI; elsewhere the calling test is skipped)
     */
    public static HaProxy start(Map<String, URI> backends) throws IOException, InterruptedException {
        Objects.requireNonNull(backends, "backends cannot be null");
        if (backends.isEmpty()) {
            throw new IllegalArgumentException("at least one backend is required");
        }
        int port = freePort();
        HaProxy proxy = launch(config(port, backends), port, List.copyOf(backends.keySet()));
        try {
            proxy.awaitServersUp();
        } catch (IOException | InterruptedException | RuntimeException e) {
            proxy.close();
            throw e;
        }
        return proxy;
    }

    /**
     * Starts HAProxy as a layer-4 balancer ({@code mode tcp}, as for TLS passthrough): it sees no HTTP, adds no
     * header, and tells the brokers the client's address only through {@code serverOptions} on every server line,
     * e.g. {@code send-proxy-v2} or {@code send-proxy} (PROXY protocol v2 or v1). Health checks stay HTTP checks of
     * the readiness probe, sent without a PROXY header. Waits until the readiness probe answers 200 through it.
     */
    public static HaProxy startLayer4(Map<String, URI> backends, String serverOptions)
            throws IOException, InterruptedException {
        Objects.requireNonNull(backends, "backends cannot be null");
        Objects.requireNonNull(serverOptions, "serverOptions cannot be null");
        if (backends.isEmpty()) {
            throw new IllegalArgumentException("at least one backend is required");
        }
        int port = freePort();
        List<String> lines = new ArrayList<>(List.of(
                "global",
                "    maxconn 1024",
                "    log stdout format raw local0 info",
                "defaults",
                "    mode tcp",
                "    log global",
                "    option tcplog",
                "    timeout connect 2s",
                "    timeout client 60s",
                "    timeout server 60s",
                "    timeout check 2s",
                "frontend brokers",
                "    bind 127.0.0.1:" + port,
                "    default_backend replicas",
                "backend replicas",
                "    balance roundrobin",
                "    option httpchk GET /actuator/health/readiness",
                "    http-check expect status 200",
                "    default-server inter 500ms fall 2 rise 1"));
        backends.forEach((name, uri) -> lines.add("    server " + name + " " + uri.getHost() + ":" + uri.getPort()
                + " check " + serverOptions));
        HaProxy proxy = launch(String.join("\n", lines) + "\n", port, List.of());
        try {
            proxy.awaitReady();
        } catch (IOException | InterruptedException | RuntimeException e) {
            proxy.close();
            throw e;
        }
        return proxy;
    }

    private static HaProxy launch(String configText, int port, List<String> servers) throws IOException {
        Path binary = binary();
        Path dir = Files.createTempDirectory("segura-haproxy-");
        Path config = dir.resolve("haproxy.cfg");
        Files.writeString(config, configText, StandardCharsets.UTF_8);
        Process process = new ProcessBuilder(binary.toString(), "-db", "-f", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("haproxy.log").toFile()).start();
        return new HaProxy(process, dir, URI.create("http://127.0.0.1:" + port), servers);
    }

    /** Until the readiness probe answers 200 through the proxy (a layer-4 proxy names no server). */
    private void awaitReady() throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("haproxy exited with " + process.exitValue() + ":\n" + log());
            }
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(url.resolve("/actuator/health/readiness"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet, or no server up yet
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("haproxy did not answer the readiness probe within "
                        + START_TIMEOUT.toSeconds() + " s:\n" + log());
            }
            Thread.sleep(100);
        }
    }

    static String config(int port, Map<String, URI> backends) {
        List<String> lines = new ArrayList<>(List.of(
                "global",
                "    maxconn 1024",
                // one line per request (method, path, status, timings, termination state) into haproxy.log
                "    log stdout format raw local0 info",
                "defaults",
                "    mode http",
                "    log global",
                "    option httplog",
                "    timeout connect 2s",
                "    timeout client 60s",
                "    timeout server 60s",
                "    timeout check 2s",
                // a connection refused by a dead replica is tried on another one; a request it received is not
                "    retries 2",
                "    option redispatch",
                // a new server connection per request: a request is never sent on a pooled connection to a replica
                // that has just died (HAProxy cannot tell whether that one was processed, so it could not resend it)
                "    option http-server-close",
                "frontend brokers",
                "    bind 127.0.0.1:" + port,
                "    default_backend replicas",
                "backend replicas",
                "    balance roundrobin",
                "    option httpchk GET /actuator/health/readiness",
                "    http-check expect status 200",
                "    default-server inter 500ms fall 2 rise 1",
                // the client's address for the brokers' audit and per-IP limits (SEGURA_TRUSTED_PROXIES): HAProxy
                // appends the peer it received the request from to whatever X-Forwarded-For the client sent
                "    option forwardfor",
                // fail open: when no replica is ready (PostgreSQL down for all of them) send to all of them anyway,
                // so clients get the brokers' own 503 + Retry-After instead of HAProxy's bare 503
                "    option allbackups",
                "    http-response set-header " + SERVED_BY + " %s"));
        backends.keySet().forEach(name -> lines.add("    use-server " + name + " if { req.hdr(" + SERVED_BY
                + ") -m str " + name + " }"));
        backends.forEach((name, uri) -> lines.add("    server " + name + " " + uri.getHost() + ":" + uri.getPort()
                + " check"));
        backends.forEach((name, uri) -> lines.add("    server " + name + FALLBACK + " " + uri.getHost() + ":"
                + uri.getPort() + " backup"));
        return String.join("\n", lines) + "\n";
    }

    /** HAProxy's process id, e.g. to count its CPU in a benchmark. */
    public long pid() {
        return process.pid();
    }

    /** The load balancer's base URL, {@code http://127.0.0.1:PORT}. */
    public URI url() {
        return url;
    }

    /** HAProxy's own output so far (health-check transitions), for failure messages. */
    public String log() throws IOException {
        return Files.readString(dir.resolve("haproxy.log"), StandardCharsets.UTF_8);
    }

    /** Waits until {@code server}'s health check passes again, i.e. requests aimed at it reach it. */
    public void awaitUp(String server, Duration timeout) throws IOException, InterruptedException {
        await(List.of(server), timeout);
    }

    private void awaitServersUp() throws IOException, InterruptedException {
        await(servers, START_TIMEOUT);
    }

    private void await(List<String> names, Duration timeout) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Boolean> up = new LinkedHashMap<>();
        names.forEach(n -> up.put(n, false));
        while (up.containsValue(false)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("haproxy exited with " + process.exitValue() + ":\n" + log());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("haproxy did not see " + up + " up within " + timeout.toSeconds()
                        + " s:\n" + log());
            }
            for (String name : names) {
                if (up.get(name)) {
                    continue;
                }
                HttpRequest probe = HttpRequest.newBuilder(url.resolve("/actuator/health/readiness"))
                        .header(SERVED_BY, name).timeout(Duration.ofSeconds(2)).build();
                try {
                    HttpResponse<Void> r = http.send(probe, HttpResponse.BodyHandlers.discarding());
                    // use-server is skipped for a server that is down: another one answers
                    up.put(name, r.statusCode() == 200 && name.equals(r.headers().firstValue(SERVED_BY).orElse("")));
                } catch (IOException e) {
                    // not listening yet
                }
            }
            if (up.containsValue(false)) {
                Thread.sleep(100);
            }
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Checks, before anything is started for it, that HAProxy is installed (see {@link #start}). */
    public static void requireInstalled() {
        binary();
    }

    private static Path binary() {
        for (String candidate : List.of("/usr/sbin/haproxy", "/usr/local/sbin/haproxy", "/usr/bin/haproxy")) {
            Path p = Path.of(candidate);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        String missing = "haproxy is not installed: apt-get install haproxy (.ci/run installs it when missing)";
        // CI (.ci/run sets SEGURA_REQUIRE_POSTGRES=true) requires every real part; a developer's machine skips
        if (!Boolean.parseBoolean(System.getenv("SEGURA_REQUIRE_POSTGRES"))) {
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
