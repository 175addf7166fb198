// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads one {@code issuers[i]} entry (DESIGN §3) and applies its preset's defaults. An {@code issuer-pattern} is
 * stored anchored as {@code ^(?:PATTERN)$}, so a consumer compiles it as is and a pattern written without anchors
 * cannot match a prefix or suffix of a foreign issuer.
 */
final class IssuerParser {

    static final Set<String> KEYS = Set.of("name", "preset", "issuer", "issuer-pattern", "audiences", "jwks-uri",
            "jwks", "ca-pem", "algorithms", "clock-skew", "max-token-lifetime", "replay-protection");

    static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(60);
    static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);
    static final Duration DEFAULT_MAX_TOKEN_LIFETIME = Duration.ofHours(2);
    static final Duration MAX_TOKEN_LIFETIME = Duration.ofHours(24);
    static final int MAX_PATTERN_LENGTH = 256;
    static final int MAX_AUDIENCES = 16;

    private IssuerParser() {
    }

    static IssuerSpec parse(YamlMap m) {
        Problems p = m.problems();
        String name = m.string("name", true);
        String presetName = m.string("preset", false);
        Preset preset = null;
        if (presetName != null) {
            Optional<Preset> found = Preset.byName(presetName);
            if (found.isEmpty()) {
                p.add(m.at("preset"), m.path("preset"), "unknown preset `" + presetName + "`; known: "
                        + String.join(", ", Preset.names()) + ConfigSyntax.suggest(presetName, Preset.names()));
            }
            preset = found.orElse(null);
        }

        String issuer = m.string("issuer", false);
        String pattern = m.string("issuer-pattern", false);
        if (issuer != null && pattern != null) {
            p.add(m.at("issuer-pattern"), m.path("issuer"), "exactly one of issuer and issuer-pattern, got both");
        } else if (issuer == null && pattern == null && !m.has("issuer") && !m.has("issuer-pattern")) {
            // An explicit issuer or issuer-pattern replaces the preset's (GitHub Enterprise Server, self-managed
            // GitLab, tests); only when neither is written does the preset's default apply.
            issuer = preset == null ? null : preset.defaultIssuer();
            if (issuer == null && (preset != null || presetName == null)) {
                p.add(m.at(), m.path("issuer"), "exactly one of issuer and issuer-pattern, got neither"
                        + (preset != null ? " (preset " + preset.configName() + " has no fixed issuer)" : ""));
            }
        }
        if (issuer != null && m.has("issuer")) {
            String problem = ConfigSyntax.checkUrl(issuer, true);
            if (problem != null) {
                p.add(m.value("issuer"), m.path("issuer"), problem);
            }
        }
        String anchored = pattern == null ? null : anchor(m, pattern);

        List<String> audiences = m.strings("audiences", true);
        if (audiences == null && !m.has("audiences")) {
            audiences = preset == null ? List.of() : preset.defaultAudiences();
            if (audiences.isEmpty() && (preset != null || presetName == null)) {
                p.add(m.at(), m.path("audiences"), "is required (a non-empty list; "
                        + "use an audience that names this broker, e.g. its URL)");
            }
        } else if (audiences != null && audiences.size() > MAX_AUDIENCES) {
            p.add(m.at("audiences"), m.path("audiences"), "at most " + MAX_AUDIENCES + " audiences");
        }

        String jwksUri = m.string("jwks-uri", false);
        String jwks = m.string("jwks", false);
        if (jwksUri != null && jwks != null) {
            p.add(m.at("jwks"), m.path("jwks"), "at most one of jwks-uri and jwks, got both");
        }
        if (jwksUri != null) {
            String problem = ConfigSyntax.checkUrl(jwksUri);
            if (problem != null) {
                p.add(m.value("jwks-uri"), m.path("jwks-uri"), problem);
            }
        }
        if (jwks != null) {
            checkJwks(m, jwks);
        }
        String caPem = m.string("ca-pem", false);
        if (caPem != null) {
            checkCaPem(m, caPem);
        }

        List<String> algorithms = m.strings("algorithms", true);
        if (algorithms == null) {
            algorithms = Preset.DEFAULT_ALGORITHMS;
        } else {
            for (int i = 0; i < algorithms.size(); i++) {
                checkAlgorithm(m, i, algorithms.get(i));
            }
        }

        Duration skew = m.duration("clock-skew", Duration.ZERO, false, MAX_CLOCK_SKEW);
        Duration lifetime = m.duration("max-token-lifetime", Duration.ZERO, true, MAX_TOKEN_LIFETIME);
        Boolean replay = m.bool("replay-protection");
        boolean replayProtection = replay != null ? replay : preset != null && preset.replayProtection();

        return new IssuerSpec(name, preset == null ? null : preset.configName(), issuer, anchored,
                audiences == null ? List.of() : audiences, jwksUri, jwks, caPem, algorithms,
                skew == null ? DEFAULT_CLOCK_SKEW : skew,
                lifetime == null ? DEFAULT_MAX_TOKEN_LIFETIME : lifetime,
                replayProtection, m.at());
    }

    private static String anchor(YamlMap m, String pattern) {
        if (pattern.length() > MAX_PATTERN_LENGTH) {
            m.problems().add(m.value("issuer-pattern"), m.path("issuer-pattern"),
                    "at most " + MAX_PATTERN_LENGTH + " characters");
            return null;
        }
        String anchored = "^(?:" + pattern + ")$";
        try {
            Pattern.compile(anchored);
            return anchored;
        } catch (PatternSyntaxException e) {
            m.problems().add(m.value("issuer-pattern"), m.path("issuer-pattern"),
                    "not a valid regular expression: " + e.getDescription());
            return null;
        }
    }

    private static void checkJwks(YamlMap m, String jwks) {
        JWKSet set;
        try {
            set = JWKSet.parse(jwks);
        } catch (ParseException e) {
            m.problems().add(m.value("jwks"), m.path("jwks"), "not a JWK set: " + e.getMessage());
            return;
        }
        if (set.getKeys().isEmpty()) {
            m.problems().add(m.value("jwks"), m.path("jwks"), "the JWK set has no keys");
        }
        for (int i = 0; i < set.getKeys().size(); i++) {
            JWK key = set.getKeys().get(i);
            // Never echo key material: the index and kid are enough to find the key.
            String which = "key " + i + (key.getKeyID() == null ? "" : " (kid " + key.getKeyID() + ")");
            if (key.getKeyType() != null && "oct".equals(key.getKeyType().getValue())) {
                m.problems().add(m.value("jwks"), m.path("jwks"), which + " is a symmetric (shared-secret) key; "
                        + "only public RSA, EC and OKP keys are accepted (remove it and rotate that secret)");
            } else if (key.isPrivate()) {
                m.problems().add(m.value("jwks"), m.path("jwks"), which + " contains private key material; "
                        + "the config must hold public keys only (remove it and rotate that key)");
            }
        }
    }

    private static void checkCaPem(YamlMap m, String pem) {
        try {
            var certs = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
            if (certs.isEmpty()) {
                m.problems().add(m.value("ca-pem"), m.path("ca-pem"), "contains no X.509 certificate");
            }
        } catch (CertificateException | RuntimeException e) {
            m.problems().add(m.value("ca-pem"), m.path("ca-pem"),
                    "not a PEM bundle of X.509 certificates (-----BEGIN CERTIFICATE----- …)");
        }
    }

    private static void checkAlgorithm(YamlMap m, int i, String name) {
        JWSAlgorithm alg = JWSAlgorithm.parse(name);
        boolean asymmetric = JWSAlgorithm.Family.RSA.contains(alg) || JWSAlgorithm.Family.EC.contains(alg)
                || JWSAlgorithm.Family.ED.contains(alg);
        if (!asymmetric) {
            String why = name.equals("none") || JWSAlgorithm.Family.HMAC_SHA.contains(alg)
                    ? "`" + name + "` is not allowed: only asymmetric signatures (a shared secret or no signature "
                    + "would let anyone who knows it mint tokens)"
                    : "unknown algorithm `" + name + "`";
            m.problems().add(m.element("algorithms", i), m.path("algorithms") + "[" + i + "]",
                    why + "; allowed: " + String.join(", ", allowedAlgorithms()));
        }
    }

    static List<String> allowedAlgorithms() {
        List<String> out = new ArrayList<>();
        for (var family : List.of(JWSAlgorithm.Family.RSA, JWSAlgorithm.Family.EC, JWSAlgorithm.Family.ED)) {
            family.forEach(a -> out.add(a.getName()));
        }
        return out;
    }
}
