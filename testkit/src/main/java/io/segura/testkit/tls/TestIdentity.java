// SPDX-License-Identifier: Apache-2.0
package io.segura.testkit.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A throw-away TLS identity (self-signed EC key + certificate in a PKCS#12 file) made by the JDK's own
 * {@code keytool}, for tests of server TLS and mutual TLS without a crypto library. {@link #trusting} builds a
 * PKCS#12 trust store of other identities' certificates.
 */
public record TestIdentity(Path keyStore, String password, String certificatePem, Path certificateFile) {

    /**
     * @param distinguishedName subject DN, e.g. {@code CN=bamboo-ci,O=Acme}
     * @param dir               where the files go
     */
    public static TestIdentity create(String alias, String distinguishedName, Path dir) throws IOException {
        Path store = dir.resolve(alias + ".p12");
        String pass = "changeit-" + alias;
        run(List.of(keytool(), "-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1",
                "-validity", "2", "-dname", distinguishedName, "-ext", "san=ip:127.0.0.1,dns:localhost",
                "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", pass, "-keypass", pass));
        String pem = run(List.of(keytool(), "-exportcert", "-rfc", "-alias", alias, "-keystore", store.toString(),
                "-storetype", "PKCS12", "-storepass", pass));
        Path cert = dir.resolve(alias + ".crt");
        Files.writeString(cert, pem, StandardCharsets.US_ASCII);
        return new TestIdentity(store, pass, pem, cert);
    }

    /** A PKCS#12 trust store holding the given identities' certificates. */
    public static Path trusting(Path file, String password, TestIdentity... trusted) throws IOException {
        for (int i = 0; i < trusted.length; i++) {
            run(List.of(keytool(), "-importcert", "-noprompt", "-alias", "t" + i, "-file",
                    trusted[i].certificateFile().toString(), "-keystore", file.toString(), "-storetype", "PKCS12",
                    "-storepass", password));
        }
        return file;
    }

    /** A client-side SSLContext presenting this identity and trusting {@code server}'s certificate. */
    public SSLContext clientContext(TestIdentity server) throws IOException, GeneralSecurityException {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(load(keyStore, password), password.toCharArray());
        return context(kmf, server);
    }

    /** A client-side SSLContext without a client certificate, trusting {@code server}. */
    public static SSLContext anonymousContext(TestIdentity server) throws IOException, GeneralSecurityException {
        return context(null, server);
    }

    private static SSLContext context(KeyManagerFactory kmf, TestIdentity server)
            throws IOException, GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(load(server.keyStore(), server.password()));
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    private static KeyStore load(Path file, String password) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, password.toCharArray());
        }
        return ks;
    }

    private static String keytool() {
        return Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    }

    private static String run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("keytool failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running keytool", e);
        }
        return out;
    }
}
