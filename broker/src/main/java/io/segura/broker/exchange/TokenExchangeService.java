// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.exchange;

import io.segura.broker.audit.AuditEvent;
import io.segura.broker.audit.AuditEventType;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.database.GroupCommit;
import io.segura.broker.database.Table;
import io.segura.broker.database.Writes;
import io.segura.broker.federation.IssuerUnavailableException;
import io.segura.broker.federation.ReplayStore;
import io.segura.broker.federation.TokenRejectedException;
import io.segura.broker.federation.TokenVerifier;
import io.segura.broker.federation.VerifiedToken;
import io.segura.broker.policy.CelOutcome;
import io.segura.broker.policy.DeploymentGate;
import io.segura.broker.session.Session;
import io.segura.broker.session.SessionStore;
import io.segura.broker.session.SessionToken;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import reactor.core.publisher.Mono;

/**
 * The RFC 8693 token-exchange grant: a verified CI identity token is admitted into one trust role and answered
 * with an opaque session token. Every outcome is audited ({@code token.exchanged} / {@code token.rejected}).
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8693#section-2">RFC 8693 §2</a>
 */
public final class TokenExchangeService {

    private final TokenVerifier verifier;
    private final TrustRoles roles;
    private final SessionIssuer sessions;
    private final AuditLog audit;
    private final RateLimiter perIp;
    private final RateLimiter perSubject;
    private final ExchangeMetrics metrics;
    private final DeploymentGate gate;

    public TokenExchangeService(TokenVerifier verifier, TrustRoles roles, SessionIssuer sessions,
            AuditLog audit, RateLimiter perIp, RateLimiter perSubject, ExchangeMetrics metrics, DeploymentGate gate) {
        this.verifier = Objects.requireNonNull(verifier, "verifier cannot be null");
        this.roles = Objects.requireNonNull(roles, "roles cannot be null");
        this.sessions = Objects.requireNonNull(sessions, "sessions cannot be null");
        this.audit = Objects.requireNonNull(audit, "audit cannot be null");
        this.perIp = Objects.requireNonNull(perIp, "perIp cannot be null");
        this.perSubject = Objects.requireNonNull(perSubject, "perSubject cannot be null");
        this.metrics = Objects.requireNonNull(metrics, "metrics cannot be null");
        this.gate = Objects.requireNonNull(gate, "gate cannot be null");
    }

    public Mono<IssuedSession> exchange(TokenExchangeRequest request) {
        long started = System.nanoTime();
        var ipWait = perIp.acquire("ip:" + request.clientIp());
        if (ipWait.isPresent()) {
            metrics.denied("rate-limited-ip");
            return Mono.error(OAuthException.rateLimited("too many token requests from " + request.clientIp(),
                    ipWait.get()));
        }
        return verifier.verify(request.subjectToken())
                .onErrorMap(TokenRejectedException.class,
                        e -> OAuthException.invalidGrant(e.check(), e.getMessage()))
                .onErrorMap(IssuerUnavailableException.class,
                        e -> OAuthException.temporarilyUnavailable("issuer-unavailable", e.getMessage(),
                                e.retryAfter()))
                .flatMap(token -> admit(token, request))
                .doOnSuccess(s -> metrics.exchanged(s.role(), System.nanoTime() - started))
                .onErrorResume(OAuthException.class, e -> rejected(e, request, started));
    }

    private Mono<IssuedSession> admit(VerifiedToken token, TokenExchangeRequest request) {
        var subjectWait = perSubject.acquire("sub:" + token.issuerName() + ":" + token.subject());
        if (subjectWait.isPresent()) {
            return Mono.error(OAuthException.rateLimited("too many token requests for subject " + token.subject(),
                    subjectWait.get()));
        }
        TrustRole role = chooseRole(token, request.role());
        requireCondition(gate, role, token.claims(), token.ctx().asMap(), request.role());
        return sessions.issue(role, token.issuerName(), null, token.subject(), token.ctx().asMap(), token.claims(),
                AuditEvent.builder(AuditEventType.TOKEN_EXCHANGED)
                        .role(role.name()).issuer(token.issuerName()).subject(token.subject())
                        .clientIp(request.clientIp()).ctx(token.ctx().asMap()),
                Map.of("token_sha256", token.tokenSha256(), "jti", String.valueOf(token.jti())), token.firstUse())
                .onErrorMap(e -> token.replayUntil() != null && ReplayStore.isDuplicate(e), e -> {
                    TokenRejectedException replay = ReplayStore.replayed(token.jti());
                    return OAuthException.invalidGrant(replay.check(), replay.getMessage());
                });
    }

    /**
     * With {@code scope=role:NAME}: that role, which must trust the token's issuer and whose every bound claim must
     * match. Without: the one role of the issuer whose checks all pass.
     */
    private TrustRole chooseRole(VerifiedToken token, String requested) {
        TrustRoles all = roles;
        if (requested != null) {
            TrustRole role = all.byName(requested)
                    .filter(r -> r.trustsIssuer(token.issuerName()))
                    .orElseThrow(() -> OAuthException.invalidScope("role \"" + requested
                            + "\" does not exist or does not accept tokens from this issuer"));
            List<RoleCheck> failed = role.check(token.claims(), token.ctx().asMap()).stream()
                    .filter(c -> !c.ok()).toList();
            if (!failed.isEmpty()) {
                throw OAuthException.invalidGrant("role-mismatch", "role \"" + role.name()
                        + "\" refused this token: " + describe(failed));
            }
            return role;
        }
        List<TrustRole> candidates = all.forIssuer(token.issuerName());
        List<TrustRole> matching = candidates.stream()
                .filter(r -> r.check(token.claims(), token.ctx().asMap()).stream().allMatch(RoleCheck::ok))
                .toList();
        if (matching.size() == 1) {
            return matching.get(0);
        }
        if (matching.isEmpty()) {
            throw OAuthException.invalidGrant("no-role", "no role of this broker accepts this token (subject \""
                    + token.subject() + "\"); ask for one with scope=role:NAME to see which claim it refuses");
        }
        throw OAuthException.invalidScope("several roles accept this token ("
                + matching.stream().map(TrustRole::name).collect(Collectors.joining(", "))
                + "); choose one with scope=role:NAME");
    }

    /**
     * The role's CEL {@code condition} (DESIGN §4) over {@code claims}, {@code ctx} and {@code request} =
     * {@code {role, scope}}. The refusal names the role and that its condition failed, never the expression: that is
     * server-side policy (the admin's dry run shows it). An evaluation error (a missing claim …) refuses too.
     */
    static void requireCondition(DeploymentGate gate, TrustRole role, Map<String, Object> claims,
            Map<String, Object> ctx, String requestedRole) {
        Map<String, Object> req = new java.util.LinkedHashMap<>();
        req.put("role", role.name());
        req.put("scope", requestedRole == null ? "" : "role:" + requestedRole);
        CelOutcome outcome = gate.condition(role.name(), claims, ctx, req);
        if (outcome.failed()) {
            throw OAuthException.invalidGrant("condition", "role \"" + role.name() + "\" refused this token: its "
                    + "condition could not be evaluated (" + outcome.error() + ")");
        }
        if (!outcome.value()) {
            throw OAuthException.invalidGrant("condition", "role \"" + role.name() + "\" refused this token: its "
                    + "condition was not met");
        }
    }

    /** Names each failed claim and the token's own value, never the expected value (STYLE house rule 8). */
    static String describe(List<RoleCheck> failed) {
        return failed.stream()
                .map(c -> c.actual() == null ? "claim " + c.claim() + " is missing"
                        : "claim " + c.claim() + " is \"" + c.actual() + "\"")
                .collect(Collectors.joining("; ")) + " — not accepted";
    }

    private Mono<IssuedSession> rejected(OAuthException e, TokenExchangeRequest request, long started) {
        metrics.denied(e.reason());
        if (e.status() == 429 || e.status() == 503) {
            return Mono.error(e);
        }
        AuditEvent.Builder entry = AuditEvent.builder(AuditEventType.TOKEN_REJECTED)
                .role(request.role()).clientIp(request.clientIp()).reason(e.reason() + ": " + e.getMessage())
                .details(Map.of("token_sha256", SessionToken.sha256Hex(request.subjectToken())));
        return audit.append(entry).onErrorResume(ignored -> Mono.empty()).then(Mono.error(e));
    }

    /**
     * Creates sessions with their audit event (and the token's jti row) in one transaction, shared with the other
     * requests in flight ({@link GroupCommit}); used by both grants.
     */
    public static final class SessionIssuer {

        private final SessionStore store;
        private final GroupCommit commits;
        private final Clock clock;
        private final SecureRandom random;

        public SessionIssuer(SessionStore store, GroupCommit commits, Clock clock, SecureRandom random) {
            this.store = Objects.requireNonNull(store, "store cannot be null");
            this.commits = Objects.requireNonNull(commits, "commits cannot be null");
            this.clock = Objects.requireNonNull(clock, "clock cannot be null");
            this.random = Objects.requireNonNull(random, "random cannot be null");
        }

        /**
         * @param firstUse the subject token's jti row when its issuer is single use: committed with the session, so
         *                 the token is spent exactly when it bought a session
         */
        Mono<IssuedSession> issue(TrustRole role, String issuer, String clientId, String subject,
                Map<String, Object> ctx, Map<String, Object> claims, AuditEvent.Builder event,
                Map<String, Object> details, Optional<Table.Row> firstUse) {
            return Mono.defer(() -> {
                Instant now = clock.instant();
                Duration ttl = role.sessionTtl();
                SessionToken token = SessionToken.generate(random);
                Session session = new Session(UUID.randomUUID().toString(), role.name(), issuer, clientId, subject,
                        ctx, claims, now, now.plus(ttl), null);
                Writes writes = firstUse.map(Writes::of).orElseGet(Writes::of)
                        .and(store.row(session, token.hash()))
                        .and(AuditLog.row(event.details(withSession(details, session.id())).build()));
                return commits.commit(writes)
                        .then(Mono.fromRunnable(() -> store.issued(token.hash(), session)))
                        .thenReturn(new IssuedSession(token, ttl.toSeconds(), role.name(), session.id()));
            });
        }

        private static Map<String, Object> withSession(Map<String, Object> details, String sessionId) {
            var m = new java.util.LinkedHashMap<>(details);
            m.put("session_id", sessionId);
            return m;
        }
    }
}
