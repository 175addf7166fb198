// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.federation;

import java.time.Duration;

/**
 * The issuer's discovery document or JWKS could not be fetched, so the token can be neither accepted nor refused:
 * the caller gets 503 with {@code Retry-After}, never 401 (DESIGN §14).
 */
public final class IssuerUnavailableException extends RuntimeException {

    private final String issuerName;
    private final Duration retryAfter;

    public IssuerUnavailableException(String issuerName, Duration retryAfter, String detail) {
        super(detail, null, false, false);
        this.issuerName = issuerName;
        this.retryAfter = retryAfter;
    }

    public String issuerName() {
        return issuerName;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
