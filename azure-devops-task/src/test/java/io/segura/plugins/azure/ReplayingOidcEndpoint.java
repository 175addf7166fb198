// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.azure;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * An OIDC endpoint that answers every POST with the same captured token ({@code {"oidcToken": …}}, the Azure
 * endpoint's shape): what a job would see if someone replayed a token they obtained once. Loopback, port 0.
 */
final class ReplayingOidcEndpoint implements AutoCloseable {

    private final HttpServer server;

    private ReplayingOidcEndpoint(String token) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        byte[] body = ("{\"oidcToken\":\"" + token + "\"}").getBytes(StandardCharsets.UTF_8);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    static ReplayingOidcEndpoint serving(String token) throws IOException {
        return new ReplayingOidcEndpoint(token);
    }

    String requestUri() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/contoso/_apis/oidctoken";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
