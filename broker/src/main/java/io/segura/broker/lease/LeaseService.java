// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.lease;

import io.segura.broker.Refusal;
import io.segura.broker.audit.AuditEvent;
import io.segura.broker.audit.AuditEventType;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.database.GroupCommit;
import io.segura.broker.database.Table;
import io.segura.broker.database.Writes;
import io.segura.broker.trust.TrustRole;
import io.segura.broker.usage.SecretUses;
import io.segura.broker.trust.TrustRoles;
import io.segura.broker.policy.Decision;
import io.segura.broker.policy.DeploymentGate;
import io.segura.broker.policy.GateRequest;
import io.segura.broker.policy.Violation;
import io.segura.broker.session.Session;
import io.segura.broker.session.SessionStore;
import io.segura.broker.vault.SecretNotFoundException;
import io.segura.broker.vault.SecretRef;
import io.segura.broker.vault.SecretStore;
import io.segura.broker.vault.SecretValue;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.stream.Collectors;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Grants, renews and ends leases for a session within its role's limits, after the role's deployment policies
 * (DESIGN §7) have looked at what would be released. A lease row, its audit event and the
 * session update commit in one transaction (shared with the other leases in flight, {@link GroupCommit}), so no secret
 * leaves the broker without its audit record (DESIGN §6).
 */
public final class LeaseService {

    private final TrustRoles roles;
    private final SecretStore secrets;
    private final LeaseStore leases;
    private final SessionStore sessions;
    private final AuditLog audit;
    private final TransactionalOperator tx;
    private final GroupCommit commits;
    private final Clock clock;
    private final LeaseMetrics metrics;
    private final DeploymentGate gate;
    private final LeaseEndings endings;

    /**
     * Told which leases ended after each revocation commits (the dynamic-secret revoker drops their credentials
     * then, DESIGN §6a). It must not fail the revocation: what it cannot do now, it retries on its own.
     */
    @FunctionalInterface
    public interface LeaseEndings {
        Mono<Void> ended(List<String> leaseIds);
    }

    public LeaseService(TrustRoles roles, SecretStore secrets, LeaseStore leases, SessionStore sessions,
            AuditLog audit, TransactionalOperator tx, GroupCommit commits, Clock clock, LeaseMetrics metrics,
            DeploymentGate gate) {
        this(roles, secrets, leases, sessions, audit, tx, commits, clock, metrics, gate, ids -> Mono.empty());
    }

    public LeaseService(TrustRoles roles, SecretStore secrets, LeaseStore leases, SessionStore sessions,
            AuditLog audit, TransactionalOperator tx, GroupCommit commits, Clock clock, LeaseMetrics metrics,
            DeploymentGate gate, LeaseEndings endings) {
        this.endings = Objects.requireNonNull(endings, "endings cannot be null");
        this.roles = Objects.requireNonNull(roles, "roles cannot be null");
        this.secrets = Objects.requireNonNull(secrets, "secrets cannot be null");
        this.leases = Objects.requireNonNull(leases, "leases cannot be null");
        this.sessions = Objects.requireNonNull(sessions, "sessions cannot be null");
        this.audit = Objects.requireNonNull(audit, "audit cannot be null");
        this.tx = Objects.requireNonNull(tx, "tx cannot be null");
        this.commits = Objects.requireNonNull(commits, "commits cannot be null");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
        this.metrics = Objects.requireNonNull(metrics, "metrics cannot be null");
        this.gate = Objects.requireNonNull(gate, "gate cannot be null");
    }

    public Mono<IssuedLease> lease(Session session, LeaseRequest request, String clientIp, String requestId) {
        Instant now = clock.instant();
        TrustRole role;
        try {
            role = roleOf(session);
        } catch (Refusal e) {
            return denied(session, request, clientIp, requestId, e.reason(), e);
        }
        List<String> refused = request.secrets().stream()
                .map(SecretRef::path)
                .filter(p -> !role.allowsSecret(p))
                .distinct()
                .toList();
        if (!refused.isEmpty()) {
            return denied(session, request, clientIp, requestId, "path-not-allowed", Refusal.forbidden(
                    "path-not-allowed",
                    "role \"" + role.name() + "\" may not lease " + String.join(", ", refused)));
        }
        List<String> warnings = new ArrayList<>();
        Duration cap = min(role.maxLeaseTtl(), session.remaining(now));
        Duration ttl = request.ttl() == null ? cap : request.ttl();
        if (ttl.compareTo(cap) > 0) {
            warnings.add("ttl " + request.ttl().toSeconds() + "s capped to " + cap.toSeconds()
                    + "s by the role's max-lease-ttl and the session's remaining lifetime");
            ttl = cap;
        }
        if (ttl.isZero() || ttl.isNegative()) {
            return denied(session, request, clientIp, requestId, "unauthenticated",
                    Refusal.unauthenticated("session has expired"));
        }
        Instant expires = now.plus(ttl);
        boolean renewable = expires.isBefore(renewalLimit(role, session, now));
        List<String> refsAsWritten = request.secrets().stream().map(SecretRef::toString).toList();
        GateRequest gateRequest = new GateRequest(role.name(), session.claims(), session.ctx(), refsAsWritten,
                request.ttl());
        return secrets.readForLease(request.secrets())
                .onErrorResume(SecretNotFoundException.class, e -> denied(session, request, clientIp, requestId,
                        "secret-not-found", Refusal.notFound("secret-not-found", e.getMessage())))
                .flatMap(read -> {
                    Decision decision = gate.evaluate(gateRequest, read.facts(), now);
                    if (decision.blocked()) {
                        return blocked(session, request, clientIp, requestId, role, decision);
                    }
                    List<SecretValue> values = read.values();
                    List<String> refs = values.stream().map(SecretValue::ref).toList();
                    Lease lease = new Lease(UUID.randomUUID().toString(), session.id(), session.role(),
                            session.issuer(), session.clientId(), session.subject(), session.ctx(), refs, renewable,
                            now, expires, null, null);
                    AuditEvent.Builder event = base(AuditEventType.LEASE_ISSUED, session, clientIp).leaseId(lease.id())
                            .secrets(refs).details(Map.of("ttl_seconds", Duration.between(now, expires).toSeconds()));
                    List<String> allWarnings = new ArrayList<>(warnings);
                    decision.warnings().forEach(v -> allWarnings.add(v.render()));
                    AuditEvent issued = event.build();
                    Writes writes = Writes.of(leases.row(lease), AuditLog.row(issued));
                    for (Table.Row use : SecretUses.rows(issued, read.facts())) {
                        writes = writes.and(use);
                    }
                    if (!decision.warnings().isEmpty()) {
                        writes = writes.and(AuditLog.row(base(AuditEventType.POLICY_WARNED, session, clientIp)
                                .leaseId(lease.id()).secrets(refs).reason("released with "
                                        + decision.warnings().size() + " warn-mode policy violation(s)")
                                .details(Map.of("violations", Decision.maps(decision.warnings()))).build()));
                    }
                    return commits.commit(writes.and(SessionStore.recordLease(session.id())))
                            .thenReturn(new IssuedLease(lease, values, allWarnings, decision.warnings()));
                })
                .doOnSuccess(l -> metrics.issued(role.name(), l.values().size()))
                .doOnError(e -> metrics.failed(role.name()));
    }

    /** An enforce-mode policy refused: audit {@code lease.denied} with every violation, answer 403. */
    private Mono<IssuedLease> blocked(Session session, LeaseRequest request, String clientIp, String requestId,
            TrustRole role, Decision decision) {
        List<Violation> violations = decision.violations();
        metrics.denied(session.role(), "deployment-blocked");
        List<String> refs = request.secrets().stream().map(SecretRef::toString).toList();
        String detail = "role \"" + role.name() + "\" may not lease " + String.join(", ", refs) + " now: "
                + violations.size() + " policy violation" + (violations.size() == 1 ? "" : "s") + " ("
                + violations.stream().map(Violation::rule).distinct().collect(Collectors.joining(", ")) + ")";
        Map<String, Object> members = new LinkedHashMap<>();
        members.put("violations", Decision.maps(violations));
        members.put("warnings", Decision.maps(decision.warnings()));
        Map<String, Object> details = new LinkedHashMap<>(members);
        return audit.appendRefusal(base(AuditEventType.LEASE_DENIED, session, clientIp).secrets(refs)
                        .reason("deployment-blocked: " + detail).details(details), requestId)
                .then(Mono.error(Refusal.forbidden("deployment-blocked", detail, members)));
    }

    public Mono<Lease> renew(Session session, String leaseId, Duration increment, String clientIp) {
        Instant now = clock.instant();
        TrustRole role = roleOf(session);
        return leases.findForUpdate(leaseId)
                .filter(l -> l.sessionId().equals(session.id()))
                .switchIfEmpty(Mono.error(() -> Refusal.notFound("lease-not-found",
                        "lease " + leaseId + " does not exist for this session")))
                .flatMap(l -> {
                    if (!l.activeAt(now)) {
                        return Mono.error(Refusal.conflict("lease-ended",
                                "lease " + leaseId + " has ended (" + (l.revokeReason() == null ? "expired"
                                        : l.revokeReason()) + ")"));
                    }
                    // only a dynamic secret's lease holds no secret version (a lease request needs at least one)
                    if (l.secrets().isEmpty()) {
                        return Mono.error(Refusal.conflict("lease-not-renewable", "lease " + leaseId + " holds a "
                                + "dynamic credential, whose lifetime was fixed when it was created; request a new "
                                + "one"));
                    }
                    Instant limit = renewalLimit(role, session, l.issuedAt());
                    Duration inc = increment == null ? role.maxLeaseTtl() : increment;
                    Instant wanted = now.plus(inc);
                    Instant expires = wanted.isAfter(limit) ? limit : wanted;
                    if (expires.isBefore(l.expiresAt())) {
                        expires = l.expiresAt();
                    }
                    boolean renewable = expires.isBefore(limit);
                    Lease renewed = l.withExpiry(expires, renewable);
                    return leases.updateExpiry(leaseId, expires, renewable)
                            .then(audit.append(base(AuditEventType.LEASE_RENEWED, session, clientIp).leaseId(leaseId)
                                    .secrets(l.secrets()).details(Map.of("expires_at", expires.toString()))))
                            .thenReturn(renewed);
                })
                .as(tx::transactional);
    }

    public Mono<Void> revoke(Session session, String leaseId, String clientIp) {
        Instant now = clock.instant();
        return leases.findForUpdate(leaseId)
                .filter(l -> l.sessionId().equals(session.id()))
                .switchIfEmpty(Mono.error(() -> Refusal.notFound("lease-not-found",
                        "lease " + leaseId + " does not exist for this session")))
                .flatMap(l -> leases.revoke(leaseId, "revoked", now)
                        .filter(Boolean::booleanValue)
                        .flatMap(x -> audit.append(base(AuditEventType.LEASE_REVOKED, session, clientIp).leaseId(leaseId)
                                .secrets(l.secrets()).reason("revoked by holder"))))
                .as(tx::transactional)
                .then(Mono.defer(() -> endings.ended(List.of(leaseId))));
    }

    /**
     * RFC 7009 revocation of a session token and all its leases. Unknown, expired or already revoked tokens are
     * not an error (RFC 7009 §2.2): the answer is the same, so it tells an attacker nothing.
     *
     * <p>First optimistically, in a {@link GroupCommit} shared with the other writes in flight (the common case, a job
     * ending, costs no transaction of its own): reads the session, its lease count and its open leases, then commits
     * the session's revocation, the end of exactly those leases (by id) and the {@code session.revoked} event listing
     * them, provided none of that changed in between. When a lease committed meanwhile (a job still leasing, on this
     * replica or another, as it is revoked), it does not try again the same way — under a storm of leases it would
     * lose round after round (seconds, then a 503) — but {@linkplain #revokeSessionFirst marks the session revoked
     * first}, which no lease can commit after, and then ends the leases it finds: one more round, which always wins.
     */
    public Mono<Void> revokeSession(String sessionTokenHash, String clientIp) {
        return Mono.defer(() -> revokeSessionOnce(sessionTokenHash, clientIp))
                .doOnSuccess(done -> metrics.sessionRevoked("shared"))
                .onErrorResume(Raced.class::isInstance, raced -> revokeSessionFirst(sessionTokenHash, clientIp)
                        .doOnSuccess(done -> metrics.sessionRevoked("marked-first")));
    }

    /**
     * The revocation that cannot lose a race, in a transaction of its own: it marks the session revoked before it
     * reads the leases. The mark's {@code UPDATE} locks the session row until the commit; every lease's commit
     * updates that row too ({@link SessionStore#recordLease}), guarded by {@code revoked_at IS NULL}. So a lease that
     * committed before the mark is seen by the read that follows it (READ COMMITTED: each statement sees what was
     * committed before it started), and a lease still in flight waits for the lock, then finds the mark and rolls
     * back (401 {@code session was revoked}). The open leases are locked as they are read, so an expiry or a holder's
     * revoke in flight on them is either done before (and they are not listed) or waits.
     */
    private Mono<Void> revokeSessionFirst(String sessionTokenHash, String clientIp) {
        Instant now = clock.instant();
        return sessions.markRevoked(sessionTokenHash, "revoked", now)
                .flatMap(first -> sessions.forRevocationMark(sessionTokenHash)
                        .flatMap(s -> leases.lockOpen(s.id()).flatMap(ids -> {
                            if (!first && ids.isEmpty()) {
                                return Mono.empty();
                            }
                            return leases.endAll(ids, "session revoked", now)
                                    .then(audit.append(base(AuditEventType.SESSION_REVOKED, s, clientIp)
                                            .reason("revoked by holder")
                                            .details(Map.of("session_id", s.id(), "leases", ids))));
                        })))
                .as(tx::transactional)
                .then();
    }

    private Mono<Void> revokeSessionOnce(String sessionTokenHash, String clientIp) {
        Instant now = clock.instant();
        return sessions.forRevocation(sessionTokenHash).flatMap(known -> {
            Session s = known.session();
            boolean first = s.revokedAt() == null;
            List<String> ids = known.openLeases();
            if (!first && ids.isEmpty()) {
                return Mono.empty();
            }
            sessions.forget(sessionTokenHash);
            Writes writes = Writes.of(AuditLog.row(base(AuditEventType.SESSION_REVOKED, s, clientIp)
                            .reason("revoked by holder")
                            .details(Map.of("session_id", s.id(), "leases", ids)).build()))
                    .and(SessionStore.revocation(s.id(), "revoked", now, first, known.leaseCount(), Raced::new));
            for (String id : ids) {
                writes = writes.and(LeaseStore.end(id, "session revoked", now, Raced::new));
            }
            return commits.commit(writes).then(Mono.defer(() -> endings.ended(ids)));
        });
    }

    /** The session or its leases changed between the read and the write of a revocation. */
    private static final class Raced extends RuntimeException {
        Raced() {
            super("session changed during its revocation", null, false, false);
        }
    }

    /** Admin bulk revoke by role and/or subject; emits the number of leases ended. */
    public Mono<Integer> revokeWhere(String role, String subject, String clientIp) {
        Instant now = clock.instant();
        return leases.list(now, role, subject, 10_000)
                .concatMap(l -> leases.revoke(l.id(), "revoked by admin", now)
                        .filter(Boolean::booleanValue)
                        .flatMap(x -> audit.append(AuditEvent.builder(AuditEventType.LEASE_REVOKED).role(l.role()).issuer(l.issuer())
                                .subject(l.subject()).clientIp(clientIp).ctx(l.ctx()).leaseId(l.id())
                                .secrets(l.secrets()).reason("revoked by admin")).thenReturn(l.id())))
                .collectList()
                .as(tx::transactional)
                .flatMap(ids -> endings.ended(ids).thenReturn(ids.size()));
    }

    public Flux<Lease> list(boolean activeOnly, String role, String subject, int limit) {
        return leases.list(activeOnly ? clock.instant() : null, role, subject, limit);
    }

    /**
     * Expires due leases in batches; safe to run on every replica at once ({@code FOR UPDATE SKIP LOCKED}).
     *
     * @return how many leases this call expired
     */
    public Mono<Integer> expireDue(int batch) {
        Instant now = clock.instant();
        return leases.claimDue(now, batch)
                .concatMap(l -> leases.revoke(l.id(), "expired", now)
                        .then(audit.append(AuditEvent.builder(AuditEventType.LEASE_EXPIRED).role(l.role()).issuer(l.issuer())
                                .subject(l.subject()).ctx(l.ctx()).leaseId(l.id()).secrets(l.secrets())
                                .reason("expired"))).thenReturn(1))
                .reduce(0, Integer::sum)
                .as(tx::transactional)
                .doOnSuccess(n -> metrics.expired(n == null ? 0 : n));
    }

    private <T> Mono<T> denied(Session session, LeaseRequest request, String clientIp, String requestId,
            String reason, Refusal e) {
        metrics.denied(session.role(), reason);
        List<String> refs = request.secrets().stream().map(SecretRef::toString).toList();
        return audit.appendRefusal(base(AuditEventType.LEASE_DENIED, session, clientIp).secrets(refs)
                        .reason(reason + ": " + e.getMessage()), requestId)
                .then(Mono.error(e));
    }

    private TrustRole roleOf(Session session) {
        return roles.byName(session.role()).orElseThrow(() -> Refusal.forbidden("role-removed",
                "role \"" + session.role() + "\" no longer exists in the trust configuration"));
    }

    /** A lease lives at most {@code max-lease-ttl} from its issue, and never beyond its session. */
    private static Instant renewalLimit(TrustRole role, Session session, Instant issuedAt) {
        Instant byRole = issuedAt.plus(role.maxLeaseTtl());
        return byRole.isBefore(session.expiresAt()) ? byRole : session.expiresAt();
    }

    private static AuditEvent.Builder base(AuditEventType type, Session s, String clientIp) {
        return AuditEvent.builder(type).role(s.role()).issuer(s.issuer()).subject(s.subject()).clientIp(clientIp)
                .ctx(s.ctx());
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
