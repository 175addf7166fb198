// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import io.segura.client.BrokerClient;
import io.segura.client.BrokerException;
import io.segura.client.Lease;
import io.segura.client.Session;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a lease alive while {@code exec}'s child runs: renews at two thirds of the remaining time, by the requested
 * TTL (or the role's maximum), and stops once the broker's caps (role {@code max-lease-ttl}, session end) stop the
 * expiry from moving — then the lease simply runs out, as the role intends.
 */
final class LeaseRenewer {

    private final BrokerClient client;
    private final Session session;
    private final Duration increment;
    private final PrintWriter err;
    private final ScheduledExecutorService timer;
    private volatile Instant expiresAt;
    private final String leaseId;

    private LeaseRenewer(BrokerClient client, Session session, Lease lease, Duration increment, PrintWriter err) {
        this.client = client;
        this.session = session;
        this.increment = increment;
        this.err = err;
        this.leaseId = lease.leaseId();
        this.expiresAt = lease.expiresAt();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "segura-renew");
            t.setDaemon(true);
            return t;
        });
    }

    static LeaseRenewer start(BrokerClient client, Session session, Lease lease, Duration increment,
            PrintWriter err) {
        LeaseRenewer r = new LeaseRenewer(client, session, lease, increment, err);
        if (lease.renewable()) {
            r.scheduleNext();
        }
        return r;
    }

    /** The lease's current expiry, as last confirmed by the broker. */
    Instant expiresAt() {
        return expiresAt;
    }

    private void scheduleNext() {
        long remaining = Duration.between(Instant.now(), expiresAt).toMillis();
        long delay = Math.max(1000, remaining * 2 / 3);
        timer.schedule(this::renew, delay, TimeUnit.MILLISECONDS);
    }

    private void renew() {
        try {
            Lease renewed = client.renew(session, leaseId, increment);
            boolean moved = renewed.expiresAt().isAfter(expiresAt.plusSeconds(1));
            expiresAt = renewed.expiresAt();
            if (moved && renewed.renewable()) {
                scheduleNext();
            } else {
                err.println("segura-cli: lease " + leaseId + " reached the role's limit; it ends at " + expiresAt);
                err.flush();
            }
        } catch (BrokerException e) {
            err.println("segura-cli: warning: lease " + leaseId + " could not be renewed (it ends at " + expiresAt
                    + "): " + e.getMessage());
            err.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void stop() {
        timer.shutdownNow();
    }
}
