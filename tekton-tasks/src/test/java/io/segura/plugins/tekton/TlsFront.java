// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.tekton;

import io.segura.testkit.tls.TestIdentity;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

/**
 * A TLS-terminating front of the live broker on loopback, as an ingress with a private CA would be: the CLI speaks
 * real TLS to it (server certificate for 127.0.0.1 from {@link TestIdentity}, self-signed, so trusted only through
 * its PEM) and the bytes go on to the broker's plain HTTP port. Proves the Task's CA workspace end to end.
 */
final class TlsFront implements AutoCloseable {

    private final SSLServerSocket server;
    private final InetSocketAddress target;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    private TlsFront(SSLServerSocket server, InetSocketAddress target) {
        this.server = server;
        this.target = target;
        Thread acceptor = new Thread(this::accept, "tls-front-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    static TlsFront start(TestIdentity identity, URI broker) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(identity.keyStore())) {
            ks.load(in, identity.password().toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, identity.password().toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        SSLServerSocket server = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 64,
                InetAddress.getLoopbackAddress());
        return new TlsFront(server, new InetSocketAddress(broker.getHost(), broker.getPort()));
    }

    /** {@code https://127.0.0.1:PORT}. */
    URI url() {
        return URI.create("https://127.0.0.1:" + server.getLocalPort());
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                upstream.connect(target, 5000);
                open.add(client);
                open.add(upstream);
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException e) {
                // closed, or one connection failed (the client sees its handshake or connection fail)
            }
        }
    }

    /** Copies one direction; when it ends, both sockets close (an SSLSocket cannot half-close). */
    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // the other side went away
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "tls-front-pump");
        t.setDaemon(true);
        t.start();
    }

    private void closeQuietly(Socket s) {
        open.remove(s);
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            closeQuietly(s);
        }
    }
}
