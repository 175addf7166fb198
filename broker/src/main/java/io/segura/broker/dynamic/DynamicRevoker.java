// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic;

import io.segura.broker.audit.AuditEvent;
import io.segura.broker.audit.AuditEventType;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.lease.Lease;
import io.segura.broker.lease.LeaseStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Revokes dynamic credentials exactly once (DESIGN §6a). Every path that ends a lease — the holder's revoke, the
 * session's revoke at job end, an admin's bulk revoke — calls {@link #revokeEnded} right after its commit; the
 * sweeper ({@link #sweep}) catches expiries and everything a crash or a failure left behind.
 *
 * <p>Each attempt runs in its own transaction that first claims the credential's row with
 * {@code FOR UPDATE SKIP LOCKED}, keeps the lock while the engine revokes, and commits the outcome with its audit
 * event: {@code dynamic.revoked} and {@code revoked_at}, or {@code dynamic.revoke_failed} and the next attempt after
 * a backoff (10 s doubling to 15 min, forever: a credential is never given up on). A second replica or a second
 * path skips the locked row and, once it is committed as revoked, no longer finds it — so the engine's revocation
 * runs once. Only a crash between the engine's success and the commit repeats it, which the engines' idempotent
 * revocation absorbs.
 */
public final class DynamicRevoker {

    private static final Logger log = LoggerFactory.getLogger(DynamicRevoker.class);
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(10);
    static final Duration MAX_BACKOFF = Duration.ofMinutes(15);

    private final DynamicEngines engines;
    private final DynamicCredentialStore store;
    private final LeaseStore leases;
    private final AuditLog audit;
    private final TransactionalOperator tx;
    private final Clock clock;

    public DynamicRevoker(DynamicEngines engines, DynamicCredentialStore store, LeaseStore leases, AuditLog audit,
            TransactionalOperator tx, Clock clock) {
        this.engines = Objects.requireNonNull(engines, "engines cannot be null");
        this.store = Objects.requireNonNull(store, "store cannot be null");
        this.leases = Objects.requireNonNull(leases, "leases cannot be null");
        this.audit = Objects.requireNonNull(audit, "audit cannot be null");
        this.tx = Objects.requireNonNull(tx, "tx cannot be null");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    }

    /**
     * Revokes the credentials of leases that just ended (static leases among them are skipped). Never fails: what
     * cannot be revoked now is recorded and retried by the sweeper.
     */
    public Mono<Void> revokeEnded(List<String> leaseIds) {
        return store.openAmong(leaseIds)
                .concatMap(id -> attempt(store.claim(id, clock.instant())))
                .then()
                .onErrorResume(e -> {
                    log.warn("dynamic revocation after a lease ended did not run ({}); the sweeper retries it",
                            e.toString());
                    return Mono.empty();
                });
    }

    /**
     * Revokes up to {@code batch} due credentials (expired leases, earlier failures whose retry time came); safe on
     * every replica at once.
     *
     * @return how many credentials this call attempted
     */
    public Mono<Integer> sweep(int batch) {
        return Mono.defer(() -> attempt(store.claimDue(clock.instant())))
                .repeat(Math.max(0, batch - 1))
                .takeWhile(Boolean::booleanValue)
                .count()
                .map(Long::intValue);
    }

    /** Claims and revokes one credential in one transaction; emits whether there was one to claim. */
    private Mono<Boolean> attempt(Mono<DynamicCredential> claim) {
        return claim.flatMap(c -> revoke(c).thenReturn(true))
                .defaultIfEmpty(false)
                .as(tx::transactional);
    }

    private Mono<Void> revoke(DynamicCredential c) {
        Mono<Void> engineRevoke = engines.byName(c.name())
                .map(e -> e.revoke(c.handle()))
                .orElseGet(() -> Mono.error(new RevocationFailedException("dynamic secret " + c.name()
                        + " is no longer configured: put its engine back in the trust config to revoke "
                        + c.principal())));
        return leases.find(c.leaseId()).map(java.util.Optional::of).defaultIfEmpty(java.util.Optional.empty())
                .flatMap(lease -> engineRevoke
                        .then(Mono.defer(() -> revoked(c, lease.orElse(null))))
                        .onErrorResume(e -> !(e instanceof org.springframework.dao.DataAccessException),
                                e -> failed(c, lease.orElse(null), e)));
    }

    private Mono<Void> revoked(DynamicCredential c, Lease lease) {
        Instant now = clock.instant();
        return store.markRevoked(c.leaseId(), now)
                .then(audit.append(event(AuditEventType.DYNAMIC_REVOKED, c, lease)
                        .reason(lease != null && lease.revokeReason() != null ? lease.revokeReason() : "expired")));
    }

    private Mono<Void> failed(DynamicCredential c, Lease lease, Throwable e) {
        Instant now = clock.instant();
        int attempts = c.attempts() + 1;
        Instant next = now.plus(backoff(attempts));
        String error = e instanceof RevocationFailedException || e instanceof io.segura.broker.Refusal
                ? e.getMessage() : e.getClass().getSimpleName();
        log.warn("dynamic secret {}: revoking {} of lease {} failed (attempt {}, next at {}): {}", c.name(),
                c.principal(), c.leaseId(), attempts, next, error);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("attempts", attempts);
        details.put("next_attempt_at", next.toString());
        details.put("error", error);
        return store.markFailed(c.leaseId(), attempts, next, error)
                .then(audit.append(event(AuditEventType.DYNAMIC_REVOKE_FAILED, c, lease)
                        .reason("revocation failed; retried with backoff").details(merge(c, details))));
    }

    static Duration backoff(int attempts) {
        Duration d = FIRST_BACKOFF;
        for (int i = 1; i < attempts && d.compareTo(MAX_BACKOFF) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
    }

    private static AuditEvent.Builder event(AuditEventType type, DynamicCredential c, Lease lease) {
        AuditEvent.Builder b = AuditEvent.builder(type).role(c.role()).leaseId(c.leaseId())
                .details(merge(c, Map.of()));
        if (lease != null) {
            b.issuer(lease.issuer()).subject(lease.subject()).ctx(lease.ctx());
        }
        return b;
    }

    private static Map<String, Object> merge(DynamicCredential c, Map<String, Object> more) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("name", c.name());
        details.put("engine", c.engine());
        details.put("username", c.principal());
        details.putAll(more);
        return details;
    }

    /** For the admin list. */
    public Flux<DynamicCredential> pending(boolean failingOnly, int limit) {
        return store.pending(clock.instant(), failingOnly, limit);
    }
}
