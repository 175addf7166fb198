// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.federation;

import io.segura.broker.config.IssuerSpec;
import io.segura.broker.config.SourceLocation;
import java.time.Duration;
import java.util.List;

/** Builders of {@link IssuerSpec}s for tests, with the DESIGN §3 defaults. */
final class TestIssuers {

    static final String AUDIENCE = "https://segura.test/configured-audience";

    String name = "ci-test";
    String preset;
    String issuer;
    String issuerPattern;
    List<String> audiences = List.of(AUDIENCE);
    String jwksUri;
    String jwks;
    String caPem;
    List<String> algorithms = List.of("RS256", "ES256");
    Duration clockSkew = Duration.ofSeconds(60);
    Duration maxTokenLifetime = Duration.ofHours(2);
    boolean replayProtection;

    static TestIssuers exact(String issuer) {
        TestIssuers t = new TestIssuers();
        t.issuer = issuer;
        return t;
    }

    static TestIssuers pattern(String pattern) {
        TestIssuers t = new TestIssuers();
        t.issuerPattern = pattern;
        return t;
    }

    TestIssuers name(String v) {
        name = v;
        return this;
    }

    TestIssuers preset(String v) {
        preset = v;
        return this;
    }

    TestIssuers audiences(String... v) {
        audiences = List.of(v);
        return this;
    }

    TestIssuers jwksUri(String v) {
        jwksUri = v;
        return this;
    }

    TestIssuers jwks(String v) {
        jwks = v;
        return this;
    }

    TestIssuers algorithms(String... v) {
        algorithms = List.of(v);
        return this;
    }

    TestIssuers replayProtection(boolean v) {
        replayProtection = v;
        return this;
    }

    IssuerSpec build() {
        return new IssuerSpec(name, preset, issuer, issuerPattern, audiences, jwksUri, jwks, caPem, algorithms,
                clockSkew, maxTokenLifetime, replayProtection, SourceLocation.UNKNOWN);
    }
}
