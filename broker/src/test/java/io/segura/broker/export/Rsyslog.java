// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real rsyslogd (Debian's package, with rsyslog-gnutls for TLS) run by a test in the foreground with its own
 * configuration: a plain TCP input (imtcp, octet counting is detected per frame) and a TLS input (gtls driver, anon
 * client auth, a throw-away self-signed certificate for 127.0.0.1), each writing every message's raw text, one per
 * line, to its own file. The first start picks free ports (port 0 + listenPortFileName); a restart reuses them, as a
 * restarted production receiver would.
 */
final class Rsyslog implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/sbin/rsyslogd");

    private final Path dir;
    final Path tcpLog;
    final Path tlsLog;
    final Path certificate;
    private int tcpPort;
    private int tlsPort;
    private Process process;

    private Rsyslog(Path dir) throws IOException, InterruptedException {
        this.dir = dir;
        this.tcpLog = dir.resolve("tcp.log");
        this.tlsLog = dir.resolve("tls.log");
        this.certificate = dir.resolve("cert.pem");
        run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                dir.resolve("key.pem").toString(), "-out", certificate.toString(), "-days", "2", "-subj",
                "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"));
    }

    /** Whether rsyslogd and its TLS driver are installed (.ci/run installs both). */
    static boolean available() {
        return Files.isExecutable(BINARY) && (Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so"))
                || Files.exists(Path.of("/usr/lib/aarch64-linux-gnu/rsyslog/lmnsd_gtls.so")));
    }

    static Rsyslog start() throws IOException, InterruptedException {
        Rsyslog r = new Rsyslog(Files.createTempDirectory("segura-rsyslog"));
        r.launch();
        return r;
    }

    int tcpPort() {
        return tcpPort;
    }

    int tlsPort() {
        return tlsPort;
    }

    private void launch() throws IOException, InterruptedException {
        Path tcpPortFile = dir.resolve("tcp.port");
        Path tlsPortFile = dir.resolve("tls.port");
        Files.deleteIfExists(tcpPortFile);
        Files.deleteIfExists(tlsPortFile);
        Path work = Files.createDirectories(dir.resolve("work"));
        String conf = """
                global(workDirectory="%1$s" maxMessageSize="64k"
                       defaultNetstreamDriverCAFile="%2$s" defaultNetstreamDriverCertFile="%2$s"
                       defaultNetstreamDriverKeyFile="%3$s")
                module(load="imtcp" maxSessions="100")
                template(name="raw" type="string" string="%%rawmsg%%\\n")
                ruleset(name="plain") { action(type="omfile" file="%4$s" template="raw") }
                ruleset(name="secure") { action(type="omfile" file="%5$s" template="raw") }
                input(type="imtcp" port="%6$d" listenPortFileName="%7$s" ruleset="plain")
                input(type="imtcp" port="%8$d" listenPortFileName="%9$s" ruleset="secure"
                      streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")
                """.formatted(work, certificate, dir.resolve("key.pem"), tcpLog, tlsLog, tcpPort, tcpPortFile,
                tlsPort, tlsPortFile);
        Path confFile = dir.resolve("rsyslog.conf");
        Files.writeString(confFile, conf, StandardCharsets.UTF_8);
        process = new ProcessBuilder(BINARY.toString(), "-n", "-f", confFile.toString(), "-i",
                dir.resolve("rsyslog.pid").toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("rsyslogd.out").toFile())).start();
        if (tcpPort == 0) {
            tcpPort = awaitPort(tcpPortFile);
            tlsPort = awaitPort(tlsPortFile);
        } else {
            // rsyslog writes the port file only for port 0: a restart on fixed ports is up when both accept
            awaitListening(tcpPort);
            awaitListening(tlsPort);
        }
    }

    private int awaitPort(Path file) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (true) {
            if (Files.exists(file)) {
                String s = Files.readString(file).trim();
                if (!s.isEmpty()) {
                    return Integer.parseInt(s);
                }
            }
            assertThat(process.isAlive()).as("rsyslogd runs; its output: %s", output()).isTrue();
            assertThat(Instant.now()).as("rsyslogd writes %s", file).isBefore(deadline);
            Thread.sleep(50);
        }
    }

    private void awaitListening(int port) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (true) {
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 1000);
                return;
            } catch (IOException e) {
                assertThat(process.isAlive()).as("rsyslogd runs; its output: %s", output()).isTrue();
                assertThat(Instant.now()).as("rsyslogd listens on %s", port).isBefore(deadline);
                Thread.sleep(50);
            }
        }
    }

    /** Stops rsyslogd (SIGTERM, as a service restart does) and starts it again on the same ports. */
    void restart() throws IOException, InterruptedException {
        stop();
        launch();
    }

    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    List<String> lines(Path log) throws IOException {
        return Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
    }

    String output() throws IOException {
        Path out = dir.resolve("rsyslogd.out");
        return Files.exists(out) ? Files.readString(out) : "";
    }

    private static void run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", cmd, out).isZero();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
