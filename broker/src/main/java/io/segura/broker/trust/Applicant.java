// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.trust;

import io.segura.broker.federation.RunContext;
import io.segura.broker.federation.VerifiedToken;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Who asks to be admitted into a trust role: a verified identity token (its configured issuer, claims and run
 * context) or an authenticated OAuth client (its id; a client role's condition sees {@code claims = {client_id}} and
 * an empty run context). Exactly one of {@code issuerName} and {@code clientId} is set.
 */
public record Applicant(String issuerName, String clientId, String subject, Map<String, Object> claims,
        Map<String, Object> ctx) {

    public Applicant {
        if ((issuerName == null) == (clientId == null)) {
            throw new IllegalArgumentException("exactly one of issuerName and clientId must be set");
        }
        Objects.requireNonNull(subject, "subject cannot be null");
        // null values are kept: a dry run's claims and a run context may hold them
        claims = Collections.unmodifiableMap(new LinkedHashMap<>(claims));
        ctx = Collections.unmodifiableMap(new LinkedHashMap<>(ctx));
    }

    public static Applicant of(VerifiedToken token) {
        return new Applicant(token.issuerName(), null, token.subject(), token.claims(), token.ctx().asMap());
    }

    /** A token's claims as the dry run receives them: mapped by the issuer's preset, never signature-checked. */
    public static Applicant ofClaims(String issuerName, Map<String, Object> claims, Map<String, Object> ctx) {
        Object sub = claims.get("sub");
        return new Applicant(issuerName, null, sub == null ? "" : String.valueOf(sub), claims, ctx);
    }

    public static Applicant client(String clientId) {
        return new Applicant(null, clientId, "client:" + clientId, Map.of("client_id", clientId),
                RunContext.none("oauth-client").asMap());
    }

    public boolean isClient() {
        return clientId != null;
    }
}
