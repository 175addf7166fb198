// SPDX-License-Identifier: Apache-2.0
package io.segura.broker;

import io.segura.broker.dynamic.DynamicRevoker;
import io.segura.broker.session.ReplayStore;
import io.segura.broker.lease.LeaseService;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The broker's periodic work: expiring due leases and revoking the dynamic credentials of ended ones (both claimed
 * with {@code FOR UPDATE SKIP LOCKED}, so every replica may run them) and purging used jti entries past their token's expiry. A failed round is logged and retried next
 * tick; it never stops the loop.
 */
final class BackgroundJobs {

    private static final Logger log = LoggerFactory.getLogger(BackgroundJobs.class);
    private static final int BATCH = 200;

    private final LeaseService leases;
    private final DynamicRevoker dynamic;
    private final ReplayStore replay;
    private final Duration interval;
    private final Clock clock;
    private BackgroundLoop running;

    BackgroundJobs(LeaseService leases, DynamicRevoker dynamic, ReplayStore replay, Duration interval, Clock clock) {
        this.leases = Objects.requireNonNull(leases, "leases cannot be null");
        this.dynamic = Objects.requireNonNull(dynamic, "dynamic cannot be null");
        this.replay = Objects.requireNonNull(replay, "replay cannot be null");
        this.interval = Objects.requireNonNull(interval, "interval cannot be null");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    }

    void start() {
        running = BackgroundLoop.start(Flux.interval(interval, interval, Schedulers.parallel()), this::round,
                e -> log.warn("background round failed (will retry): {}", e.toString()));
    }

    private Mono<Void> round(long tick) {
        Mono<Void> expire = leases.expireDue(BATCH).expand(n -> n == BATCH ? leases.expireDue(BATCH) : Mono.empty())
                .then();
        // dynamic credentials of ended leases, and earlier failed revocations whose retry time came (DESIGN §6a)
        Mono<Void> revoke = dynamic.sweep(BATCH).expand(n -> n == BATCH ? dynamic.sweep(BATCH) : Mono.empty())
                .then();
        // jti entries only need purging now and then
        Mono<Void> purge = tick % 60 == 0 ? replay.purgeExpired(clock.instant()).then() : Mono.empty();
        return expire.then(revoke).then(purge);
    }

    void stop() {
        if (running != null) {
            running.stop();
        }
    }
}
