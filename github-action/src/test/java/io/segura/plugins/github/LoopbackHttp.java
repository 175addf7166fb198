// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.github;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * HTTP servers on 127.0.0.1 (ephemeral ports) that the action's tests put around the runner: a GitHub release that
 * serves the built {@code segura-cli.jar}, and the broker's public address (a forwarding front whose URL is known
 * before the broker starts, so that the broker's configured audience can be the URL the job uses, as in production).
 */
final class LoopbackHttp implements AutoCloseable {

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "content-length", "host", "transfer-encoding",
            "keep-alive", "upgrade", "expect");

    private final HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private volatile URI target;

    private LoopbackHttp(HttpServer server) {
        this.server = server;
    }

    private static HttpServer bind() {
        try {
            return HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A release server: GET {@code /releases/v<version>/segura-cli.jar} answers {@code jar}, anything else 404. */
    static LoopbackHttp release(String version, Path jar) {
        LoopbackHttp http = new LoopbackHttp(bind());
        String assetPath = "/releases/v" + version + "/segura-cli.jar";
        http.server.createContext("/", exchange -> {
            http.requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
            try (exchange) {
                if ("GET".equals(exchange.getRequestMethod()) && assetPath.equals(exchange.getRequestURI().getPath())) {
                    byte[] body = Files.readAllBytes(jar);
                    exchange.getResponseHeaders().add("Content-Type", "application/java-archive");
                    exchange.sendResponseHeaders(200, body.length);
                    exchange.getResponseBody().write(body);
                } else {
                    exchange.sendResponseHeaders(404, -1);
                }
            }
        });
        http.server.start();
        return http;
    }

    /** A front that forwards every request to {@link #forwardTo(URI)}'s origin, e.g. the broker once it started. */
    static LoopbackHttp front() {
        LoopbackHttp http = new LoopbackHttp(bind());
        HttpClient client = HttpClient.newHttpClient();
        http.server.createContext("/", exchange -> {
            try (exchange) {
                http.forward(client, exchange);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        });
        http.server.start();
        return http;
    }

    void forwardTo(URI origin) {
        this.target = origin;
    }

    private void forward(HttpClient client, HttpExchange exchange) throws IOException, InterruptedException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        HttpRequest.Builder request = HttpRequest.newBuilder(target.resolve(exchange.getRequestURI().toString()))
                .method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (!HOP_BY_HOP.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                values.forEach(v -> request.header(name, v));
            }
        });
        HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        response.headers().map().forEach((name, values) -> {
            if (!HOP_BY_HOP.contains(name.toLowerCase(java.util.Locale.ROOT)) && !name.startsWith(":")) {
                values.forEach(v -> exchange.getResponseHeaders().add(name, v));
            }
        });
        byte[] out = response.body();
        exchange.sendResponseHeaders(response.statusCode(), out.length == 0 ? -1 : out.length);
        if (out.length > 0) {
            exchange.getResponseBody().write(out);
        }
    }

    /** {@code http://127.0.0.1:<port>} */
    String origin() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    List<String> requests() {
        return List.copyOf(requests);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
