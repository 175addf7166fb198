// SPDX-License-Identifier: Apache-2.0
package io.segura.client.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.segura.client.BrokerClient;
import io.segura.client.RetryPolicy;
import io.segura.client.Session;
import io.segura.client.platform.Identity;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * mTLS from PEM files against a real HTTPS server on loopback that requires a client certificate. Keys and
 * certificates come from the JDK's keytool (the JDK has no API to issue certificates).
 */
class PemTlsTest {

    private static final char[] PASSWORD = "changeit".toCharArray();

    /** Shared by the tests: keytool's RSA key generation is slow on a busy machine. */
    @TempDir
    static Path dir;

    private HttpsServer server;
    private final List<String> peers = Collections.synchronizedList(new ArrayList<>());
    private final List<String> bodies = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void start() throws Exception {
        Path serverStore = dir.resolve("server.p12");
        if (!Files.exists(serverStore)) {
            keypair("server", "CN=localhost", "EC", "ext=san=ip:127.0.0.1,dns:localhost");
            Path clientStore = keypair("client", "CN=bamboo-prod,O=Acme", "RSA", null);
            exportCert(serverStore, "server", dir.resolve("ca.pem"));
            exportCert(clientStore, "client", dir.resolve("client.pem"));
            exportKey(clientStore, "client", dir.resolve("client.key"));
        }

        KeyStore trustClient = KeyStore.getInstance("PKCS12");
        trustClient.load(null, null);
        trustClient.setCertificateEntry("client", PemTls.certificates(dir.resolve("client.pem")).get(0));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trustClient);
        KeyStore serverKeys = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(serverStore.toFile())) {
            serverKeys.load(in, PASSWORD);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(serverKeys, PASSWORD);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);

        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(ctx) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = ctx.getDefaultSSLParameters();
                p.setNeedClientAuth(true);
                params.setSSLParameters(p);
            }
        });
        server.createContext("/oauth2/token", ex -> {
            peers.add(((HttpsExchange) ex).getSSLSession().getPeerPrincipal().getName());
            bodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            byte[] b = "{\"access_token\":\"sgs_m\",\"token_type\":\"Bearer\",\"expires_in\":60,\"scope\":\"role:b\"}"
                    .getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private URI url() {
        return URI.create("https://127.0.0.1:" + server.getAddress().getPort());
    }

    @Test
    void exchangeWhenClientCertificateThenServerSeesSubject() throws Exception {
        BrokerClient client = new BrokerClient(url(), BrokerClient.httpClient(dir.resolve("ca.pem"), null, null),
                RetryPolicy.NONE, dir.resolve("ca.pem"));
        Session s = client.exchange(new Identity.ClientCertificate("bamboo-prod", dir.resolve("client.pem").toString(),
                dir.resolve("client.key").toString()), "b");
        assertThat(s.token()).isEqualTo("sgs_m");
        assertThat(peers).containsExactly("CN=bamboo-prod,O=Acme");
        assertThat(bodies.get(0)).isEqualTo("grant_type=client_credentials&client_id=bamboo-prod&scope=role%3Ab");
    }

    @Test
    void exchangeWhenPresentedCertificateThenTokenRequestGoesOverCallersClient() throws Exception {
        // A key store (as a Jenkins certificate credential holds it), not PEM files: the caller builds the context.
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(dir.resolve("client.p12").toFile())) {
            keys.load(in, PASSWORD);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, PASSWORD);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), trustOnly(dir.resolve("ca.pem")), null);
        BrokerClient client = new BrokerClient(url(), java.net.http.HttpClient.newBuilder().sslContext(ctx).build(),
                RetryPolicy.NONE, null);
        Session s = client.exchange(new Identity.PresentedCertificate(null), "b");
        assertThat(s.token()).isEqualTo("sgs_m");
        assertThat(peers).containsExactly("CN=bamboo-prod,O=Acme");
        assertThat(bodies.get(0)).isEqualTo("grant_type=client_credentials&scope=role%3Ab");
    }

    private static javax.net.ssl.TrustManager[] trustOnly(Path caPem) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", PemTls.certificates(caPem).get(0));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        return tmf.getTrustManagers();
    }

    @Test
    void sendWhenNoClientCertificateThenHandshakeRefused() throws Exception {
        BrokerClient client = new BrokerClient(url(), BrokerClient.httpClient(dir.resolve("ca.pem"), null, null),
                RetryPolicy.NONE, null);
        assertThatThrownBy(() -> client.exchange(new Identity.ClientSecret("x", "y"), null))
                .isInstanceOf(io.segura.client.BrokerException.class);
        assertThat(peers).isEmpty();
    }

    @Test
    void sendWhenServerNotInCaBundleThenRefused() throws Exception {
        BrokerClient client = new BrokerClient(url(), BrokerClient.httpClient(dir.resolve("client.pem"),
                dir.resolve("client.pem"), dir.resolve("client.key")), RetryPolicy.NONE, null);
        assertThatThrownBy(() -> client.exchange(new Identity.ClientSecret("x", "y"), null))
                .isInstanceOf(io.segura.client.BrokerException.class);
        assertThat(peers).isEmpty();
    }

    @Test
    void privateKeyWhenPkcs1ThenSaysHowToConvert() throws Exception {
        Path pkcs1 = dir.resolve("rsa.key");
        Files.writeString(pkcs1, "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n");
        assertThatThrownBy(() -> PemTls.privateKey(pkcs1)).isInstanceOf(IOException.class)
                .hasMessageContaining("openssl pkcs8 -topk8");
        Path empty = dir.resolve("empty.pem");
        Files.writeString(empty, "nothing here");
        assertThatThrownBy(() -> PemTls.privateKey(empty)).hasMessageContaining("no -----BEGIN PRIVATE KEY-----");
    }

    private static Path keypair(String alias, String dname, String alg, String ext) throws Exception {
        Path store = dir.resolve(alias + ".p12");
        List<String> cmd = new ArrayList<>(List.of(keytool(), "-genkeypair", "-alias", alias, "-keyalg", alg,
                "-dname", dname, "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
                "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD)));
        if (alg.equals("RSA")) {
            cmd.addAll(List.of("-keysize", "2048"));
        }
        if (ext != null) {
            cmd.addAll(List.of("-ext", ext.substring(4)));
        }
        run(cmd);
        return store;
    }

    private static void exportCert(Path store, String alias, Path pem) throws Exception {
        run(List.of(keytool(), "-exportcert", "-rfc", "-alias", alias, "-keystore", store.toString(), "-storepass",
                new String(PASSWORD), "-file", pem.toString()));
    }

    private static void exportKey(Path store, String alias, Path pem) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(store.toFile())) {
            ks.load(in, PASSWORD);
        }
        PrivateKey key = (PrivateKey) ks.getKey(alias, PASSWORD);
        Files.writeString(pem, "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(
                StandardCharsets.US_ASCII)).encodeToString(key.getEncoded()) + "\n-----END PRIVATE KEY-----\n");
    }

    private static String keytool() {
        return Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    }

    private static void run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("keytool failed: " + out);
        }
    }
}
