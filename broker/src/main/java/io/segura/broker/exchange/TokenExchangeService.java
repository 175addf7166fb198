// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.exchange;

import io.segura.broker.Refusal;
import io.segura.broker.anomaly.AnomalyBlocks;
import io.segura.broker.audit.AuditEvent;
import io.segura.broker.audit.AuditEventType;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.federation.VerifiedToken;
import io.segura.broker.session.SessionIssuer;
import io.segura.broker.session.SessionToken;
import io.segura.broker.trust.Admission;
import io.segura.broker.trust.Applicant;
import io.segura.broker.trust.IdentityTokens;
import io.segura.broker.trust.TrustRole;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Mono;

/**
 * The RFC 8693 token-exchange grant: a verified CI identity token is admitted into one trust role
 * ({@link Admission}) and answered with an opaque session token. Every outcome is audited ({@code token.exchanged} /
 * {@code token.rejected}), the refusals too, however odd the caller's values.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8693#section-2">RFC 8693 §2</a>
 */
public final class TokenExchangeService {

    /** Width of the stored subject ({@code sessions.subject}, {@code leases.subject}). */
    static final int MAX_SUBJECT_CHARS = 1024;

    private final IdentityTokens tokens;
    private final Admission admission;
    private final SessionIssuer sessions;
    private final AuditLog audit;
    private final RateLimiter perIp;
    private final RateLimiter perSubject;
    private final ExchangeMetrics metrics;
    private final AnomalyBlocks blocks;

    /** Without anomaly blocks (nothing is ever refused {@code anomaly-block}). */
    public TokenExchangeService(IdentityTokens tokens, Admission admission, SessionIssuer sessions, AuditLog audit,
            RateLimiter perIp, RateLimiter perSubject, ExchangeMetrics metrics) {
        this(tokens, admission, sessions, audit, perIp, perSubject, metrics, null);
    }

    /** @param blocks the anomaly blocks in force, asked in memory after admission; {@code null}: none */
    public TokenExchangeService(IdentityTokens tokens, Admission admission, SessionIssuer sessions, AuditLog audit,
            RateLimiter perIp, RateLimiter perSubject, ExchangeMetrics metrics, AnomalyBlocks blocks) {
        this.blocks = blocks;
        this.tokens = Objects.requireNonNull(tokens, "tokens cannot be null");
        this.admission = Objects.requireNonNull(admission, "admission cannot be null");
        this.sessions = Objects.requireNonNull(sessions, "sessions cannot be null");
        this.audit = Objects.requireNonNull(audit, "audit cannot be null");
        this.perIp = Objects.requireNonNull(perIp, "perIp cannot be null");
        this.perSubject = Objects.requireNonNull(perSubject, "perSubject cannot be null");
        this.metrics = Objects.requireNonNull(metrics, "metrics cannot be null");
    }

    public Mono<SessionIssuer.Issued> exchange(TokenExchangeRequest request) {
        long started = System.nanoTime();
        var ipWait = perIp.acquire("ip:" + request.clientIp());
        if (ipWait.isPresent()) {
            metrics.denied("rate-limited-ip");
            return Mono.error(Refusal.throttled("rate-limited", "too many token requests from "
                    + request.clientIp(), ipWait.get()));
        }
        // a refusal by admission (or an anomaly block) names the token's issuer and subject in its event: the
        // anomaly rules count denials per subject and role mismatches per issuer. Other refusals (a replay found at
        // commit, a bad token) name no identity, as before.
        AtomicReference<VerifiedToken> admitting = new AtomicReference<>();
        return tokens.verify(request.subjectToken())
                .flatMap(token -> admit(token, request, admitting))
                .doOnSuccess(s -> metrics.exchanged(s.role(), System.nanoTime() - started))
                .onErrorResume(Refusal.class, e -> rejected(e, request, admitting.get()));
    }

    private Mono<SessionIssuer.Issued> admit(VerifiedToken token, TokenExchangeRequest request,
            AtomicReference<VerifiedToken> admitting) {
        var subjectWait = perSubject.acquire("sub:" + token.issuerName() + ":" + token.subject());
        if (subjectWait.isPresent()) {
            return Mono.error(Refusal.throttled("rate-limited", "too many token requests for this subject",
                    subjectWait.get()));
        }
        if (token.subject().length() > MAX_SUBJECT_CHARS) {
            return Mono.error(Refusal.tokenRefused("sub", "sub", "token sub has " + token.subject().length()
                    + " characters, more than the " + MAX_SUBJECT_CHARS + " this broker accepts"));
        }
        Applicant applicant = Applicant.of(token);
        admitting.set(token);
        TrustRole role = admission.admit(applicant, request.role());
        if (blocks != null) {
            // memory only: the blocks in force are read into every replica each sweep (AnomalyBlocks)
            var block = blocks.blocking(role.name(), token.subject());
            if (block.isPresent()) {
                return Mono.error(AnomalyBlocks.refusal(block.get()));
            }
        }
        admitting.set(null);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("token_sha256", token.tokenSha256());
        details.put("jti", String.valueOf(token.jti()));
        return sessions.issue(role, applicant, token, AuditEvent.builder(AuditEventType.TOKEN_EXCHANGED)
                .role(role.name()).issuer(token.issuerName()).subject(token.subject())
                .clientIp(request.clientIp()).ctx(applicant.ctx()), details);
    }

    /** Audits the refusal (rate limits and outages excepted: they decide nothing about the token) and answers it. */
    private Mono<SessionIssuer.Issued> rejected(Refusal e, TokenExchangeRequest request, VerifiedToken token) {
        metrics.denied(e.reason());
        if (e instanceof Refusal.Throttled || e instanceof Refusal.Unavailable) {
            return Mono.error(e);
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("token_sha256", SessionToken.sha256Hex(request.subjectToken()));
        if (e.claim() != null) {
            details.put("claim", e.claim());
        }
        AuditEvent.Builder entry = AuditEvent.builder(AuditEventType.TOKEN_REJECTED)
                .role(request.role()).clientIp(request.clientIp()).reason(e.reason() + ": " + e.getMessage())
                .details(details);
        if (token != null) {
            entry.issuer(token.issuerName()).subject(token.subject());
        }
        return audit.appendRefusal(entry, request.requestId()).then(Mono.error(e));
    }
}
