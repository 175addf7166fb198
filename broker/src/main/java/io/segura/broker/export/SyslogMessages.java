// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.export;

import io.segura.broker.audit.AuditEvent;
import io.segura.broker.config.ExportsSpec;
import java.net.InetAddress;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import tools.jackson.databind.json.JsonMapper;

/**
 * Renders an audit event as an RFC 5424 syslog message whose MSG is CEF, LEEF 2.0 or JSON (docs/EXPORTS.md has the
 * field mapping). Escaping follows each format: CEF (ArcSight "Implementing ArcSight CEF" rev. 25) escapes {@code \}
 * and {@code |} in header fields and {@code \}, {@code =} and line breaks ({@code \n}, {@code \r}) in extension
 * values; LEEF 2.0 escapes {@code \}, the attribute delimiter {@code ^} and line breaks in values and {@code \} and
 * {@code |} in header fields. No raw line break ever reaches the wire, so one event is one syslog line.
 */
final class SyslogMessages {

    static final String VENDOR = "Segura";
    static final String PRODUCT = "PAM";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSX")
            .withZone(ZoneOffset.UTC);
    private static final Pattern IP = Pattern.compile("^[0-9.]{7,15}$|^[0-9a-fA-F:]{2,39}$");

    private final ExportsSpec.Format format;
    private final int facility;
    private final String appName;
    private final String hostname;
    private final String version;
    private final JsonMapper json;

    SyslogMessages(ExportsSpec.Format format, int facility, String appName, String hostname, String version,
            JsonMapper json) {
        this.format = Objects.requireNonNull(format, "format cannot be null");
        this.facility = facility;
        this.appName = Objects.requireNonNull(appName, "appName cannot be null");
        this.hostname = hostname == null || hostname.isEmpty() ? "-" : printable(hostname, 255);
        this.version = version == null ? "dev" : version;
        this.json = Objects.requireNonNull(json, "json cannot be null");
    }

    static String localHostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "-";
        }
    }

    /** The whole RFC 5424 message: {@code <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG}. */
    String message(AuditEvent e) {
        int pri = facility * 8 + syslogSeverity(e);
        return "<" + pri + ">1 " + TIME.format(e.occurredAt()) + " " + hostname + " " + appName + " - "
                + printable(e.type().wireName(), 32) + " - " + body(e);
    }

    String body(AuditEvent e) {
        return switch (format) {
            case CEF -> cef(e);
            case LEEF -> leef(e);
            case JSON -> json.writeValueAsString(EventJson.view(e));
        };
    }

    // ---- CEF ---------------------------------------------------------------------------------------------------

    String cef(AuditEvent e) {
        StringBuilder b = new StringBuilder(256).append("CEF:0|").append(cefHeader(VENDOR)).append('|')
                .append(cefHeader(PRODUCT)).append('|').append(cefHeader(version)).append('|')
                .append(cefHeader(signatureId(e))).append('|').append(cefHeader(name(e))).append('|')
                .append(cefSeverity(e)).append('|');
        Map<String, String> ext = new LinkedHashMap<>();
        ext.put("rt", Long.toString(e.occurredAt().toEpochMilli()));
        if (e.clientIp() != null && IP.matcher(e.clientIp()).matches()) {
            ext.put("src", e.clientIp());
        }
        put(ext, "suser", e.subject());
        put(ext, "cs1", paths(e.secrets()));
        if (ext.containsKey("cs1")) {
            ext.put("cs1Label", "SecretPath");
        }
        ext.put("cs2", risk(e));
        ext.put("cs2Label", "RiskLevel");
        put(ext, "cs3", e.role());
        if (ext.containsKey("cs3")) {
            ext.put("cs3Label", "Role");
        }
        put(ext, "cs4", e.leaseId());
        if (ext.containsKey("cs4")) {
            ext.put("cs4Label", "LeaseId");
        }
        put(ext, "cs5", e.issuer());
        if (ext.containsKey("cs5")) {
            ext.put("cs5Label", "Issuer");
        }
        ext.put("cn1", Long.toString(e.seq()));
        ext.put("cn1Label", "Seq");
        ext.put("externalId", e.id());
        ext.put("act", e.type().wireName());
        ext.put("outcome", failure(e) ? "failure" : "success");
        put(ext, "msg", e.reason());
        StringBuilder x = new StringBuilder();
        ext.forEach((k, v) -> x.append(x.length() == 0 ? "" : " ").append(k).append('=').append(cefValue(v)));
        return b.append(x).toString();
    }

    /** CEF header fields: {@code \} and {@code |} escaped; a line break is not allowed, so it becomes a space. */
    static String cefHeader(String s) {
        return s.replace("\\", "\\\\").replace("|", "\\|").replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ');
    }

    /** CEF extension values: {@code \}, {@code =} escaped, line breaks as {@code \n} / {@code \r}. */
    static String cefValue(String s) {
        return s.replace("\\", "\\\\").replace("=", "\\=").replace("\n", "\\n").replace("\r", "\\r");
    }

    // ---- LEEF 2.0 ----------------------------------------------------------------------------------------------

    String leef(AuditEvent e) {
        StringBuilder b = new StringBuilder(256).append("LEEF:2.0|").append(leefHeader(VENDOR)).append('|')
                .append(leefHeader(PRODUCT)).append('|').append(leefHeader(version)).append('|')
                .append(leefHeader(signatureId(e))).append("|^|");
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("devTime", TIME.format(e.occurredAt()));
        attrs.put("devTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSX");
        attrs.put("cat", e.type().wireName());
        attrs.put("sev", Integer.toString(Math.max(1, cefSeverity(e))));
        if (e.clientIp() != null && IP.matcher(e.clientIp()).matches()) {
            attrs.put("src", e.clientIp());
        }
        put(attrs, "usrName", e.subject());
        put(attrs, "SecretPath", paths(e.secrets()));
        attrs.put("RiskLevel", risk(e));
        put(attrs, "role", e.role());
        put(attrs, "leaseId", e.leaseId());
        put(attrs, "issuer", e.issuer());
        attrs.put("seq", Long.toString(e.seq()));
        attrs.put("eventId", e.id());
        put(attrs, "reason", e.reason());
        StringBuilder x = new StringBuilder();
        attrs.forEach((k, v) -> x.append(x.length() == 0 ? "" : "^").append(k).append('=').append(leefValue(v)));
        return b.append(x).toString();
    }

    static String leefHeader(String s) {
        return cefHeader(s);
    }

    /** LEEF attribute values: {@code \}, the delimiter {@code ^} escaped, line breaks as {@code \n} / {@code \r}. */
    static String leefValue(String s) {
        return s.replace("\\", "\\\\").replace("^", "\\^").replace("\n", "\\n").replace("\r", "\\r");
    }

    // ---- mapping -----------------------------------------------------------------------------------------------

    private static void put(Map<String, String> m, String k, String v) {
        if (v != null && !v.isEmpty()) {
            m.put(k, v);
        }
    }

    private static String paths(List<String> secrets) {
        return secrets == null || secrets.isEmpty() ? null : String.join(",", secrets);
    }

    /** {@code lease.issued} is the seed's A2A_SECRET_ACCESS; every other type is A2A_ + its name in capitals. */
    static String signatureId(AuditEvent e) {
        String wire = e.type().wireName();
        return wire.equals("lease.issued") ? "A2A_SECRET_ACCESS"
                : "A2A_" + wire.replace('.', '_').toUpperCase(Locale.ROOT);
    }

    static String name(AuditEvent e) {
        return switch (e.type().wireName()) {
            case "lease.issued" -> "Secret retrieved by NHI";
            case "lease.denied" -> "Secret request denied";
            case "token.exchanged" -> "CI token exchanged for a session";
            case "token.rejected" -> "CI token rejected";
            case "secret.exposed" -> "Secret reported exposed";
            default -> e.type().wireName();
        };
    }

    private static boolean failure(AuditEvent e) {
        String w = e.type().wireName();
        return w.endsWith(".denied") || w.endsWith(".rejected") || w.endsWith("_failed");
    }

    /** LOW, MEDIUM or HIGH: a {@code risk} detail when the event carries one, else by type. */
    static String risk(AuditEvent e) {
        Object given = e.details() == null ? null : e.details().get("risk");
        if (given instanceof String s && (s.equals("LOW") || s.equals("MEDIUM") || s.equals("HIGH"))) {
            return s;
        }
        String w = e.type().wireName();
        if (w.equals("secret.exposed") || w.endsWith("_failed")) {
            return "HIGH";
        }
        return failure(e) ? "MEDIUM" : "LOW";
    }

    static int cefSeverity(AuditEvent e) {
        return switch (risk(e)) {
            case "HIGH" -> 8;
            case "MEDIUM" -> 5;
            default -> 3;
        };
    }

    /** RFC 5424 severity: 2 critical (HIGH), 4 warning (MEDIUM), 6 informational. */
    private static int syslogSeverity(AuditEvent e) {
        return switch (risk(e)) {
            case "HIGH" -> 2;
            case "MEDIUM" -> 4;
            default -> 6;
        };
    }

    /** RFC 5424 header fields are PRINTUSASCII (33..126). */
    private static String printable(String s, int max) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), max));
        for (int i = 0; i < s.length() && b.length() < max; i++) {
            char c = s.charAt(i);
            b.append(c > 32 && c < 127 ? c : '_');
        }
        return b.length() == 0 ? "-" : b.toString();
    }
}
