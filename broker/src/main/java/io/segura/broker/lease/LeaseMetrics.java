// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.lease;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;

/**
 * Prometheus figures of leases: issued (and secrets released) by role, denials by reason, expiries, and session
 * revocations by how they won ({@code shared}: the group-committed round; {@code marked-first}: a lease committed
 * meanwhile, so the session was marked revoked before its leases were read).
 */
public final class LeaseMetrics {

    private final MeterRegistry registry;

    public LeaseMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry cannot be null");
    }

    void issued(String role, int secretCount) {
        registry.counter("segura.leases", "role", role, "result", "issued").increment();
        registry.counter("segura.secrets.released", "role", role).increment(secretCount);
    }

    void denied(String role, String reason) {
        registry.counter("segura.leases", "role", role, "result", "denied").increment();
        registry.counter("segura.lease.denials", "reason", reason).increment();
    }

    /** A session-token request refused before it reached a role's checks; {@code role} null when no session is known. */
    void refused(String role, String reason) {
        if (role != null) {
            registry.counter("segura.leases", "role", role, "result", "denied").increment();
        }
        registry.counter("segura.lease.denials", "reason", reason).increment();
    }

    void failed(String role) {
        registry.counter("segura.lease.errors", "role", role).increment();
    }

    void sessionRevoked(String how) {
        registry.counter("segura.session.revocations", "how", how).increment();
    }

    void expired(int count) {
        if (count > 0) {
            registry.counter("segura.leases.expired").increment(count);
        }
    }
}
