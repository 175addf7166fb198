// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The {@code exports} section (DESIGN §8a, docs/EXPORTS.md): how the outbox delivers (attempts before a dead letter,
 * back-off, batch size), the webhook transport settings (subscriptions themselves are registered over the API), and
 * the syslog sinks.
 */
public record ExportsSpec(Delivery delivery, Webhooks webhooks, List<Syslog> syslog) {

    public static final ExportsSpec DEFAULT = new ExportsSpec(Delivery.DEFAULT, Webhooks.DEFAULT, List.of());

    public ExportsSpec {
        Objects.requireNonNull(delivery, "delivery cannot be null");
        Objects.requireNonNull(webhooks, "webhooks cannot be null");
        syslog = List.copyOf(syslog);
    }

    /**
     * @param maxAttempts tries of one event before it becomes a dead letter (1..100)
     * @param backoff     the wait after the first failure; doubled per further failure, with full jitter
     * @param maxBackoff  the cap of the wait
     * @param batch       events per delivery round and sink (1..1000)
     * @param claimTtl    how long a worker's claim on a sink lasts; another replica takes a sink over after a
     *                    worker died once this has passed (a round stops handing events over at half of it)
     */
    public record Delivery(int maxAttempts, Duration backoff, Duration maxBackoff, int batch, Duration claimTtl) {
        public static final Delivery DEFAULT = new Delivery(8, Duration.ofSeconds(1), Duration.ofMinutes(10), 200,
                Duration.ofSeconds(60));
    }

    /** @param timeout connect and response timeout of one delivery */
    public record Webhooks(Duration timeout) {
        public static final Webhooks DEFAULT = new Webhooks(Duration.ofSeconds(10));
    }

    /** The syslog transports: RFC 6587 octet counting over TCP, the same over TLS (RFC 5425), one datagram each. */
    public enum Transport { TCP, TLS, UDP }

    /** The message bodies: ArcSight CEF, QRadar LEEF 2.0, or the event as JSON. */
    public enum Format { CEF, LEEF, JSON }

    /** Where a new sink's cursor starts: the next event ({@code latest}) or the first event ever ({@code oldest}). */
    public enum Start { LATEST, OLDEST }

    /**
     * One syslog sink.
     *
     * @param events   event types to send (wire names), empty for every type
     * @param caFile   PEM certificates to trust for TLS; {@code null}: the JVM's trust store
     * @param timeout  connect and write timeout
     */
    public record Syslog(String name, Transport transport, String host, int port, Format format, Set<String> events,
            Path caFile, String appName, int facility, Duration timeout, Start start, SourceLocation at) {

        public Syslog {
            Objects.requireNonNull(name, "name cannot be null");
            events = Set.copyOf(events);
        }
    }
}
