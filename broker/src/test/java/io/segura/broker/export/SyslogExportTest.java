// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.postgres.PostgresExtension;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.BodyInserters;
import tools.jackson.databind.json.JsonMapper;

/**
 * Syslog export against a real rsyslogd: CEF over TCP with octet counting, LEEF 2.0 over TLS (gtls), JSON over UDP.
 * What rsyslog wrote is parsed by the CEF and LEEF rules, escaping of {@code =}, {@code |}, {@code \}, {@code ^} and
 * line breaks included; an rsyslog restart in the middle of a stream loses nothing.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "60s")
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class SyslogExportTest {

    static final String AUDIENCE = "https://segura.test";
    static final String ADMIN = "test-admin-token-0123456789abcdef0123456789";
    static final Duration AWAIT = Duration.ofSeconds(120);
    static final String SECRET_VALUE = "s3cr3t-value-that-never-leaves-in-an-export";

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    static final IssuerSimulator ISSUER = IssuerSimulator.start();
    static Rsyslog rsyslog;
    static DatagramSocket udp;
    static final List<String> datagrams = new CopyOnWriteArrayList<>();

    @Autowired
    WebTestClient web;

    @Autowired
    DatabaseClient db;

    @DynamicPropertySource
    static void broker(DynamicPropertyRegistry registry) throws Exception {
        assumeThat(Rsyslog.available()).as("rsyslogd and rsyslog-gnutls are installed (.ci/run installs them)")
                .isTrue();
        rsyslog = Rsyslog.start();
        udp = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        Thread reader = new Thread(() -> {
            byte[] buf = new byte[65536];
            while (!udp.isClosed()) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    udp.receive(p);
                    datagrams.add(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    return;
                }
            }
        }, "udp-syslog-receiver");
        reader.setDaemon(true);
        reader.start();
        Path config = Files.createTempFile("segura-syslog", ".yaml");
        Files.writeString(config, """
                issuers:
                  - name: ci
                    issuer: %s
                    audiences: ["%s"]
                roles:
                  - name: deploy
                    issuers: [ci]
                    bound-claims:
                      repository_id: "74"
                    secrets: ["db/prod/*"]
                exports:
                  delivery:
                    backoff: 1s
                    max-backoff: 2s
                    max-attempts: 100
                    claim-ttl: 20s
                  syslog:
                    - name: siem-cef
                      url: tcp://127.0.0.1:%d
                      format: cef
                    - name: siem-leef
                      url: tls://127.0.0.1:%d
                      format: leef
                      ca-file: %s
                    - name: siem-json
                      url: udp://127.0.0.1:%d
                      format: json
                """.formatted(ISSUER.issuer(), AUDIENCE, rsyslog.tcpPort(), rsyslog.tlsPort(), rsyslog.certificate,
                udp.getLocalPort()));
        registry.add("segura.config", config::toString);
        registry.add("segura.database-url", PG::r2dbcUrl);
        registry.add("segura.master-key", () -> "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
        registry.add("segura.admin-token", () -> ADMIN);
        registry.add("segura.sweep-interval", () -> "100ms");
        registry.add("segura.token-rate-per-ip", () -> "100000");
    }

    @AfterAll
    static void stop() throws Exception {
        if (udp != null) {
            udp.close();
        }
        if (rsyslog != null) {
            rsyslog.close();
        }
    }

    private String session(String subject) {
        Map<String, Object> claims = new HashMap<>();
        claims.put("aud", AUDIENCE);
        claims.put("sub", subject);
        claims.put("repository_id", "74");
        Map<?, ?> body = web.post().uri("/oauth2/token").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .body(BodyInserters.fromFormData("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange")
                        .with("subject_token_type", "urn:ietf:params:oauth:token-type:jwt")
                        .with("subject_token", ISSUER.mint(claims)))
                .exchange().expectStatus().isOk().expectBody(Map.class).returnResult().getResponseBody();
        return (String) body.get("access_token");
    }

    private String eventId(String type, String subject) {
        return db.sql("SELECT id FROM audit_events WHERE type = :t AND subject = :s").bind("t", type)
                .bind("s", subject).map(r -> r.get("id", String.class)).one().block(AWAIT);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(AWAIT);
        while (!condition.getAsBoolean()) {
            assertThat(Instant.now()).as("waiting for: " + what).isBefore(deadline);
            Thread.sleep(100);
        }
    }

    private static String lineWith(List<String> lines, String needle) {
        return lines.stream().filter(l -> l.contains(needle)).findFirst().orElse(null);
    }

    @Test
    void deliverWhenASecretIsLeasedThenRsyslogGetsCefOverTcpLeefOverTlsAndJsonOverUdpEscapedByEachFormat()
            throws Exception {
        web.put().uri("/api/v2/admin/secrets/db/prod/password").headers(h -> h.setBearerAuth(ADMIN))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("value", SECRET_VALUE))
                .exchange().expectStatus().isCreated();
        String subject = "repo:acme/x=y|z\\w^v\nsecond line\r\nthird " + UUID.randomUUID();
        String token = session(subject);
        web.post().uri("/api/v2/a2a/leases").headers(h -> h.setBearerAuth(token))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("secrets", List.of("db/prod/password")))
                .exchange().expectStatus().isCreated();
        String id = eventId("lease.issued", subject);

        await("CEF in rsyslog's TCP file", () -> lineWith(read(rsyslog.tcpLog), "externalId=" + id) != null);
        await("LEEF in rsyslog's TLS file", () -> lineWith(read(rsyslog.tlsLog), "eventId=" + id) != null);
        await("JSON over UDP", () -> datagrams.stream().anyMatch(d -> d.contains(id)));

        String cefLine = lineWith(read(rsyslog.tcpLog), "externalId=" + id);
        // RFC 5424: <PRI>1 TIMESTAMP HOST APP - MSGID - MSG
        assertThat(cefLine).matches("^<86>1 \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z \\S+ segura - "
                + "lease\\.issued - CEF:0\\|.*");
        Cef cef = Cef.parse(cefLine.substring(cefLine.indexOf("CEF:0|")));
        assertThat(cef.header()).containsExactly("CEF:0", "Segura", "PAM", cef.header().get(3), "A2A_SECRET_ACCESS",
                "Secret retrieved by NHI", "3");
        assertThat(cef.extension()).containsEntry("suser", subject).containsEntry("src", "127.0.0.1")
                .containsEntry("cs1", "db/prod/password@1").containsEntry("cs1Label", "SecretPath")
                .containsEntry("cs2", "LOW").containsEntry("cs2Label", "RiskLevel").containsEntry("cs3", "deploy")
                .containsEntry("externalId", id).containsEntry("act", "lease.issued");

        String leefLine = lineWith(read(rsyslog.tlsLog), "eventId=" + id);
        Leef leef = Leef.parse(leefLine.substring(leefLine.indexOf("LEEF:2.0|")));
        assertThat(leef.header()).containsExactly("LEEF:2.0", "Segura", "PAM", leef.header().get(3),
                "A2A_SECRET_ACCESS", "^");
        assertThat(leef.attributes()).containsEntry("usrName", subject).containsEntry("src", "127.0.0.1")
                .containsEntry("SecretPath", "db/prod/password@1").containsEntry("RiskLevel", "LOW")
                .containsEntry("cat", "lease.issued").containsEntry("eventId", id);

        String json = datagrams.stream().filter(d -> d.contains(id)).findFirst().orElseThrow();
        Map<?, ?> event = JsonMapper.builder().build().readValue(json.substring(json.indexOf(" - {") + 3), Map.class);
        assertThat(event.get("subject")).isEqualTo(subject);
        assertThat(event.get("secrets")).isEqualTo(List.of("db/prod/password@1"));

        assertThat(Files.readString(rsyslog.tcpLog) + Files.readString(rsyslog.tlsLog) + String.join("", datagrams))
                .doesNotContain(SECRET_VALUE).doesNotContain(token);
    }

    @Test
    void deliverWhenRsyslogRestartsMidStreamThenEveryEventStillArrivesOverTcpAndTls() throws Exception {
        List<String> subjects = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String subject = "repo:acme/restart-" + i + "-" + UUID.randomUUID();
            session(subject);
            subjects.add(subject);
            if (i == 20) {
                rsyslog.restart();
            }
        }
        Set<String> ids = new HashSet<>();
        for (String s : subjects) {
            ids.add(eventId("token.exchanged", s));
        }
        await("all 40 in the TCP file", () -> delivered(read(rsyslog.tcpLog), "externalId=").containsAll(ids));
        await("all 40 in the TLS file", () -> delivered(read(rsyslog.tlsLog), "eventId=").containsAll(ids));
    }

    private static Set<String> delivered(List<String> lines, String key) {
        Set<String> ids = new HashSet<>();
        for (String l : lines) {
            int i = l.indexOf(key);
            if (i >= 0) {
                ids.add(l.substring(i + key.length(), Math.min(l.length(), i + key.length() + 36)));
            }
        }
        return ids;
    }

    private static List<String> read(Path p) {
        try {
            return rsyslog.lines(p);
        } catch (IOException e) {
            return List.of();
        }
    }

    /** A CEF record split by the CEF rules: header on unescaped {@code |}, extension keys before unescaped {@code =}. */
    record Cef(List<String> header, Map<String, String> extension) {
        static Cef parse(String s) {
            List<String> header = new ArrayList<>();
            StringBuilder cur = new StringBuilder();
            int i = 0;
            while (header.size() < 7) {
                char c = s.charAt(i++);
                if (c == '\\') {
                    char n = s.charAt(i++);
                    assertThat(n).as("header escapes only \\ and |").isIn('\\', '|');
                    cur.append(n);
                } else if (c == '|') {
                    header.add(cur.toString());
                    cur.setLength(0);
                } else {
                    cur.append(c);
                }
            }
            String ext = s.substring(i);
            assertThat(ext).doesNotContain("\n").doesNotContain("\r");
            Map<String, String> m = new LinkedHashMap<>();
            // a key starts after a space and ends at the first unescaped '='
            List<int[]> keys = new ArrayList<>();
            java.util.regex.Matcher k = java.util.regex.Pattern.compile("(?:^| )([A-Za-z0-9_]+)=").matcher(ext);
            while (k.find()) {
                if (!escaped(ext, k.end() - 1)) {
                    keys.add(new int[] {k.start(1), k.end()});
                }
            }
            for (int j = 0; j < keys.size(); j++) {
                int end = j + 1 < keys.size() ? keys.get(j + 1)[0] - 1 : ext.length();
                m.put(ext.substring(keys.get(j)[0], keys.get(j)[1] - 1), unescape(ext.substring(keys.get(j)[1], end),
                        "\\="));
            }
            return new Cef(header, m);
        }
    }

    /** A LEEF 2.0 record: 5 header fields and the delimiter, attributes split on the unescaped delimiter. */
    record Leef(List<String> header, Map<String, String> attributes) {
        static Leef parse(String s) {
            String[] parts = s.split("\\|", 7);
            List<String> header = List.of(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]);
            String attrs = parts[6];
            assertThat(attrs).doesNotContain("\n").doesNotContain("\r");
            Map<String, String> m = new LinkedHashMap<>();
            StringBuilder cur = new StringBuilder();
            List<String> fields = new ArrayList<>();
            for (int i = 0; i < attrs.length(); i++) {
                char c = attrs.charAt(i);
                if (c == '\\' && i + 1 < attrs.length()) {
                    cur.append(c).append(attrs.charAt(++i));
                } else if (c == '^') {
                    fields.add(cur.toString());
                    cur.setLength(0);
                } else {
                    cur.append(c);
                }
            }
            fields.add(cur.toString());
            for (String f : fields) {
                int eq = f.indexOf('=');
                m.put(f.substring(0, eq), unescape(f.substring(eq + 1), "\\^"));
            }
            return new Leef(header, m);
        }
    }

    private static boolean escaped(String s, int at) {
        int n = 0;
        for (int i = at - 1; i >= 0 && s.charAt(i) == '\\'; i--) {
            n++;
        }
        return n % 2 == 1;
    }

    /** Undoes {@code \\}, {@code \n}, {@code \r} and a backslash before any of {@code escapable}. */
    private static String unescape(String v, String escapable) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\\' && i + 1 < v.length()) {
                char n = v.charAt(++i);
                b.append(n == 'n' ? '\n' : n == 'r' ? '\r' : n);
                assertThat(n == 'n' || n == 'r' || escapable.indexOf(n) >= 0).as("escape \\%s in %s", n, v).isTrue();
            } else {
                assertThat(escapable.indexOf(c) >= 0 && c != '\\' && c != '=' || c == '=' && escapable.contains("^")
                        || escapable.indexOf(c) < 0).isTrue();
                b.append(c);
            }
        }
        return b.toString();
    }
}
