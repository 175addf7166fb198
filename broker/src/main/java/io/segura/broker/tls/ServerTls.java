// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.tls;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundleKey;
import org.springframework.boot.ssl.SslBundleRegistry;
import org.springframework.boot.ssl.SslManagerBundle;
import org.springframework.boot.ssl.SslOptions;
import org.springframework.boot.ssl.SslStoreBundle;
import org.springframework.boot.ssl.pem.PemContent;

/**
 * The server's TLS identity from PEM files ({@link TlsSettings}), served through a Spring Boot SSL bundle and
 * replaced in it when the files change. Reactor Netty takes a bundle update for every new connection; connections
 * already open keep the certificate they were opened with.
 *
 * <p>The files are compared by content (SHA-256 of all three) every {@code reloadInterval}, not watched: a polled
 * digest sees a Kubernetes secret's symlink swap, a {@code cp} over the file and an {@code mv} alike, and never half
 * of a pair, because a certificate and a key that do not belong together are refused (the next poll tries again
 * once the second file has arrived). A replacement that cannot be used is logged once as an error naming the file
 * and the reason, and the certificate in service stays in service.
 *
 * <p>The TLS layer accepts any client certificate ({@link AnyClientCertificate}): which CA issued it, whether it
 * has expired and whose it is are decided at the token endpoint ({@link ClientCertificateCheck}), which can answer
 * RFC 6749 {@code invalid_client} with the reason and audit the refusal; a failed handshake could do neither. The
 * handshake still proves that the client holds the certificate's private key (TLS CertificateVerify).
 */
public final class ServerTls implements AutoCloseable {

    /** The bundle's name in Spring Boot's registry, and {@code server.ssl.bundle}. */
    public static final String BUNDLE = "segura-server";

    private static final Logger log = LoggerFactory.getLogger(ServerTls.class);
    private static final char[] IN_MEMORY = "segura".toCharArray();

    private final TlsSettings settings;
    private final Clock clock;
    private final ScheduledExecutorService poller;
    private volatile Material served;
    private volatile SslBundleRegistry registry;
    /** Digest of the last replacement that failed, so its error is logged once, not at every poll. */
    private byte[] failed;

    /**
     * Loads the files once; a start with unusable files fails with the reason.
     *
     * @throws IllegalStateException naming the variable, the file and what is wrong with it
     */
    public ServerTls(TlsSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        try {
            this.served = load(settings);
        } catch (InvalidMaterial e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        log.info("TLS: serving {}{}", describe(served.leaf()), settings.clientCa() == null ? ""
                : "; client certificates asked for, issued by " + served.clientCas().size()
                        + " CA(s) in " + settings.clientCa());
        warnIfExpired(served.leaf());
        this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "segura-tls-reload");
            t.setDaemon(true);
            return t;
        });
        long every = settings.reloadInterval().toMillis();
        poller.scheduleWithFixedDelay(this::check, every, every, TimeUnit.MILLISECONDS);
    }

    /** Registers the bundle; called once by Spring Boot's registry (see TlsConfiguration). */
    void register(SslBundleRegistry bundles) {
        bundles.registerBundle(BUNDLE, served.bundle());
        this.registry = bundles;
    }

    /** The CA certificates that issue client certificates, as served now; empty when none are configured. */
    public List<X509Certificate> clientAuthorities() {
        return served.clientCas();
    }

    /** The certificate served to new connections. */
    public X509Certificate certificate() {
        return served.leaf();
    }

    /** Compares the files with what is served and swaps the bundle when they changed and are usable. */
    synchronized void check() {
        try {
            byte[] digest = digest(read(settings));
            if (Arrays.equals(digest, served.digest()) || Arrays.equals(digest, failed)) {
                return;
            }
            Material next;
            try {
                next = load(settings);
            } catch (InvalidMaterial e) {
                failed = digest;
                log.error("TLS: the replacement is not used, {} stays in service: {}", describe(served.leaf()),
                        e.getMessage());
                return;
            }
            SslBundleRegistry bundles = registry;
            if (bundles == null) {
                return; // the server has not taken the bundle yet: the next poll swaps it
            }
            bundles.updateBundle(BUNDLE, next.bundle());
            served = next;
            failed = null;
            log.info("TLS: reloaded, new connections get {}", describe(next.leaf()));
            warnIfExpired(next.leaf());
        } catch (IOException e) {
            log.error("TLS: cannot read the certificate files, {} stays in service: {}", describe(served.leaf()),
                    e.getMessage());
        } catch (RuntimeException e) {
            // the poller must survive anything, or no later replacement would ever be seen
            log.error("TLS: reload failed, {} stays in service", describe(served.leaf()), e);
        }
    }

    @Override
    public void close() {
        poller.shutdownNow();
    }

    private void warnIfExpired(X509Certificate leaf) {
        if (leaf.getNotAfter().toInstant().isBefore(clock.instant())) {
            log.warn("TLS: the served certificate expired at {}; clients will refuse it",
                    leaf.getNotAfter().toInstant());
        }
    }

    static String describe(X509Certificate c) {
        return "certificate serial " + c.getSerialNumber().toString(16) + " (" + c.getSubjectX500Principal().getName()
                + ", valid until " + c.getNotAfter().toInstant() + ")";
    }

    /** What is served: the bundle and where it came from. */
    record Material(SslBundle bundle, X509Certificate leaf, List<X509Certificate> clientCas, byte[] digest) {
    }

    /** A file that cannot be used, with a message naming it (never its content). */
    static final class InvalidMaterial extends Exception {
        InvalidMaterial(String message) {
            super(message);
        }
    }

    private record Files3(byte[] cert, byte[] key, byte[] clientCa) {
    }

    private static Files3 read(TlsSettings s) throws IOException {
        return new Files3(Files.readAllBytes(s.cert()), Files.readAllBytes(s.key()),
                s.clientCa() == null ? null : Files.readAllBytes(s.clientCa()));
    }

    private static byte[] digest(Files3 f) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (byte[] part : new byte[][] {f.cert(), f.key(), f.clientCa() == null ? new byte[0] : f.clientCa()}) {
                md.update(Integer.toString(part.length).getBytes(StandardCharsets.US_ASCII));
                md.update((byte) ':');
                md.update(part);
            }
            return md.digest();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    static Material load(TlsSettings s) throws InvalidMaterial {
        Files3 files;
        try {
            files = read(s);
        } catch (IOException e) {
            throw new InvalidMaterial("cannot read " + e.getMessage());
        }
        List<X509Certificate> chain = certificates("SEGURA_TLS_CERT", s.cert(), files.cert());
        PrivateKey key;
        try {
            key = PemContent.of(new String(files.key(), StandardCharsets.US_ASCII)).getPrivateKey();
        } catch (RuntimeException e) {
            throw new InvalidMaterial("SEGURA_TLS_KEY " + s.key() + " is not a usable PEM private key (PKCS#8,"
                    + " PKCS#1 or SEC1, unencrypted): " + e.getMessage());
        }
        if (key == null) {
            throw new InvalidMaterial("SEGURA_TLS_KEY " + s.key() + " holds no PEM private key");
        }
        if (!belongTogether(key, chain.get(0).getPublicKey())) {
            throw new InvalidMaterial("SEGURA_TLS_KEY " + s.key() + " is not the key of the certificate in"
                    + " SEGURA_TLS_CERT " + s.cert() + " (replace both files; a half-done replacement is retried)");
        }
        List<X509Certificate> clientCas = files.clientCa() == null ? List.of()
                : certificates("SEGURA_TLS_CLIENT_CA", s.clientCa(), files.clientCa());
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("server", key, IN_MEMORY, chain.toArray(new X509Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, IN_MEMORY);
            SslManagerBundle managers = SslManagerBundle.of(kmf,
                    SslManagerBundle.from(new AnyClientCertificate()).getTrustManagerFactory());
            SslBundle bundle = SslBundle.of(SslStoreBundle.NONE, SslBundleKey.NONE, SslOptions.NONE,
                    SslBundle.DEFAULT_PROTOCOL, managers);
            return new Material(bundle, chain.get(0), List.copyOf(clientCas), digest(files));
        } catch (GeneralSecurityException | IOException e) {
            throw new InvalidMaterial("SEGURA_TLS_CERT " + s.cert() + " with SEGURA_TLS_KEY " + s.key()
                    + " cannot make a TLS key store: " + e.getMessage());
        }
    }

    private static List<X509Certificate> certificates(String variable, Path file, byte[] content)
            throws InvalidMaterial {
        List<X509Certificate> certs;
        try {
            PemContent pem = PemContent.of(new String(content, StandardCharsets.US_ASCII));
            certs = pem.getCertificates();
        } catch (RuntimeException e) {
            throw new InvalidMaterial(variable + " " + file + " is not a PEM certificate file: " + e.getMessage());
        }
        if (certs == null || certs.isEmpty()) {
            throw new InvalidMaterial(variable + " " + file + " holds no -----BEGIN CERTIFICATE----- block");
        }
        return certs;
    }

    /** Whether {@code key} signs what {@code certified} verifies: a certificate and a key of one pair. */
    private static boolean belongTogether(PrivateKey key, PublicKey certified) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> null;
        };
        if (algorithm == null || !key.getAlgorithm().equals(certified.getAlgorithm())
                && !(algorithm.startsWith("Ed") && certified.getAlgorithm().startsWith("Ed"))) {
            return false;
        }
        try {
            byte[] probe = "segura-tls-pair-check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certified);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /**
     * The TLS layer's trust decision for client certificates: any, and no CA hints (a JDK client would otherwise
     * withhold a certificate from another CA, and the broker could not say "wrong CA"). The certificate only counts
     * at the token endpoint, after {@link ClientCertificateCheck}. Server certificates are never checked here.
     */
    static final class AnyClientCertificate extends X509ExtendedTrustManager {

        private static final X509Certificate[] NONE = new X509Certificate[0];

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            requireChain(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            requireChain(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            requireChain(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("the broker's server bundle does not verify servers");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("the broker's server bundle does not verify servers");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("the broker's server bundle does not verify servers");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return NONE;
        }

        private static void requireChain(X509Certificate[] chain) throws CertificateException {
            if (chain == null || chain.length == 0) {
                throw new CertificateException("empty client certificate chain");
            }
        }
    }
}
