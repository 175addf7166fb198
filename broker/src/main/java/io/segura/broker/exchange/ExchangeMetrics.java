// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.exchange;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Prometheus figures of {@code /oauth2/token}: exchanges by role, denials by reason, and a latency histogram.
 * Tags are bounded: role names come from the config and reasons from a fixed vocabulary, never from a token.
 */
public final class ExchangeMetrics {

    private final MeterRegistry registry;
    private final Timer latency;
    private final ConcurrentHashMap<String, Counter> exchanged = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> denied = new ConcurrentHashMap<>();

    public ExchangeMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry cannot be null");
        this.latency = Timer.builder("segura.exchange.latency")
                .description("Time to answer a successful /oauth2/token request")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(5))
                .register(registry);
    }

    public void exchanged(String role, long nanos) {
        latency.record(nanos, TimeUnit.NANOSECONDS);
        exchanged.computeIfAbsent(role, r -> Counter.builder("segura.exchanges")
                .description("Sessions issued by /oauth2/token").tag("role", r).register(registry)).increment();
    }

    public void denied(String reason) {
        String r = reason == null ? "unknown" : reason;
        denied.computeIfAbsent(r, x -> Counter.builder("segura.denials")
                .description("Refused /oauth2/token requests by reason").tag("reason", x).register(registry))
                .increment();
    }
}
