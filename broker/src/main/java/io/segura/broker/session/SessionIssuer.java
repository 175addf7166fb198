// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.session;

import io.segura.broker.audit.AuditEvent;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.database.GroupCommit;
import io.segura.broker.database.Writes;
import io.segura.broker.federation.VerifiedToken;
import io.segura.broker.trust.Applicant;
import io.segura.broker.trust.TrustRole;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import reactor.core.publisher.Mono;

/**
 * Creates a session for an admitted applicant: the session row, its audit event and — for a single-use issuer — the
 * token's jti row commit in one transaction, shared with the other requests in flight ({@link GroupCommit}). A token
 * is therefore spent exactly when it bought a session; a replay violates the jti key and is answered as
 * {@link ReplayStore#replayed}. Used by both grants.
 */
public final class SessionIssuer {

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

    /** The answer of the grant: the opaque token (shown once), its lifetime, role and session id. */
    public record Issued(SessionToken token, long expiresInSeconds, String role, String sessionId) {

        public String scope() {
            return "role:" + role;
        }
    }

    /**
     * @param spent the subject token when its issuer is single use (its jti row commits with the session), else
     *              {@code null}
     * @param event the {@code token.exchanged} event; the session id is added to its details
     */
    public Mono<Issued> issue(TrustRole role, Applicant applicant, VerifiedToken spent, AuditEvent.Builder event,
            Map<String, Object> details) {
        return Mono.defer(() -> {
            Instant now = clock.instant();
            Duration ttl = role.sessionTtl();
            SessionToken token = SessionToken.generate(random);
            Session session = new Session(UUID.randomUUID().toString(), role.name(), applicant.issuerName(),
                    applicant.clientId(), applicant.subject(), applicant.ctx(), applicant.claims(), now, now.plus(ttl),
                    null);
            Map<String, Object> withSession = new LinkedHashMap<>(details);
            withSession.put("session_id", session.id());
            Writes writes = spent != null && spent.singleUse()
                    ? Writes.of(ReplayStore.firstUse(spent.issuerName(), spent.jti(), spent.replayUntil()))
                    : Writes.of();
            writes = writes.and(store.row(session, token.hash()))
                    .and(AuditLog.row(event.details(withSession).build()));
            Mono<Void> committed = commits.commit(writes);
            if (spent != null && spent.singleUse()) {
                committed = committed.onErrorMap(ReplayStore::isDuplicate, e -> ReplayStore.replayed(spent.jti()));
            }
            return committed
                    .then(Mono.fromRunnable(() -> store.issued(token.hash(), session)))
                    .thenReturn(new Issued(token, ttl.toSeconds(), role.name(), session.id()));
        });
    }
}
