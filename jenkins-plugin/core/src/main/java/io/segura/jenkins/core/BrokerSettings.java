// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins.core;

import io.segura.client.RetryPolicy;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Collection;
import java.util.Objects;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Where the broker is and how to trust it: the plugin's global configuration (Jenkins: Manage Jenkins » System »
 * Segura, JCasC {@code unclassified.segura}). The CA is PEM text, not a file, so it lives in the controller's
 * configuration and JCasC like any other field.
 *
 * @param url                 the broker's base URL: https, or http on loopback only (dev, tests)
 * @param caCertificatesPem   PEM certificates to trust for the broker instead of the JDK's, or null
 * @param retry               the shared client's retry budget for connect errors, 429 and 503
 */
public record BrokerSettings(URI url, String caCertificatesPem, RetryPolicy retry) {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    public BrokerSettings {
        Objects.requireNonNull(url, "url cannot be null");
        Objects.requireNonNull(retry, "retry cannot be null");
        caCertificatesPem = caCertificatesPem == null || caCertificatesPem.isBlank() ? null : caCertificatesPem;
    }

    /**
     * Reads and checks the global configuration; errors name the field ({@code brokerUrl}, {@code caCertificate})
     * and say what it expects.
     */
    public static BrokerSettings of(String url, String caCertificatesPem) throws BindingException {
        if (url == null || url.isBlank()) {
            throw config("no broker URL is configured. Fix: set it under Manage Jenkins » System » Segura (JCasC:"
                    + " unclassified.segura.brokerUrl), e.g. https://segura.example.com");
        }
        String text = url.trim();
        while (text.endsWith("/")) {
            text = text.substring(0, text.length() - 1);
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw config("the broker URL is not a URL (" + e.getReason() + "). Fix: give the broker's base URL, e.g."
                    + " https://segura.example.com");
        }
        boolean http = "http".equals(uri.getScheme());
        if (!http && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw config("the broker URL must be an https URL with a host, like https://segura.example.com");
        }
        if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw config("the broker URL must not carry user info, a query or a fragment");
        }
        if (http && !isLoopback(uri.getHost())) {
            // the session token and every secret value would cross the network in clear text
            throw config("the broker URL must use https (plain http is accepted for a loopback broker only)");
        }
        BrokerSettings settings = new BrokerSettings(uri, caCertificatesPem, RetryPolicy.DEFAULT);
        if (settings.caCertificatesPem != null) {
            settings.trustManagers();
        }
        return settings;
    }

    /** The same broker with another retry budget (tests use a short one). */
    public BrokerSettings withRetry(RetryPolicy value) {
        return new BrokerSettings(url, caCertificatesPem, value);
    }

    /** An HTTP client for the broker that presents {@code identity}'s certificate when it has one. */
    HttpClient httpClient(JobIdentity identity, String credentialsId) throws BindingException {
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
                .version(HttpClient.Version.HTTP_1_1).followRedirects(HttpClient.Redirect.NEVER);
        boolean certificate = identity instanceof JobIdentity.KeyStoreCertificate;
        if (caCertificatesPem == null && !certificate) {
            return b.build();
        }
        try {
            KeyManagerFactory kmf = null;
            if (certificate) {
                JobIdentity.KeyStoreCertificate cert = (JobIdentity.KeyStoreCertificate) identity;
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                char[] password = cert.password();
                try {
                    kmf.init(cert.keyStore(), password);
                } finally {
                    java.util.Arrays.fill(password, '\0');
                }
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), trustManagers(), null);
            return b.sslContext(ctx).build();
        } catch (GeneralSecurityException e) {
            throw new BindingException(BindingException.Reason.CREDENTIALS, "withSegura: the certificate in"
                    + " credentials '" + credentialsId + "' cannot be used for TLS (" + e.getClass().getSimpleName()
                    + "). Fix: upload a PKCS#12 file holding the client's private key and certificate, with its"
                    + " password, as a \"Certificate\" credential");
        }
    }

    /** Trust managers for {@link #caCertificatesPem}, or null for the JDK's default CAs. */
    private javax.net.ssl.TrustManager[] trustManagers() throws BindingException {
        if (caCertificatesPem == null) {
            return null;
        }
        try {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(
                    new ByteArrayInputStream(caCertificatesPem.getBytes(StandardCharsets.US_ASCII)));
            if (certs.isEmpty()) {
                throw new GeneralSecurityException("no certificate");
            }
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            int i = 0;
            for (Certificate c : certs) {
                trust.setCertificateEntry("ca-" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            return tmf.getTrustManagers();
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw config("the CA certificate field holds no PEM certificate. Fix: paste the broker's CA as"
                    + " -----BEGIN CERTIFICATE----- … -----END CERTIFICATE----- (JCasC: unclassified.segura."
                    + "caCertificate), or leave it empty to trust the JDK's CAs");
        }
    }

    private static boolean isLoopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
    }

    private static BindingException config(String message) {
        return new BindingException(BindingException.Reason.CONFIGURATION, "withSegura: " + message);
    }

    @Override
    public String toString() {
        return "BrokerSettings[" + url + ", ca=" + (caCertificatesPem == null ? "JDK default" : "configured") + "]";
    }
}
