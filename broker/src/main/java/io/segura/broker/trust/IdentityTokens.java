// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.trust;

import io.segura.broker.Refusal;
import io.segura.broker.federation.IssuerUnavailableException;
import io.segura.broker.federation.TokenRejectedException;
import io.segura.broker.federation.TokenVerifier;
import io.segura.broker.federation.VerifiedToken;
import java.util.Objects;
import reactor.core.publisher.Mono;

/**
 * A subject token verified for admission: the federation's verdict as the core's typed {@link Refusal}s — a failed
 * check is {@link Refusal.TokenRefused} naming the check and claim, an issuer whose keys cannot be fetched is
 * {@link Refusal.Unavailable} (503, never 401). The exchange and the dry run both verify through here, so a token is
 * judged the same way by both. Verifying never spends a single-use token's jti.
 */
public final class IdentityTokens {

    private final TokenVerifier verifier;

    public IdentityTokens(TokenVerifier verifier) {
        this.verifier = Objects.requireNonNull(verifier, "verifier cannot be null");
    }

    public Mono<VerifiedToken> verify(String subjectToken) {
        return verifier.verify(subjectToken)
                .onErrorMap(TokenRejectedException.class, e -> Refusal.tokenRefused(e.check(), e.claim(),
                        e.getMessage()))
                .onErrorMap(IssuerUnavailableException.class, e -> Refusal.unavailable("issuer-unavailable",
                        e.getMessage(), e.retryAfter()));
    }
}
