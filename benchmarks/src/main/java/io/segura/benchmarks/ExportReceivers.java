// SPDX-License-Identifier: Apache-2.0
package io.segura.benchmarks;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;

/**
 * Healthy export receivers for {@code LoadDriver --exports}: a syslog TCP receiver that reads RFC 6587 octet-counted
 * frames and counts them, and a webhook receiver that answers 204 to every POST and counts the events in it (one, or
 * a batch message's). Both run in the driver's JVM on loopback, so their CPU is part of the machine's load, as a
 * collector on the same host would be.
 */
final class ExportReceivers implements AutoCloseable {

    private final ServerSocket syslog;
    private final HttpServer webhook;
    private final java.util.concurrent.ExecutorService executor;
    final LongAdder frames = new LongAdder();
    final LongAdder posts = new LongAdder();
    final LongAdder webhookEvents = new LongAdder();
    /** What each event's own object starts with, in a one-event message and in a batch message's data.events. */
    private static final byte[] EVENT = "\"data\":{\"seq\":".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    ExportReceivers() throws IOException {
        syslog = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "bench-syslog-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        webhook = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "bench-webhook");
            t.setDaemon(true);
            return t;
        });
        webhook.setExecutor(executor);
        webhook.createContext("/", exchange -> {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            posts.increment();
            webhookEvents.add(count(body));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        webhook.start();
    }

    private static int count(byte[] body) {
        int n = 0;
        outer:
        for (int i = 0; i <= body.length - EVENT.length; i++) {
            for (int j = 0; j < EVENT.length; j++) {
                if (body[i + j] != EVENT[j]) {
                    continue outer;
                }
            }
            n++;
            i += EVENT.length - 1;
        }
        return n;
    }

    int syslogPort() {
        return syslog.getLocalPort();
    }

    String webhookUrl() {
        return "http://127.0.0.1:" + webhook.getAddress().getPort() + "/hook";
    }

    private void accept() {
        while (!syslog.isClosed()) {
            try {
                Socket s = syslog.accept();
                Thread reader = new Thread(() -> read(s), "bench-syslog-read");
                reader.setDaemon(true);
                reader.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    /** MSG-LEN SP SYSLOG-MSG, repeated. */
    private void read(Socket s) {
        try (s; InputStream in = new BufferedInputStream(s.getInputStream(), 1 << 16)) {
            while (true) {
                int len = 0;
                int c;
                while ((c = in.read()) != ' ') {
                    if (c < 0) {
                        return;
                    }
                    len = len * 10 + (c - '0');
                }
                in.skipNBytes(len);
                frames.increment();
            }
        } catch (IOException e) {
            // the broker closed the connection
        }
    }

    @Override
    public void close() throws IOException {
        syslog.close();
        webhook.stop(0);
        executor.shutdownNow();
    }
}
