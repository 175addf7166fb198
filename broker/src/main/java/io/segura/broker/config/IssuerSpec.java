// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import java.time.Duration;
import java.util.List;

/**
 * A trusted OIDC token source as written in the config (DESIGN §3), after preset defaults were applied.
 * Exactly one of {@code issuer} and {@code issuerPattern} is set; at most one of {@code jwksUri} and {@code jwks}
 * (neither means OIDC discovery at {@code issuer + "/.well-known/openid-configuration"}).
 *
 * @param preset           preset name or {@code null} (claims are then used as they are)
 * @param issuerPattern    regular expression for the exact {@code iss} (GitHub Enterprise slug issuers), stored
 *                         already anchored as {@code ^(?:PATTERN)$} by the loader: compile it as is
 * @param jwks             inline JWKS JSON for private issuers, or {@code null}
 * @param caPem            PEM bundle trusted for this issuer's discovery and JWKS fetches, or {@code null}
 * @param replayProtection jti single use; the {@code azure-devops} preset turns it on
 */
public record IssuerSpec(
        String name,
        String preset,
        String issuer,
        String issuerPattern,
        List<String> audiences,
        String jwksUri,
        String jwks,
        String caPem,
        List<String> algorithms,
        Duration clockSkew,
        Duration maxTokenLifetime,
        boolean replayProtection,
        SourceLocation at) {

    public IssuerSpec {
        audiences = List.copyOf(audiences);
        algorithms = List.copyOf(algorithms);
    }
}
