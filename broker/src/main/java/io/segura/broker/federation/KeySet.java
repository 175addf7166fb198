// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.federation;

import com.nimbusds.jose.Algorithm;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One issuer's usable signing keys at one moment, with a ready {@link JWSVerifier} per key so the hot path only
 * looks up and verifies. Immutable. Keys that must never verify anything are dropped while parsing: symmetric
 * ({@code oct}) keys, encryption keys ({@code use: enc}), RSA keys under 2048 bits (DESIGN §14; their kids are kept in
 * {@link #weakKid} so the refusal can say why) and EC keys on curves other than P-256/384/521.
 */
final class KeySet {

    static final int MIN_RSA_BITS = 2048;

    /** A verifier for one published key. */
    record Entry(String kid, JWSVerifier verifier, Algorithm jwkAlg, boolean rsa, Curve curve) {

        boolean fits(JWSAlgorithm alg) {
            if (jwkAlg != null && !jwkAlg.equals(alg)) {
                return false;
            }
            if (JWSAlgorithm.Family.RSA.contains(alg)) {
                return rsa;
            }
            Set<Curve> curves = Curve.forJWSAlgorithm(alg);
            return curve != null && curves != null && curves.contains(curve);
        }
    }

    private final Map<String, List<Entry>> byKid;
    private final List<Entry> all;
    private final Set<String> weakKids;
    private final Instant fetchedAt;

    private KeySet(Map<String, List<Entry>> byKid, List<Entry> all, Set<String> weakKids, Instant fetchedAt) {
        this.byKid = byKid;
        this.all = all;
        this.weakKids = weakKids;
        this.fetchedAt = fetchedAt;
    }

    /**
     * Parses a JWKS document.
     *
     * @throws ParseException when the document is not a JWKS at all (single unusable keys are skipped instead)
     */
    static KeySet parse(String jwksJson, Instant fetchedAt) throws ParseException {
        JWKSet set = JWKSet.parse(jwksJson);
        Map<String, List<Entry>> byKid = new HashMap<>();
        List<Entry> all = new ArrayList<>();
        Set<String> weak = new HashSet<>();
        for (JWK jwk : set.getKeys()) {
            if (jwk.getKeyUse() != null && !KeyUse.SIGNATURE.equals(jwk.getKeyUse())) {
                continue;
            }
            Entry entry = entry(jwk, weak);
            if (entry == null) {
                continue;
            }
            all.add(entry);
            if (entry.kid() != null) {
                byKid.computeIfAbsent(entry.kid(), k -> new ArrayList<>(1)).add(entry);
            }
        }
        Map<String, List<Entry>> frozen = new HashMap<>();
        byKid.forEach((k, v) -> frozen.put(k, List.copyOf(v)));
        return new KeySet(Collections.unmodifiableMap(frozen), List.copyOf(all), Set.copyOf(weak), fetchedAt);
    }

    private static Entry entry(JWK jwk, Set<String> weak) {
        try {
            if (jwk instanceof RSAKey rsa) {
                if (rsa.size() < MIN_RSA_BITS) {
                    if (rsa.getKeyID() != null) {
                        weak.add(rsa.getKeyID());
                    }
                    return null;
                }
                return new Entry(rsa.getKeyID(), new RSASSAVerifier(rsa.toRSAPublicKey()), rsa.getAlgorithm(), true,
                        null);
            }
            if (jwk instanceof ECKey ec) {
                Curve c = ec.getCurve();
                if (!Curve.P_256.equals(c) && !Curve.P_384.equals(c) && !Curve.P_521.equals(c)) {
                    return null;
                }
                return new Entry(ec.getKeyID(), new ECDSAVerifier(ec.toECPublicKey()), ec.getAlgorithm(), false, c);
            }
        } catch (JOSEException e) {
            // A malformed key (e.g. EC point not on the curve) is unusable; the others still are.
            return null;
        }
        return null;
    }

    /**
     * The keys that may have signed a token with this header: by {@code kid} when the token names one, else every
     * key of the algorithm's type. Never consults {@code jku}, {@code x5u}, {@code jwk} or {@code x5c}.
     */
    List<Entry> candidates(String kid, JWSAlgorithm alg) {
        List<Entry> pool = kid == null ? all : byKid.getOrDefault(kid, List.of());
        if (pool.size() == 1) {
            return pool.get(0).fits(alg) ? pool : List.of();
        }
        List<Entry> out = new ArrayList<>(pool.size());
        for (Entry e : pool) {
            if (e.fits(alg)) {
                out.add(e);
            }
        }
        return out;
    }

    boolean weakKid(String kid) {
        return kid != null && weakKids.contains(kid);
    }

    Instant fetchedAt() {
        return fetchedAt;
    }

    int size() {
        return all.size();
    }

    @Override
    public String toString() {
        return "KeySet{keys=" + all.size() + ", fetchedAt=" + fetchedAt + "}";
    }
}
