// SPDX-License-Identifier: Apache-2.0
package io.segura.testkit.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away certificate authority for tests, made with BouncyCastle at test time: it issues server certificates
 * (SAN 127.0.0.1 and localhost) and client certificates with any subject and validity, so a test can present an
 * expired certificate, one from another CA, or one with an unregistered subject. Keys are EC P-256; PEM files are
 * written the way operators get them (certificate chain, PKCS#8 private key).
 */
public final class TestCa {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final X500Principal subject;
    private final KeyPair keys;
    private final X509Certificate certificate;

    private TestCa(X500Principal subject, KeyPair keys, X509Certificate certificate) {
        this.subject = subject;
        this.keys = keys;
        this.certificate = certificate;
    }

    /** A self-signed CA valid from an hour ago for a day. */
    public static TestCa create(String distinguishedName) {
        try {
            KeyPair keys = ecKeys();
            X500Principal name = new X500Principal(distinguishedName);
            Instant now = Instant.now();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), name,
                    keys.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            return new TestCa(name, keys, sign(b, keys));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot create the test CA", e);
        }
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** This CA's certificate as PEM. */
    public String certificatePem() {
        return pem(certificate);
    }

    /** Writes this CA's certificate to {@code file} (PEM) and returns it. */
    public Path writeCertificate(Path file) throws IOException {
        Files.writeString(file, certificatePem(), StandardCharsets.US_ASCII);
        return file;
    }

    /** A TLS server certificate for 127.0.0.1 / localhost, valid from an hour ago for a day. */
    public Issued server(String distinguishedName) {
        Instant now = Instant.now();
        return issue(distinguishedName, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)), true);
    }

    /** A TLS client certificate valid from an hour ago for a day. */
    public Issued client(String distinguishedName) {
        Instant now = Instant.now();
        return client(distinguishedName, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)));
    }

    /** A TLS client certificate valid from {@code notBefore} to {@code notAfter} (e.g. both in the past). */
    public Issued client(String distinguishedName, Instant notBefore, Instant notAfter) {
        return issue(distinguishedName, notBefore, notAfter, false);
    }

    private Issued issue(String distinguishedName, Instant notBefore, Instant notAfter, boolean server) {
        try {
            KeyPair leafKeys = ecKeys();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(notBefore),
                    Date.from(notAfter), new X500Principal(distinguishedName), leafKeys.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(server ? KeyPurposeId.id_kp_serverAuth : KeyPurposeId.id_kp_clientAuth));
            b.addExtension(Extension.authorityKeyIdentifier, false,
                    ext.createAuthorityKeyIdentifier(certificate));
            if (server) {
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                        new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                        new GeneralName(GeneralName.dNSName, "localhost")}));
            }
            return new Issued(sign(b, keys), leafKeys, certificate);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot issue a test certificate", e);
        }
    }

    /** An SSLContext trusting only this CA and presenting no certificate. */
    public SSLContext trustingContext() {
        return context(null);
    }

    SSLContext context(KeyManagerFactory kmf) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", certificate);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a test TLS context", e);
        }
    }

    /**
     * A certificate this CA issued, with its key.
     *
     * @param issuer the issuing CA's certificate (written after the leaf in {@link #writeChain})
     */
    public record Issued(X509Certificate certificate, KeyPair keys, X509Certificate issuer) {

        public BigInteger serial() {
            return certificate.getSerialNumber();
        }

        /** Writes {@code leaf + issuer} as a PEM chain to {@code cert} and the PKCS#8 key to {@code key}. */
        public void writeChain(Path cert, Path key) throws IOException {
            Files.writeString(cert, pem(certificate) + pem(issuer), StandardCharsets.US_ASCII);
            Files.writeString(key, pem(keys.getPrivate()), StandardCharsets.US_ASCII);
        }

        /** A client context presenting this certificate and trusting {@code serverCa}. */
        public SSLContext clientContext(TestCa serverCa) {
            try {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry("client", keys.getPrivate(), new char[0],
                        new Certificate[] {certificate, issuer});
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, new char[0]);
                return serverCa.context(kmf);
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException("cannot build a test client TLS context", e);
            }
        }
    }

    /** PEM text of a certificate or key ({@code -----BEGIN PRIVATE KEY-----}, PKCS#8, for a private key). */
    public static String pem(Object certificateOrKey) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            if (certificateOrKey instanceof java.security.PrivateKey k) {
                w.writeObject(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(k, null));
            } else {
                w.writeObject(certificateOrKey);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair signer)
            throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException("cannot sign the test certificate", e);
        }
    }

    private static KeyPair ecKeys() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return g.generateKeyPair();
    }

    private static BigInteger serial() {
        return new BigInteger(63, RANDOM).add(BigInteger.ONE);
    }
}
