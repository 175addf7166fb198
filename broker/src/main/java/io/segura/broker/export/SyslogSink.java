// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.export;

import io.segura.broker.audit.AuditEvent;
import io.segura.broker.config.ExportsSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A syslog receiver as a sink: RFC 5424 messages framed by octet counting (RFC 6587 §3.4.1) over TCP or TLS
 * (RFC 5425), or one per UDP datagram (RFC 5426, which can lose messages by nature).
 *
 * <p>TCP has no acknowledgement a sender can see, and a receiver that closes its connection (an rsyslog restart)
 * loses whatever it had not read yet. So, before every write, the connection is probed (a read with a 1 ms timeout:
 * end of stream or a reset means the peer is gone) and replaced when closed; and what was written stays
 * <em>unconfirmed</em> until a probe at least {@link #CONFIRM_AFTER} later still finds the connection open. When a probe
 * finds it closed, the unconfirmed messages are written again on the new connection, before anything new. The price
 * is a duplicate (same event id) of what the receiver had in fact read before closing; the residual risk is a
 * receiver that read messages and then lost them in its own queues.
 */
final class SyslogSink implements Sink {

    static final Duration CONFIRM_AFTER = Duration.ofSeconds(1);
    private static final int MAX_UNCONFIRMED = 20_000;
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "syslog-write-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final ExportsSpec.Syslog spec;
    private final SyslogMessages messages;
    private final Clock clock;
    private final SSLContext tls;
    private Socket socket;
    private DatagramSocket datagrams;
    /** Frames written but not yet confirmed, oldest first. */
    private final Deque<Unconfirmed> unconfirmed = new ArrayDeque<>();

    /** A frame as written, and when it was last written. */
    private static final class Unconfirmed {
        final byte[] frame;
        Instant written;

        Unconfirmed(byte[] frame, Instant written) {
            this.frame = frame;
            this.written = written;
        }
    }

    SyslogSink(ExportsSpec.Syslog spec, SyslogMessages messages, Clock clock) {
        this.spec = Objects.requireNonNull(spec, "spec cannot be null");
        this.messages = Objects.requireNonNull(messages, "messages cannot be null");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
        this.tls = spec.transport() == ExportsSpec.Transport.TLS ? context(spec) : null;
    }

    @Override
    public String id() {
        return "syslog:" + spec.name();
    }

    @Override
    public boolean accepts(AuditEvent event) {
        return spec.events().isEmpty() || spec.events().contains(event.type().wireName());
    }

    @Override
    public synchronized int deliver(List<AuditEvent> events, Instant deadline) throws DeliveryFailure {
        if (spec.transport() == ExportsSpec.Transport.UDP) {
            return sendDatagrams(events);
        }
        try {
            connected();
        } catch (IOException e) {
            throw new DeliveryFailure(0, "cannot connect to " + spec.host() + ":" + spec.port() + ": "
                    + describe(e));
        }
        int written = 0;
        try {
            OutputStream out = socket.getOutputStream();
            // the whole round's frames in one write (octet counting delimits them), so one flush per round
            ByteArrayOutputStream batch = new ByteArrayOutputStream(events.size() * 512);
            Instant now = clock.instant();
            for (AuditEvent e : events) {
                byte[] frame = frame(messages.message(e));
                batch.write(frame);
                unconfirmed.add(new Unconfirmed(frame, now));
                written++;
            }
            guardedWrite(out, batch.toByteArray());
            if (!alive()) {
                // the receiver went away while we wrote: write everything unconfirmed again on a new connection
                reconnectAndResend();
            }
            confirm();
            return written;
        } catch (IOException e) {
            closeSocket();
            // the cursor stays put, so this batch comes again next round: only earlier batches' frames stay
            // unconfirmed, to be resent first on the next connection
            for (int i = 0; i < written && !unconfirmed.isEmpty(); i++) {
                unconfirmed.pollLast();
            }
            throw new DeliveryFailure(0, "writing to " + spec.host() + ":" + spec.port() + " failed: " + describe(e));
        } finally {
            while (unconfirmed.size() > MAX_UNCONFIRMED) {
                unconfirmed.poll();
            }
        }
    }

    /** The connection, probed and replaced (resending what was unconfirmed) when the peer has closed it. */
    private void connected() throws IOException {
        if (socket != null && !alive()) {
            reconnectAndResend();
            return;
        }
        if (socket == null) {
            open();
            resend();
        }
    }

    private void reconnectAndResend() throws IOException {
        closeSocket();
        open();
        resend();
    }

    private void resend() throws IOException {
        if (unconfirmed.isEmpty()) {
            return;
        }
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (Unconfirmed u : unconfirmed) {
            all.write(u.frame);
        }
        guardedWrite(socket.getOutputStream(), all.toByteArray());
        Instant now = clock.instant();
        for (Unconfirmed u : unconfirmed) {
            u.written = now;
        }
    }

    /** Frames written at least {@link #CONFIRM_AFTER} ago on a connection that is still open are confirmed. */
    private void confirm() {
        Instant cutoff = clock.instant().minus(CONFIRM_AFTER);
        while (!unconfirmed.isEmpty() && !unconfirmed.peek().written.isAfter(cutoff)) {
            unconfirmed.poll();
        }
    }

    /** Whether the peer still has the connection open: a 1 ms read sees end of stream or a reset when it has not. */
    private boolean alive() {
        try {
            socket.setSoTimeout(1);
            InputStream in = socket.getInputStream();
            int b = in.read();
            // a syslog receiver sends nothing; a byte (or a TLS record) is read and ignored
            return b >= 0;
        } catch (SocketTimeoutException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void open() throws IOException {
        Socket s = tls != null ? tls.getSocketFactory().createSocket() : new Socket();
        try {
            s.connect(new InetSocketAddress(spec.host(), spec.port()), (int) spec.timeout().toMillis());
            s.setTcpNoDelay(true);
            s.setKeepAlive(true);
            if (s instanceof SSLSocket ssl) {
                SSLParameters params = ssl.getSSLParameters();
                // RFC 5425 §5.2: the server's certificate must match the host the sink names
                params.setEndpointIdentificationAlgorithm("HTTPS");
                if (!Character.isDigit(spec.host().charAt(0)) && !spec.host().contains(":")) {
                    params.setServerNames(List.of(new SNIHostName(spec.host())));
                }
                ssl.setSSLParameters(params);
                s.setSoTimeout((int) spec.timeout().toMillis());
                ssl.startHandshake();
            }
        } catch (IOException e) {
            s.close();
            throw e;
        }
        socket = s;
    }

    /** A blocking write cannot time out by itself: a receiver that stops reading gets its connection closed. */
    private void guardedWrite(OutputStream out, byte[] bytes) throws IOException {
        Socket s = socket;
        ScheduledFuture<?> guard = WATCHDOG.schedule(() -> {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing is all we wanted
            }
        }, spec.timeout().toMillis(), TimeUnit.MILLISECONDS);
        try {
            out.write(bytes);
            out.flush();
        } finally {
            guard.cancel(false);
        }
    }

    /** RFC 6587 §3.4.1: {@code MSG-LEN SP SYSLOG-MSG}, the length in octets. */
    static byte[] frame(String message) {
        byte[] msg = message.getBytes(StandardCharsets.UTF_8);
        byte[] len = (msg.length + " ").getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[len.length + msg.length];
        System.arraycopy(len, 0, out, 0, len.length);
        System.arraycopy(msg, 0, out, len.length, msg.length);
        return out;
    }

    private int sendDatagrams(List<AuditEvent> events) throws DeliveryFailure {
        int sent = 0;
        try {
            if (datagrams == null) {
                datagrams = new DatagramSocket();
            }
            InetSocketAddress to = new InetSocketAddress(spec.host(), spec.port());
            for (AuditEvent e : events) {
                byte[] msg = messages.message(e).getBytes(StandardCharsets.UTF_8);
                datagrams.send(new DatagramPacket(msg, msg.length, to));
                sent++;
            }
            return sent;
        } catch (IOException e) {
            throw new DeliveryFailure(sent, "sending to udp " + spec.host() + ":" + spec.port() + " failed: "
                    + describe(e));
        }
    }

    private static String describe(IOException e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + ExportCursors.clip(e.getMessage()));
    }

    private static SSLContext context(ExportsSpec.Syslog spec) {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (spec.caFile() == null) {
                tmf.init((KeyStore) null);
            } else {
                KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
                trust.load(null, null);
                int i = 0;
                try (InputStream in = Files.newInputStream(spec.caFile())) {
                    for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                        trust.setCertificateEntry("ca" + i++, c);
                    }
                }
                if (i == 0) {
                    throw new IllegalStateException("syslog sink " + spec.name() + ": no certificate in "
                            + spec.caFile());
                }
                tmf.init(trust);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("syslog sink " + spec.name() + ": cannot load the CA file "
                    + spec.caFile() + ": " + e.getMessage(), e);
        }
    }

    private void closeSocket() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // already gone
            }
            socket = null;
        }
    }

    @Override
    public synchronized void close() {
        closeSocket();
        if (datagrams != null) {
            datagrams.close();
        }
    }
}
