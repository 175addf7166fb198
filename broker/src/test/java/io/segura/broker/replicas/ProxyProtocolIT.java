// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.replicas;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.testkit.broker.BrokerLauncher;
import io.segura.testkit.net.HaProxy;
import io.segura.testkit.oidc.IssuerSimulator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The client's address behind a layer-4 balancer (issue 16): the packaged broker with {@code SEGURA_PROXY_PROTOCOL}
 * behind a real HAProxy in {@code mode tcp} (as for TLS passthrough; it adds no header) sending PROXY protocol v2
 * ({@code send-proxy-v2}) and, a second one, v1 ({@code send-proxy}). Only HAProxy's address, 127.0.0.1, is a trusted
 * proxy; the "clients" connect from other loopback addresses of this host (127.0.0.2 …), each test its own, so the
 * per-IP rate limit (0.5/s, a burst of 1) counts each client apart.
 */
class ProxyProtocolIT {

    static final String AUDIENCE = "https://segura.test";
    static final String SPOOFED = "198.51.100.7";

    static IssuerSimulator issuer;
    static BrokerLauncher broker;
    static HaProxy v2;
    static HaProxy v1;

    @BeforeAll
    static void start() throws Exception {
        issuer = IssuerSimulator.start();
        String config = String.join("\n",
                "issuers:",
                "  - name: ci",
                "    issuer: " + issuer.issuer(),
                "    audiences: [\"" + AUDIENCE + "\"]",
                "roles:",
                "  - name: deploy",
                "    issuers: [ci]",
                "    bound-claims:",
                "      repository_id: \"74\"",
                "    secrets: [\"api/*\"]",
                "");
        broker = BrokerLauncher.builder().owner("ProxyProtocolIT").config(config)
                .env("SEGURA_TRUSTED_PROXIES", "127.0.0.1/32").env("SEGURA_PROXY_PROTOCOL", "true")
                .env("SEGURA_TOKEN_RATE_PER_IP", "0.5").start();
        v2 = HaProxy.startLayer4(Map.of("r1", broker.url()), "send-proxy-v2");
        v1 = HaProxy.startLayer4(Map.of("r1", broker.url()), "send-proxy");
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable part : new AutoCloseable[] {v1, v2, broker, issuer}) {
            if (part != null) {
                part.close();
            }
        }
    }

    /**
     * The audit records the client HAProxy received the connection from, for v2 and v1; an {@code X-Forwarded-For}
     * the client wrote is worthless (its peer, as the PROXY header names it, is no trusted proxy).
     */
    @Test
    void auditWhenALayer4BalancerSendsAProxyHeaderThenTheRealClientIsRecorded() throws Exception {
        for (var via : List.of(new Object[] {v2, "127.0.0.2"}, new Object[] {v1, "127.0.0.3"})) {
            HaProxy proxy = (HaProxy) via[0];
            String client = (String) via[1];
            String subject = subject();
            Raw r = send(client, proxy.url(), null, exchange(subject, "X-Forwarded-For: 203.0.113.9\r\n"));
            assertThat(r.status()).as(r.text()).isEqualTo(200);
            assertThat(exchangedFrom(subject)).as("client_ip through " + proxy.url()).isEqualTo(client);
        }
    }

    /** The per-IP limit counts the real clients: a burst from one is refused naming it; another is not held up. */
    @Test
    void rateLimitWhenClientsShareTheBalancerThenEachHasItsOwnBucket() throws Exception {
        List<String> clients = List.of("127.0.0.4", "127.0.0.5");
        ExecutorService pool = Executors.newFixedThreadPool(12);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Raw>> answers = new ArrayList<>();
            List<String> from = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                String client = clients.get(i % 2);
                from.add(client);
                answers.add(pool.submit(() -> {
                    go.await();
                    return send(client, v2.url(), null, exchange(subject(), ""));
                }));
            }
            go.countDown();
            for (String client : clients) {
                List<Raw> own = new ArrayList<>();
                for (int i = 0; i < answers.size(); i++) {
                    if (from.get(i).equals(client)) {
                        own.add(answers.get(i).get(120, TimeUnit.SECONDS));
                    }
                }
                // a bucket of one per client: its first request passes, whatever the other client sent
                assertThat(own).as("answers to " + client).anySatisfy(r -> assertThat(r.status()).isEqualTo(200));
                assertThat(own).as("answers to " + client).anySatisfy(r -> assertThat(r.status()).isEqualTo(429));
                assertThat(own).filteredOn(r -> r.status() == 429).as("refusals of " + client)
                        .allSatisfy(r -> assertThat(r.body()).contains("too many token requests from " + client));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A peer that is no trusted proxy cannot name a client with a PROXY header, v1 or v2: the connection is refused
     * (the header is not HTTP to it) and nothing is recorded; the same peer without one is served as itself.
     */
    @Test
    void spoofWhenAnUntrustedPeerSendsAProxyHeaderThenItIsRefusedAndNothingIsRecorded() throws Exception {
        String client = "127.0.0.6";
        URI direct = broker.url();
        String v1Subject = subject();
        Raw textual = send(client, direct, ("PROXY TCP4 " + SPOOFED + " 127.0.0.1 5555 " + direct.getPort() + "\r\n")
                .getBytes(StandardCharsets.US_ASCII), exchange(v1Subject, ""));
        assertThat(textual.status()).as("answer to a v1 header from an untrusted peer: %s", textual.text())
                .isNotEqualTo(200);
        String v2Subject = subject();
        Raw binary = send(client, direct, proxyV2(SPOOFED, 5555, "127.0.0.1", direct.getPort()),
                exchange(v2Subject, ""));
        assertThat(binary.status()).as("answer to a v2 header from an untrusted peer: %s", binary.text())
                .isNotEqualTo(200);
        System.out.printf("PROXY headers straight from an untrusted peer: v1 answered %d, v2 answered %d%n",
                textual.status(), binary.status());
        assertThat(broker.events("token.exchanged", v1Subject)).isEmpty();
        assertThat(broker.events("token.exchanged", v2Subject)).isEmpty();
        assertThat(broker.events(null, null)).as("events naming the spoofed address")
                .noneMatch(e -> SPOOFED.equals(e.get("client_ip")));

        String plain = subject();
        Raw served = send(client, direct, null, exchange(plain, ""));
        assertThat(served.status()).as(served.text()).isEqualTo(200);
        assertThat(exchangedFrom(plain)).isEqualTo(client);
    }

    // --- helpers ---------------------------------------------------------------------------------------------------

    static String subject() {
        return "repo:acme/app-" + UUID.randomUUID() + ":ref:refs/heads/main";
    }

    /** A token exchange request (without the Host line, which {@link #send} adds) with {@code extraHeaders}. */
    static String exchange(String subject, String extraHeaders) {
        String token = issuer.mint(Map.of("aud", AUDIENCE, "sub", subject, "repository_id", "74"));
        String body = "grant_type=" + enc(ReplicaClient.TOKEN_EXCHANGE) + "&subject_token_type="
                + enc(ReplicaClient.JWT_TYPE) + "&subject_token=" + enc(token) + "&scope=role:deploy";
        return "POST /oauth2/token HTTP/1.1\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\n"
                + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n"
                + extraHeaders
                + "Connection: close\r\n"
                + "\r\n" + body;
    }

    static String exchangedFrom(String subject) throws Exception {
        List<Map<String, Object>> events = broker.events("token.exchanged", subject);
        assertThat(events).as("token.exchanged of " + subject).hasSize(1);
        return (String) events.get(0).get("client_ip");
    }

    /** PROXY protocol v2, PROXY command, TCP over IPv4 (the HAProxy spec, section 2.2). */
    static byte[] proxyV2(String source, int sourcePort, String destination, int destinationPort) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16 + 12);
        b.put(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
        b.put((byte) 0x21).put((byte) 0x11).putShort((short) 12);
        b.put(InetAddress.getByName(source).getAddress()).put(InetAddress.getByName(destination).getAddress());
        b.putShort((short) sourcePort).putShort((short) destinationPort);
        return b.array();
    }

    /** What came back: the status (-1 when the connection closed without an answer), the body, the whole text. */
    record Raw(int status, String body, String text) {
    }

    /**
     * One HTTP/1.1 request over a socket bound to {@code from} (the JDK's client cannot pick a local address), after
     * {@code prefix} bytes when given (a PROXY header).
     */
    static Raw send(String from, URI to, byte[] prefix, String request) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
            s.connect(new InetSocketAddress(to.getHost(), to.getPort()), 5_000);
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            if (prefix != null) {
                all.write(prefix);
            }
            int line = request.indexOf("\r\n");
            all.write((request.substring(0, line + 2) + "Host: " + to.getHost() + ":" + to.getPort() + "\r\n"
                    + request.substring(line + 2)).getBytes(StandardCharsets.UTF_8));
            try {
                out.write(all.toByteArray());
                out.flush();
            } catch (IOException e) {
                return new Raw(-1, "", "write failed: " + e);
            }
            String text;
            try (InputStream in = s.getInputStream()) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return new Raw(-1, "", "read failed: " + e);
            }
            // a session token never reaches the test output, not even in a failure message
            text = text.replaceAll("\"access_token\"\\s*:\\s*\"[^\"]*\"", "\"access_token\":\"<session>\"");
            if (text.isEmpty()) {
                return new Raw(-1, "", "closed without an answer");
            }
            int split = text.indexOf("\r\n\r\n");
            int status = Integer.parseInt(text.substring(0, text.indexOf("\r\n")).split(" ")[1]);
            String body = split < 0 ? "" : text.substring(split + 4);
            return new Raw(status, body, text);
        }
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
