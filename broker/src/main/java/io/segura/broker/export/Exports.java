// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.export;

import io.micrometer.core.instrument.MeterRegistry;
import io.segura.broker.audit.AuditQuery;
import io.segura.broker.config.ExportsSpec;
import io.segura.broker.vault.SecretStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import tools.jackson.databind.json.JsonMapper;

/**
 * The export capability assembled (DESIGN §8a): the configured syslog sinks with their cursors, the webhook
 * subscriptions, the delivery worker and the dead letters. Built once at start-up; {@link #start} creates missing
 * cursors (so events from then on are queued for every configured sink) and starts delivering.
 */
public final class Exports {

    private final ExportCursors cursors;
    private final ExportSinks sinks;
    private final ExportWorker worker;
    private final WebhookSubscriptions webhooks;
    private final DeadLetters deadLetters;
    private final ExportMetrics metrics;
    private final Clock clock;

    public Exports(ExportsSpec spec, DatabaseClient db, TransactionalOperator tx, AuditQuery events,
            SecretStore secrets, MeterRegistry registry, JsonMapper json, Clock clock, SecureRandom random,
            String version) {
        Objects.requireNonNull(spec, "spec cannot be null");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
        this.cursors = new ExportCursors(db, tx);
        this.webhooks = new WebhookSubscriptions(db, secrets, cursors, random, clock);
        List<Sink> fixed = new ArrayList<>();
        String host = SyslogMessages.localHostname();
        for (ExportsSpec.Syslog s : spec.syslog()) {
            fixed.add(new SyslogSink(s, new SyslogMessages(s.format(), s.facility(), s.appName(), host, version,
                    json), clock));
        }
        this.sinks = new ExportSinks(fixed, webhooks, spec.webhooks().timeout(), json, clock);
        this.metrics = new ExportMetrics(registry, db, clock);
        String name = host + "/" + UUID.randomUUID().toString().substring(0, 8);
        this.worker = new ExportWorker(cursors, events, sinks, spec.delivery(), spec.delivery().claimTtl(), clock, metrics, name,
                random);
        this.deadLetters = new DeadLetters(db, events, sinks, clock);
        this.startOldest = spec.syslog().stream().map(s -> s.start() == ExportsSpec.Start.OLDEST).toList();
    }

    private final List<Boolean> startOldest;

    /** Creates every configured sink's cursor that does not exist yet, then delivers every {@code interval}. */
    public void start(Duration interval) {
        Flux.range(0, sinks.fixed().size())
                .concatMap(i -> cursors.ensure(sinks.fixed().get(i).id(), startOldest.get(i), clock.instant()))
                .then().block(Duration.ofSeconds(60));
        worker.start(interval);
    }

    public void stop() {
        worker.stop();
    }

    public ExportWorker worker() {
        return worker;
    }

    public WebhookSubscriptions webhooks() {
        return webhooks;
    }

    public DeadLetters deadLetters() {
        return deadLetters;
    }
}
