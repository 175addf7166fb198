// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.segura.broker.audit.AuditEvent;
import io.segura.broker.audit.AuditEventType;
import io.segura.broker.config.ExportsSpec;
import io.segura.broker.config.SourceLocation;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * The syslog sink's multi-frame rounds: a whole round goes out in one write (octet counting delimits the frames), so
 * the receiver must still split it into one message per event; and a receiver that closes the connection part-way
 * through a round gets every frame it had not confirmed again on the next connection: nothing lost, a duplicate only
 * ever with the same event id.
 */
class SyslogSinkTest {

    static final Duration AWAIT = Duration.ofSeconds(60);
    static final Pattern EXTERNAL_ID = Pattern.compile("externalId=([0-9a-f-]{36})");

    private static List<AuditEvent> events(int n) {
        List<AuditEvent> list = new ArrayList<>();
        Instant now = Instant.now();
        for (int i = 0; i < n; i++) {
            list.add(new AuditEvent(UUID.randomUUID().toString(), now, AuditEventType.TOKEN_EXCHANGED, "deploy", "ci",
                    "repo:acme/app-" + i + ":ref:refs/heads/main", "127.0.0.1", Map.of(), null, List.of(), null,
                    Map.of(), (long) i + 1, (long) i + 1, null, "h" + i));
        }
        return list;
    }

    private static SyslogSink sink(int port) {
        ExportsSpec.Syslog spec = new ExportsSpec.Syslog("multi", ExportsSpec.Transport.TCP, "127.0.0.1", port,
                ExportsSpec.Format.CEF, Set.of(), null, "segura", 10, Duration.ofSeconds(5), ExportsSpec.Start.LATEST,
                SourceLocation.UNKNOWN);
        return new SyslogSink(spec, new SyslogMessages(ExportsSpec.Format.CEF, 10, "segura", "test-host", "1.0",
                JsonMapper.builder().build()), Clock.systemUTC());
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(AWAIT);
        while (!condition.getAsBoolean()) {
            assertThat(Instant.now()).as("waiting for: " + what).isBefore(deadline);
            Thread.sleep(50);
        }
    }

    private static List<String> ids(List<String> lines) {
        List<String> ids = new ArrayList<>();
        for (String l : lines) {
            Matcher m = EXTERNAL_ID.matcher(l);
            while (m.find()) {
                ids.add(m.group(1));
            }
        }
        return ids;
    }

    @Test
    void deliverWhenARoundOf500GoesOutInOneWriteThenRsyslogWritesOneLinePerEvent() throws Exception {
        assumeThat(Rsyslog.available()).as("rsyslogd is installed (.ci/run installs it)").isTrue();
        try (Rsyslog rsyslog = Rsyslog.start()) {
            SyslogSink sink = sink(rsyslog.tcpPort());
            List<AuditEvent> round = events(500);
            try {
                assertThat(sink.deliver(round, Instant.now().plusSeconds(60))).isEqualTo(500);
            } finally {
                sink.close();
            }
            List<String> expected = round.stream().map(AuditEvent::id).toList();
            await("500 lines in rsyslog's file", () -> lines(rsyslog).size() >= 500);
            List<String> lines = lines(rsyslog);
            assertThat(lines).hasSize(500).allSatisfy(l -> assertThat(EXTERNAL_ID.matcher(l).results().count())
                    .as("one event per line: %s", l).isEqualTo(1));
            assertThat(ids(lines)).containsExactlyElementsOf(expected);
        }
    }

    private static List<String> lines(Rsyslog rsyslog) {
        try {
            return rsyslog.lines(rsyslog.tcpLog);
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * A receiver whose first connection reads part of what it is sent and then closes (an rsyslog restart mid-round);
     * later connections read every octet-counted frame. Messages cut off by the close are not counted.
     */
    static final class ClosingReceiver implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final List<String> received = new CopyOnWriteArrayList<>();
        final AtomicInteger connections = new AtomicInteger();
        volatile boolean firstClosed;

        ClosingReceiver(int readBeforeClose) throws IOException {
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        int n = connections.incrementAndGet();
                        Thread t = new Thread(() -> read(s, n == 1 ? readBeforeClose : Long.MAX_VALUE));
                        t.setDaemon(true);
                        t.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "closing-receiver");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void read(Socket s, long budget) {
            try (s; InputStream in = new BufferedInputStream(s.getInputStream())) {
                long read = 0;
                while (true) {
                    int len = 0;
                    int c;
                    while ((c = in.read()) != ' ') {
                        if (c < 0) {
                            return;
                        }
                        len = len * 10 + (c - '0');
                        read++;
                    }
                    if (read + 1 + len > budget) {
                        return; // closes with the rest of the round unread
                    }
                    received.add(new String(in.readNBytes(len), StandardCharsets.UTF_8));
                    read += 1 + len;
                }
            } catch (IOException e) {
                // the sink closed the connection
            } finally {
                if (budget != Long.MAX_VALUE) {
                    firstClosed = true;
                }
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    @Test
    void deliverWhenThePeerClosesInTheMiddleOfAMultiFrameRoundThenTheUnconfirmedFramesComeAgainNothingLost()
            throws Exception {
        try (ClosingReceiver receiver = new ClosingReceiver(20_000)) {
            SyslogSink sink = sink(receiver.server.getLocalPort());
            List<AuditEvent> first = events(300); // ~100 KB: the first connection reads a fifth, then closes
            List<AuditEvent> second = events(20);
            try {
                deliverAsTheWorkerWould(sink, first);
                await("the first connection closed", () -> receiver.firstClosed);
                deliverAsTheWorkerWould(sink, second);
            } finally {
                sink.close();
            }
            List<String> expected = new ArrayList<>();
            first.forEach(e -> expected.add(e.id()));
            second.forEach(e -> expected.add(e.id()));
            await("every event on a later connection", () -> ids(receiver.received).containsAll(expected));
            List<String> got = ids(receiver.received);
            assertThat(receiver.connections.get()).isGreaterThan(1);
            // some of the first round arrived twice (read before the close, then resent): only ever the same event
            assertThat(got).hasSizeGreaterThan(expected.size()).containsOnlyElementsOf(expected);
            Map<String, String> byId = new HashMap<>();
            for (String message : receiver.received) {
                String id = ids(List.of(message)).get(0);
                assertThat(byId.putIfAbsent(id, message)).as("a duplicate is the same message").isIn(null, message);
            }
        }
    }

    /** A failed round is delivered again from its start, as the worker does with an unmoved cursor. */
    private static void deliverAsTheWorkerWould(SyslogSink sink, List<AuditEvent> round) throws InterruptedException {
        Instant deadline = Instant.now().plus(AWAIT);
        while (true) {
            try {
                assertThat(sink.deliver(round, Instant.now().plusSeconds(60))).isEqualTo(round.size());
                return;
            } catch (DeliveryFailure f) {
                assertThat(Instant.now()).as("delivering despite %s", f.getMessage()).isBefore(deadline);
                Thread.sleep(50);
            }
        }
    }
}
