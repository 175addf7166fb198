// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import io.segura.testkit.tls.TestIdentity;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * HTTPS in front of the plain-http test broker: terminates TLS with a test identity on a loopback port and forwards
 * the bytes to the broker, as a TLS-terminating load balancer would. Lets a test prove {@code --ca-cert} against the
 * real broker without a TLS-configured broker process.
 */
final class TlsFront implements AutoCloseable {

    private final ServerSocket server;
    private final int targetPort;

    private TlsFront(ServerSocket server, int targetPort) {
        this.server = server;
        this.targetPort = targetPort;
        Thread acceptor = new Thread(this::accept, "tls-front-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    static TlsFront start(TestIdentity identity, int targetPort) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(identity.keyStore())) {
            ks.load(in, identity.password().toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, identity.password().toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return new TlsFront(ctx.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress()),
                targetPort);
    }

    int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket broker = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                pipe(client, broker);
                pipe(broker, client);
            } catch (IOException e) {
                // closed, or one connection failed: the next accept decides
            }
        }
    }

    /** Copies {@code from} → {@code to}; the handshake happens on the first read, and a refused one closes both. */
    private static void pipe(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException e) {
                // a side hung up or the handshake was refused
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "tls-front-pipe");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
