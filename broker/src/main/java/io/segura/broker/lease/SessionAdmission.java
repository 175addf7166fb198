// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.lease;

import io.segura.broker.Refusal;
import io.segura.broker.audit.AuditEvent;
import io.segura.broker.audit.AuditEventType;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.session.Session;
import io.segura.broker.session.SessionStore;
import io.segura.broker.session.SessionStore.Authentication;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/**
 * Admits a job's request to the endpoints a session token opens (a lease, a secret read, a renewal, a revocation, a
 * dynamic secret, a dry run), and audits every refusal as one {@code lease.denied} event: a token replayed after its
 * session was revoked or expired, an unknown token, a bearer that is no session token, or none at all. A stolen
 * session token replayed after its job ended therefore leaves a trace: the session's role, subject and id when the
 * token names one, else the token's SHA-256 (never the token), and the caller's address, which the burst-of-denials
 * anomaly rule counts. The refusals of an admitted session's request are audited too, with the session
 * ({@link #refused(Session, Refusal, Attempt)}, and the lease's own checks in {@link LeaseService}).
 */
public final class SessionAdmission {

    private final SessionStore sessions;
    private final AuditLog audit;
    private final LeaseMetrics metrics;
    private final Clock clock;

    public SessionAdmission(SessionStore sessions, AuditLog audit, LeaseMetrics metrics, Clock clock) {
        this.sessions = Objects.requireNonNull(sessions, "sessions cannot be null");
        this.audit = Objects.requireNonNull(audit, "audit cannot be null");
        this.metrics = Objects.requireNonNull(metrics, "metrics cannot be null");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    }

    /**
     * What a request tried, for its refusal's audit event: the action ({@code lease}, {@code renew}, …, in
     * {@code details.action}), the caller's address, the request id, and the secrets or lease it named when they are
     * known before the session is (an empty list and null otherwise).
     */
    public record Attempt(String action, String clientIp, String requestId, List<String> secrets, String leaseId) {
        public Attempt {
            Objects.requireNonNull(action, "action cannot be null");
            secrets = List.copyOf(secrets);
        }

        public static Attempt of(String action, String clientIp, String requestId) {
            return new Attempt(action, clientIp, requestId, List.of(), null);
        }
    }

    /** The active session the request's {@code Authorization} header (null when absent) names, read from the database. */
    public Mono<Session> admit(String authorization, Attempt attempt) {
        String bearer = bearer(authorization);
        if (bearer == null) {
            return refused(new Authentication(null, null, missing()), attempt);
        }
        return sessions.check(bearer, clock.instant())
                .flatMap(a -> a.admitted() ? Mono.just(a.session()) : refused(a, attempt));
    }

    /**
     * {@link #admit} for a new lease, whose session may come from this replica's memory: the lease's commit re-checks
     * the revocation ({@link SessionStore#recordLease}). When that check finds the session revoked (here or by another
     * replica), the session is read again, so that the refusal says who revoked it, and the refusal is audited.
     */
    public <T> Mono<T> admitForLease(String authorization, Attempt attempt, Function<Session, Mono<T>> lease) {
        String bearer = bearer(authorization);
        if (bearer == null) {
            return refused(new Authentication(null, null, missing()), attempt);
        }
        return sessions.checkForLease(bearer, clock.instant()).flatMap(a -> !a.admitted() ? refused(a, attempt)
                : lease.apply(a.session()).onErrorResume(
                        e -> e instanceof Refusal r && SessionStore.SESSION_REVOKED.equals(r.reason()),
                        e -> {
                            sessions.forget(a.tokenSha256());
                            return sessions.check(bearer, clock.instant()).flatMap(again -> refused(again.admitted()
                                    ? new Authentication(a.session(), a.tokenSha256(), (Refusal) e) : again, attempt));
                        }));
    }

    /**
     * A refusal of an admitted session's request that the lease's own checks do not audit (a malformed body, an
     * unknown or ended lease, a role it may not evaluate): audited as {@code lease.denied} with the session.
     */
    public <T> Mono<T> refused(Session session, Refusal refusal, Attempt attempt) {
        if (!refusal.isDenial()) {
            return Mono.error(refusal);
        }
        return refused(new Authentication(Objects.requireNonNull(session, "session cannot be null"), null, refusal),
                attempt);
    }

    private <T> Mono<T> refused(Authentication a, Attempt attempt) {
        Refusal refusal = a.refusal();
        Session s = a.session();
        AuditEvent.Builder event = AuditEvent.builder(AuditEventType.LEASE_DENIED).clientIp(attempt.clientIp())
                .secrets(attempt.secrets()).leaseId(attempt.leaseId())
                .reason(refusal.reason() + ": " + refusal.getMessage());
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("action", attempt.action());
        if (s != null) {
            event.role(s.role()).issuer(s.issuer()).subject(s.subject()).ctx(s.ctx());
            details.put("session_id", s.id());
        } else if (a.tokenSha256() != null) {
            details.put("token_sha256", a.tokenSha256());
        }
        metrics.refused(s == null ? null : s.role(), refusal.reason());
        return audit.appendRefusal(event.details(details), attempt.requestId()).then(Mono.error(refusal));
    }

    private static String bearer(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return authorization.substring(7).trim();
    }

    private static Refusal missing() {
        return Refusal.unauthenticated(
                "a session token is required: Authorization: Bearer sgs_… from POST /oauth2/token");
    }
}
