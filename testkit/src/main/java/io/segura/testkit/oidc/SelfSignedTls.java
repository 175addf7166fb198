// SPDX-License-Identifier: Apache-2.0
package io.segura.testkit.oidc;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A throw-away TLS identity for 127.0.0.1/localhost. The JDK has no public API to issue certificates, so this runs the
 * JDK's own {@code keytool} (always present next to {@code java}) instead of pulling in a crypto library.
 */
record SelfSignedTls(SSLContext sslContext, String certificatePem) {

    private static final char[] PASSWORD = "simulator".toCharArray();

    static SelfSignedTls generate() {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("issuer-sim-tls");
            Path store = dir.resolve("server.p12");
            String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
            String pass = new String(PASSWORD);
            run(List.of(keytool, "-genkeypair", "-alias", "sim", "-keyalg", "EC", "-groupname", "secp256r1",
                    "-validity", "2", "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1,dns:localhost",
                    "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", pass, "-keypass", pass));
            String pem = run(List.of(keytool, "-exportcert", "-rfc", "-alias", "sim", "-keystore", store.toString(),
                    "-storetype", "PKCS12", "-storepass", pass));
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                ks.load(in, PASSWORD);
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, PASSWORD);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return new SelfSignedTls(ctx, pem);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot create the simulator's TLS certificate", e);
        } finally {
            deleteQuietly(dir);
        }
    }

    private static String run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("keytool failed: " + out);
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running keytool", e);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }
}
