// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic;

import io.segura.broker.Refusal;
import io.segura.broker.audit.AuditEvent;
import io.segura.broker.audit.AuditEventType;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.database.GroupCommit;
import io.segura.broker.database.Writes;
import io.segura.broker.lease.Lease;
import io.segura.broker.lease.LeaseStore;
import io.segura.broker.session.Session;
import io.segura.broker.session.SessionStore;
import io.segura.broker.trust.TrustRole;
import io.segura.broker.trust.TrustRoles;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * {@code POST /api/v2/a2a/dynamic-secrets}: checks the request against the session's role, has the engine create
 * the credential, then records it — the lease, the credential's row, its {@code dynamic.issued} event and the
 * session's lease count in one transaction.
 *
 * <p>The lease's id is chosen before the engine runs, so a credential can name it (an SSH certificate's key id does),
 * and its expiry is whole seconds, so the lease ends exactly when the credential does ({@code VALID UNTIL}, an SSH
 * certificate's {@code valid-before}).
 *
 * <p>Every check that can refuse runs before the engine is called, so a refused request creates nothing; the
 * engine's own refusals (a public key it cannot certify) are audited as denials like the role's. Should the
 * record not commit (the broker's database is down, the session was revoked meanwhile), the credential is revoked
 * at once before the error is answered: no user exists without its lease. If even that revocation fails the user's
 * name is logged at ERROR for an operator (PostgreSQL users still expire by their {@code VALID UNTIL}).
 *
 * <p>Dynamic leases are not renewable: the credential's lifetime is fixed when it is created (e.g. in
 * {@code VALID UNTIL}); a job that needs longer asks for a new one.
 */
public final class DynamicSecrets {

    private static final Logger log = LoggerFactory.getLogger(DynamicSecrets.class);
    private final TrustRoles roles;
    private final DynamicEngines engines;
    private final DynamicCredentialStore credentials;
    private final LeaseStore leases;
    private final AuditLog audit;
    private final GroupCommit commits;
    private final Clock clock;

    public DynamicSecrets(TrustRoles roles, DynamicEngines engines, DynamicCredentialStore credentials,
            LeaseStore leases, AuditLog audit, GroupCommit commits, Clock clock) {
        this.roles = Objects.requireNonNull(roles, "roles cannot be null");
        this.engines = Objects.requireNonNull(engines, "engines cannot be null");
        this.credentials = Objects.requireNonNull(credentials, "credentials cannot be null");
        this.leases = Objects.requireNonNull(leases, "leases cannot be null");
        this.audit = Objects.requireNonNull(audit, "audit cannot be null");
        this.commits = Objects.requireNonNull(commits, "commits cannot be null");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    }

    /** A request as parsed at the edge; {@code ttl} may be null (the engine's default). */
    public record Request(String name, Duration ttl, Map<String, String> parameters) {
        public Request {
            Objects.requireNonNull(name, "name cannot be null");
            parameters = parameters == null ? Map.of() : Map.copyOf(parameters);
        }
    }

    /** The answer: the lease, the engine's credential fields (answered once), warnings. */
    public record Issued(Lease lease, String name, String engine, IssuedCredential credential, List<String> warnings) {
        public Issued {
            warnings = List.copyOf(warnings);
        }

        @Override
        public String toString() {
            return "Issued[" + lease.id() + ", " + name + ", " + credential + "]";
        }
    }

    public Mono<Issued> issue(Session session, Request request, String clientIp, String requestId) {
        return Mono.defer(() -> {
            Instant now = clock.instant();
            TrustRole role = roles.byName(session.role()).orElseThrow(() -> Refusal.forbidden("role-removed",
                    "role \"" + session.role() + "\" no longer exists in the trust configuration"));
            DynamicEngine engine = engines.byName(request.name()).orElse(null);
            if (engine == null) {
                return denied(session, request, clientIp, requestId, Refusal.notFound("dynamic-secret-not-found",
                        "no dynamic secret is named \"" + request.name() + "\""));
            }
            if (!role.spec().dynamic().contains(request.name())) {
                return denied(session, request, clientIp, requestId, Refusal.forbidden("dynamic-not-allowed",
                        "role \"" + role.name() + "\" may not request dynamic secret \"" + request.name() + "\""));
            }
            Duration cap = min(engine.maxTtl(), role.maxLeaseTtl());
            if (request.ttl() != null && request.ttl().compareTo(cap) > 0) {
                return denied(session, request, clientIp, requestId, Refusal.invalid("ttl-over-cap",
                        "ttl " + request.ttl().toSeconds() + "s is over the cap of " + cap.toSeconds()
                                + "s for \"" + request.name() + "\" (the engine's max-ttl and the role's "
                                + "max-lease-ttl)"));
            }
            List<String> warnings = new ArrayList<>();
            Duration ttl = request.ttl() == null ? min(engine.defaultTtl(), cap) : request.ttl();
            Duration remaining = session.remaining(now);
            if (ttl.compareTo(remaining) > 0) {
                warnings.add("ttl " + ttl.toSeconds() + "s capped to " + remaining.toSeconds()
                        + "s by the session's remaining lifetime");
                ttl = remaining;
            }
            // Whole seconds: what a credential can carry (VALID UNTIL, an SSH certificate's valid-before), so the
            // lease ends exactly when its credential does.
            Instant expires = now.plus(ttl).truncatedTo(ChronoUnit.SECONDS);
            if (!expires.isAfter(now)) {
                return Mono.error(Refusal.unauthenticated("session has expired"));
            }
            String leaseId = UUID.randomUUID().toString();
            DynamicRequest engineRequest = new DynamicRequest(request.name(), leaseId, role.name(), session.ctx(),
                    expires, request.parameters());
            return engine.issue(engineRequest)
                    // the engine's own refusals (a bad public key, a parameter it does not take) are denials too
                    .onErrorResume(Refusal.class, r -> audited(r)
                            ? denied(session, request, clientIp, requestId, r) : Mono.error(r))
                    .flatMap(credential -> record(session, engine, request, credential, leaseId, now, expires,
                                    clientIp)
                            .map(lease -> new Issued(lease, request.name(), engine.kind(), credential, warnings))
                            .onErrorResume(e -> compensate(engine, request.name(), credential, e)));
        });
    }

    /** A refusal of the request itself (4xx), not of a dependency that is down or failed. */
    private static boolean audited(Refusal r) {
        return r instanceof Refusal.Invalid || r instanceof Refusal.Malformed || r instanceof Refusal.Forbidden
                || r instanceof Refusal.NotFound;
    }

    private Mono<Lease> record(Session session, DynamicEngine engine, Request request, IssuedCredential credential,
            String leaseId, Instant now, Instant expires, String clientIp) {
        Lease lease = new Lease(leaseId, session.id(), session.role(), session.issuer(),
                session.clientId(), session.subject(), session.ctx(), List.of(), false, now, expires, null, null);
        DynamicCredential row = new DynamicCredential(lease.id(), request.name(), engine.kind(), session.role(),
                credential.principal(), credential.handle(), now, expires, null, 0, expires, null);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("name", request.name());
        details.put("engine", engine.kind());
        details.put("username", credential.principal());
        details.put("ttl_seconds", Duration.between(now, expires).toSeconds());
        credential.audit().forEach(details::putIfAbsent);
        AuditEvent.Builder event = AuditEvent.builder(AuditEventType.DYNAMIC_ISSUED).role(session.role())
                .issuer(session.issuer()).subject(session.subject()).clientIp(clientIp).ctx(session.ctx())
                .leaseId(lease.id()).details(details);
        return commits.commit(Writes.of(leases.row(lease), credentials.row(row), AuditLog.row(event.build()))
                        .and(SessionStore.recordLease(session.id())))
                .thenReturn(lease);
    }

    /** The record did not commit: take the credential back before answering the error. */
    private Mono<Issued> compensate(DynamicEngine engine, String name, IssuedCredential credential, Throwable cause) {
        return engine.revoke(credential.handle())
                .retryWhen(Retry.backoff(2, Duration.ofMillis(200)))
                .onErrorResume(e -> {
                    log.error("dynamic secret {}: {} was created but its lease could not be recorded, and "
                            + "revoking it failed too ({}); revoke it by hand", name, credential.principal(),
                            e.toString());
                    return Mono.empty();
                })
                .then(Mono.error(cause));
    }

    private <T> Mono<T> denied(Session session, Request request, String clientIp, String requestId, Refusal r) {
        return audit.appendRefusal(AuditEvent.builder(AuditEventType.LEASE_DENIED).role(session.role())
                        .issuer(session.issuer()).subject(session.subject()).clientIp(clientIp).ctx(session.ctx())
                        .reason(r.reason() + ": " + r.getMessage())
                        .details(Map.of("dynamic", request.name())), requestId)
                .then(Mono.error(r));
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
