// SPDX-License-Identifier: Apache-2.0
package io.segura.client.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Builds the client's {@link SSLContext} from PEM files: a CA bundle to trust ({@code SEGURA_CA_CERT}) and an mTLS
 * client certificate with its PKCS#8 key ({@code SEGURA_CLIENT_CERT}/{@code SEGURA_CLIENT_KEY}). JDK only.
 */
public final class PemTls {

    private static final char[] NO_PASSWORD = new char[0];

    private PemTls() {
    }

    /**
     * @param caPem   CA certificates to trust instead of the JDK's, or null for the JDK default
     * @param certPem client certificate chain (leaf first), or null for no client certificate
     * @param keyPem  the client's private key as {@code -----BEGIN PRIVATE KEY-----} (PKCS#8), or null
     */
    public static SSLContext sslContext(Path caPem, Path certPem, Path keyPem) throws IOException {
        try {
            TrustManagerFactory tmf = null;
            if (caPem != null) {
                KeyStore trust = KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                int i = 0;
                for (Certificate c : certificates(caPem)) {
                    trust.setCertificateEntry("ca-" + i++, c);
                }
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
            }
            KeyManagerFactory kmf = null;
            if (certPem != null) {
                List<Certificate> chain = certificates(certPem);
                PrivateKey key = privateKey(keyPem);
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry("client", key, NO_PASSWORD, chain.toArray(new Certificate[0]));
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, NO_PASSWORD);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot build the TLS context: " + e.getMessage(), e);
        }
    }

    /** Every certificate in a PEM file, in order. */
    public static List<Certificate> certificates(Path pem) throws IOException, GeneralSecurityException {
        byte[] bytes = Files.readAllBytes(pem);
        Collection<? extends Certificate> certs =
                CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bytes));
        if (certs.isEmpty()) {
            throw new IOException(pem + " holds no PEM certificate");
        }
        return new ArrayList<>(certs);
    }

    /** A PKCS#8 PEM private key (RSA, EC or Ed25519). */
    public static PrivateKey privateKey(Path pem) throws IOException, GeneralSecurityException {
        String text = Files.readString(pem, StandardCharsets.US_ASCII);
        if (text.contains("BEGIN RSA PRIVATE KEY") || text.contains("BEGIN EC PRIVATE KEY")) {
            throw new IOException(pem + " is a PKCS#1/SEC1 key; convert it to PKCS#8 with"
                    + " `openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8`");
        }
        if (text.contains("BEGIN ENCRYPTED PRIVATE KEY")) {
            throw new IOException(pem + " is encrypted; give an unencrypted PKCS#8 key (file mode 0600)");
        }
        int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = text.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw new IOException(pem + " holds no -----BEGIN PRIVATE KEY----- block");
        }
        String body = text.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end).replaceAll("\\s", "");
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body));
        for (String alg : List.of("RSA", "EC", "Ed25519", "EdDSA")) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // try the next algorithm: PKCS#8 names it inside, but the JDK wants it up front
            }
        }
        throw new IOException(pem + " is not an RSA, EC or Ed25519 PKCS#8 key");
    }
}
