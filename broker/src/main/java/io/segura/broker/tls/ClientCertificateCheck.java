// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.tls;

import io.segura.broker.Refusal;
import io.segura.broker.federation.Quote;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Whether a client certificate presented on the TLS connection may authenticate an OAuth client (RFC 8705 §2.1, PKI
 * method): valid now, issued for TLS client authentication, and chaining to a CA in {@code SEGURA_TLS_CLIENT_CA}.
 * Each failure is an {@code invalid_client} refusal whose detail names the reason and the certificate (subject,
 * issuer, serial, dates — never key material). The subject is matched against the registered clients afterwards.
 *
 * <p>With the Spring {@code SERVER_SSL_*} settings instead of {@code SEGURA_TLS_*} there are no authorities here:
 * the key store's trust store has already verified the chain during the handshake (and refused the connection when
 * it failed), so only the dates and the key usage are checked again.
 */
public final class ClientCertificateCheck {

    private final Supplier<List<X509Certificate>> authorities;
    private final Clock clock;

    /**
     * @param authorities the CAs that issue client certificates, read at every check (they reload with the
     *                    server's files), or null when the TLS handshake verified the chain
     */
    public ClientCertificateCheck(Supplier<List<X509Certificate>> authorities, Clock clock) {
        this.authorities = authorities;
        this.clock = clock;
    }

    /** Checks of the dates and the key usage only: the handshake verified the chain. */
    public static ClientCertificateCheck handshakeVerified(Clock clock) {
        return new ClientCertificateCheck(null, clock);
    }

    /**
     * @param chain the presented chain, leaf first
     * @throws Refusal {@code invalid_client} naming what is wrong
     */
    public void verify(List<X509Certificate> chain) {
        X509Certificate leaf = chain.get(0);
        String who = "client certificate " + Quote.value(leaf.getSubjectX500Principal().getName()) + " (serial "
                + leaf.getSerialNumber().toString(16) + ")";
        Instant now = clock.instant();
        if (now.isAfter(leaf.getNotAfter().toInstant())) {
            throw Refusal.unauthenticated("client-certificate-expired", who + " expired at "
                    + leaf.getNotAfter().toInstant());
        }
        if (now.isBefore(leaf.getNotBefore().toInstant())) {
            throw Refusal.unauthenticated("client-certificate-not-yet-valid", who + " is not valid before "
                    + leaf.getNotBefore().toInstant());
        }
        try {
            List<String> usages = leaf.getExtendedKeyUsage();
            if (usages != null && !usages.contains("1.3.6.1.5.5.7.3.2") && !usages.contains("2.5.29.37.0")) {
                throw Refusal.unauthenticated("client-certificate-wrong-usage", who
                        + " is not issued for TLS client authentication (extended key usage lacks clientAuth)");
            }
        } catch (CertificateParsingException e) {
            throw Refusal.unauthenticated("client-certificate-wrong-usage", who
                    + " has an unreadable extended key usage");
        }
        List<X509Certificate> cas = authorities == null ? null : authorities.get();
        if (cas == null) {
            return;
        }
        if (cas.isEmpty()) {
            throw Refusal.unauthenticated("client-certificate-untrusted", who + " cannot be verified: the broker"
                    + " has no SEGURA_TLS_CLIENT_CA");
        }
        if (!chainsTo(chain, cas, now)) {
            throw Refusal.unauthenticated("client-certificate-untrusted", who + " issued by "
                    + Quote.value(leaf.getIssuerX500Principal().getName())
                    + " does not chain to a CA in SEGURA_TLS_CLIENT_CA");
        }
    }

    /** PKIX path validation (signatures, dates, basic constraints, name chaining), without revocation. */
    private static boolean chainsTo(List<X509Certificate> chain, List<X509Certificate> cas, Instant now) {
        Set<TrustAnchor> anchors = cas.stream().map(c -> new TrustAnchor(c, null)).collect(Collectors.toSet());
        // a client may send its root too; PKIX wants the path without the anchor
        List<X509Certificate> path = new ArrayList<>(chain);
        while (path.size() > 1 && cas.contains(path.get(path.size() - 1))) {
            path.remove(path.size() - 1);
        }
        try {
            PKIXParameters params = new PKIXParameters(anchors);
            params.setRevocationEnabled(false);
            params.setDate(Date.from(now));
            CertPathValidator.getInstance("PKIX").validate(
                    CertificateFactory.getInstance("X.509").generateCertPath(path), params);
            return true;
        } catch (CertPathValidatorException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PKIX validation is unavailable in this JDK", e);
        }
    }
}
