// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import io.segura.broker.audit.AuditEventType;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;

/** Reads {@code exports} (docs/EXPORTS.md) strictly: every bad value is reported with its position. */
final class ExportsParser {

    static final Set<String> KEYS = Set.of("delivery", "webhooks", "syslog");
    static final Set<String> DELIVERY_KEYS = Set.of("max-attempts", "backoff", "max-backoff", "batch",
            "claim-ttl");
    static final Set<String> WEBHOOK_KEYS = Set.of("timeout");
    static final Set<String> SYSLOG_KEYS = Set.of("name", "url", "format", "events", "ca-file", "app-name",
            "facility", "timeout", "start");
    static final int MAX_SINKS = 32;

    private ExportsParser() {
    }

    static ExportsSpec parse(YamlMap m) {
        ExportsSpec.Delivery delivery = ExportsSpec.Delivery.DEFAULT;
        if (m.has("delivery")) {
            YamlMap d = YamlMap.open(m.value("delivery"), m.path("delivery"), m.problems(), DELIVERY_KEYS);
            if (d != null) {
                delivery = delivery(d);
            }
        }
        ExportsSpec.Webhooks webhooks = ExportsSpec.Webhooks.DEFAULT;
        if (m.has("webhooks")) {
            YamlMap w = YamlMap.open(m.value("webhooks"), m.path("webhooks"), m.problems(), WEBHOOK_KEYS);
            if (w != null) {
                Duration t = w.duration("timeout", Duration.ofSeconds(1), false, Duration.ofSeconds(60));
                webhooks = new ExportsSpec.Webhooks(t == null ? webhooks.timeout() : t);
            }
        }
        List<YamlMap> sinks = m.maps("syslog", SYSLOG_KEYS);
        if (sinks.size() > MAX_SINKS) {
            m.problems().add(m.value("syslog"), m.path("syslog"), "at most " + MAX_SINKS + " syslog sinks");
        }
        NameRegistry names = new NameRegistry();
        List<ExportsSpec.Syslog> syslog = new ArrayList<>();
        for (YamlMap s : sinks) {
            ExportsSpec.Syslog sink = syslog(s, names);
            if (sink != null) {
                syslog.add(sink);
            }
        }
        // a round stops handing events over at half the claim; one delivery may still take a whole timeout after
        // that, and must end before the claim does, or another replica could take the sink over mid-delivery
        Duration longest = webhooks.timeout();
        for (ExportsSpec.Syslog s : syslog) {
            longest = s.timeout().compareTo(longest) > 0 ? s.timeout() : longest;
        }
        if (delivery.claimTtl().compareTo(longest.multipliedBy(2)) < 0) {
            Node at = m.has("delivery") ? m.value("delivery") : m.value("syslog");
            m.problems().add(at == null ? m.value("webhooks") : at, m.path("delivery.claim-ttl"), "must be at least "
                    + "twice the longest timeout (" + Durations.format(longest) + "), got "
                    + Durations.format(delivery.claimTtl()));
        }
        return new ExportsSpec(delivery, webhooks, syslog);
    }

    private static ExportsSpec.Delivery delivery(YamlMap d) {
        ExportsSpec.Delivery dflt = ExportsSpec.Delivery.DEFAULT;
        Integer attempts = d.integer("max-attempts", 1, 100);
        Duration backoff = d.duration("backoff", Duration.ofSeconds(1), false, Duration.ofHours(1));
        Duration max = d.duration("max-backoff", Duration.ofSeconds(1), false, Duration.ofDays(1));
        Integer batch = d.integer("batch", 1, 1000);
        Duration claim = d.duration("claim-ttl", Duration.ofSeconds(2), false, Duration.ofHours(1));
        Duration b = backoff == null ? dflt.backoff() : backoff;
        Duration mb = max == null ? dflt.maxBackoff() : max;
        if (mb.compareTo(b) < 0) {
            d.problems().add(d.value(max != null ? "max-backoff" : "backoff"), d.path("max-backoff"),
                    "must be at least backoff (" + Durations.format(b) + ")");
        }
        return new ExportsSpec.Delivery(attempts == null ? dflt.maxAttempts() : attempts, b, mb,
                batch == null ? dflt.batch() : batch, claim == null ? dflt.claimTtl() : claim);
    }

    private static ExportsSpec.Syslog syslog(YamlMap s, NameRegistry names) {
        Problems p = s.problems();
        String name = s.string("name", true);
        names.register(s, "name", name);
        String url = s.string("url", true);
        ExportsSpec.Transport transport = null;
        String host = null;
        int port = -1;
        if (url != null) {
            try {
                URI uri = new URI(url);
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                transport = switch (scheme) {
                    case "tcp" -> ExportsSpec.Transport.TCP;
                    case "tls" -> ExportsSpec.Transport.TLS;
                    case "udp" -> ExportsSpec.Transport.UDP;
                    default -> null;
                };
                if (transport == null) {
                    p.add(s.value("url"), s.path("url"), "the scheme must be tcp, tls or udp, got `" + scheme + "`");
                } else if (uri.getHost() == null || uri.getPort() < 1 || uri.getPort() > 65535) {
                    p.add(s.value("url"), s.path("url"), "must be " + scheme + "://HOST:PORT with a port of 1..65535");
                    transport = null;
                } else if ((uri.getRawPath() != null && !uri.getRawPath().isEmpty()) || uri.getRawQuery() != null
                        || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
                    p.add(s.value("url"), s.path("url"), "must be " + scheme + "://HOST:PORT, nothing else");
                    transport = null;
                } else {
                    host = uri.getHost();
                    port = uri.getPort();
                }
            } catch (URISyntaxException e) {
                p.add(s.value("url"), s.path("url"), "not a valid URL: " + e.getReason());
            }
        }
        ExportsSpec.Format format = ExportsSpec.Format.CEF;
        String f = s.string("format");
        if (f != null) {
            try {
                format = ExportsSpec.Format.valueOf(f.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                p.add(s.value("format"), s.path("format"), "unknown format `" + f + "`; one of cef, leef, json");
                format = null;
            }
        }
        Set<String> events = events(s);
        Path ca = null;
        String caFile = s.string("ca-file", false);
        if (caFile != null) {
            try {
                ca = Path.of(caFile);
            } catch (java.nio.file.InvalidPathException e) {
                p.add(s.value("ca-file"), s.path("ca-file"), "not a file path: " + e.getReason());
                caFile = null;
            }
        }
        if (caFile != null) {
            if (transport != null && transport != ExportsSpec.Transport.TLS) {
                p.add(s.value("ca-file"), s.path("ca-file"), "only a tls:// sink has a CA file");
            } else if (!Files.isReadable(ca)) {
                p.add(s.value("ca-file"), s.path("ca-file"), "cannot read `" + caFile + "`");
            }
        }
        String appName = s.string("app-name", false);
        if (appName != null && (appName.length() > 48 || !appName.chars().allMatch(c -> c > 32 && c < 127))) {
            p.add(s.value("app-name"), s.path("app-name"), "must be 1..48 printable ASCII characters (RFC 5424 §6.2.5)");
        }
        Integer facility = s.integer("facility", 0, 23);
        Duration timeout = s.duration("timeout", Duration.ofSeconds(1), false, Duration.ofSeconds(60));
        ExportsSpec.Start start = ExportsSpec.Start.LATEST;
        String st = s.string("start");
        if (st != null) {
            if (st.equals("latest") || st.equals("oldest")) {
                start = ExportsSpec.Start.valueOf(st.toUpperCase(Locale.ROOT));
            } else {
                p.add(s.value("start"), s.path("start"), "must be latest or oldest, got `" + st + "`");
            }
        }
        if (name == null || transport == null || format == null) {
            return null;
        }
        return new ExportsSpec.Syslog(name, transport, host, port, format, events, ca,
                appName == null ? "segura" : appName, facility == null ? 10 : facility,
                timeout == null ? Duration.ofSeconds(10) : timeout, start, s.at());
    }

    private static Set<String> events(YamlMap s) {
        List<String> list = s.strings("events", false);
        if (list == null) {
            return Set.of();
        }
        Set<String> out = new LinkedHashSet<>();
        for (int i = 0; i < list.size(); i++) {
            try {
                out.add(AuditEventType.fromWireName(list.get(i)).wireName());
            } catch (IllegalArgumentException e) {
                s.problems().add(s.element("events", i), s.path("events") + "[" + i + "]", "unknown event type `"
                        + list.get(i) + "`" + ConfigSyntax.suggest(list.get(i), Arrays.stream(AuditEventType.values())
                                .map(AuditEventType::wireName).toList()));
            }
        }
        return out;
    }

}
