// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins.core;

import io.segura.client.BrokerClient;
import io.segura.client.BrokerException;
import io.segura.client.Lease;
import io.segura.client.Session;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a block's lease alive while the block runs (a long deploy): renews at two thirds of the remaining time by
 * the requested TTL (or the role's maximum), and stops once the broker says the lease is no longer renewable: its
 * caps — the role's {@code max-lease-ttl} from issue, and the session's end — are reached. Then the lease runs out
 * as the role intends; the values already handed to the block stay in its environment.
 */
final class LeaseKeeper {

    /** What one renewal achieved. */
    enum Outcome {
        /** The expiry moved and the broker allows more. */
        RENEWED,
        /** The broker's cap is reached: no further renewal is scheduled. */
        AT_LIMIT,
        /** The broker refused or was unreachable: a warning is logged, no further renewal is scheduled. */
        FAILED,
        /** The keeper was stopped. */
        STOPPED
    }

    private final BrokerClient client;
    private final Session session;
    private final String leaseId;
    private final Duration increment;
    private final PrintStream log;
    private final ScheduledExecutorService timer;
    private Instant expiresAt;
    private boolean stopped;

    private LeaseKeeper(BrokerClient client, Session session, Lease lease, Duration increment, PrintStream log) {
        this.client = client;
        this.session = session;
        this.leaseId = lease.leaseId();
        this.increment = increment;
        this.log = log;
        this.expiresAt = lease.expiresAt();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "segura-renew-" + lease.leaseId());
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts renewing {@code lease} in the background when the broker says it is renewable. */
    static LeaseKeeper start(BrokerClient client, Session session, Lease lease, Duration increment,
            PrintStream log) {
        LeaseKeeper keeper = new LeaseKeeper(client, session, lease, increment, log);
        if (lease.renewable()) {
            keeper.scheduleNext();
        }
        return keeper;
    }

    synchronized Instant expiresAt() {
        return expiresAt;
    }

    private synchronized void scheduleNext() {
        if (stopped) {
            return;
        }
        long remaining = Duration.between(Instant.now(), expiresAt).toMillis();
        timer.schedule(this::renewNow, Math.max(1000, remaining * 2 / 3), TimeUnit.MILLISECONDS);
    }

    /** Renews once now (the timer calls this; tests too) and schedules the next renewal when there is room. */
    Outcome renewNow() {
        Instant before;
        synchronized (this) {
            if (stopped) {
                return Outcome.STOPPED;
            }
            before = expiresAt;
        }
        Lease renewed;
        try {
            renewed = client.renew(session, leaseId, increment);
        } catch (BrokerException e) {
            log.println("withSegura: warning: lease " + leaseId + " could not be renewed (it ends at " + before
                    + "): " + e.getMessage());
            return Outcome.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.STOPPED;
        }
        synchronized (this) {
            expiresAt = renewed.expiresAt();
        }
        // the broker answers renewable=false once the expiry sits at its cap (role max-lease-ttl, session end)
        if (renewed.renewable()) {
            scheduleNext();
            return Outcome.RENEWED;
        }
        log.println("withSegura: lease " + leaseId + " reached the role's limit; it ends at " + renewed.expiresAt());
        return Outcome.AT_LIMIT;
    }

    /** Stops renewing; a renewal in flight is interrupted. Idempotent. */
    void stop() {
        synchronized (this) {
            stopped = true;
        }
        timer.shutdownNow();
    }
}
