// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.export;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A loopback webhook receiver that verifies every delivery as the Standard Webhooks reference libraries do (the
 * three headers, a timestamp within 5 minutes, {@code v1,} HMAC-SHA256 over {@code id.timestamp.body} under the
 * base64 key after {@code whsec_}, compared in constant time), written here independently of the broker's signer.
 * Per path: a secret and an answer status (200 healthy, else the given status; 307 redirects to {@code /elsewhere}).
 * Public for the replica tests, which count what three brokers delivered.
 */
public final class WebhookReceiver implements AutoCloseable {

    /**
     * One verified (or not) delivery: a POST, whose {@code eventIds} are its own {@code webhook-id} for a one-event
     * message, or the {@code data.id} of each of a batch message's {@code data.events}, in the order sent.
     */
    public record Delivery(String path, String id, String body, boolean signatureValid, List<String> eventIds) {
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpServer server;
    private final Map<String, String> secrets = new ConcurrentHashMap<>();
    private final Map<String, Integer> status = new ConcurrentHashMap<>();
    /** How long each answer takes, to let a test act while deliveries are in flight. */
    volatile long delayMillis;
    final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    /** Event ids answered 503 wherever they are posted, alone or in a batch (one failing in the middle of a round). */
    final java.util.Set<String> refusedIds = ConcurrentHashMap.newKeySet();

    public WebhookReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(2));
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            String text = new String(body, StandardCharsets.UTF_8);
            String id = exchange.getRequestHeaders().getFirst("webhook-id");
            boolean valid = verify(secrets.get(path), id, exchange.getRequestHeaders().getFirst("webhook-timestamp"),
                    exchange.getRequestHeaders().getFirst("webhook-signature"), text);
            List<String> eventIds = eventIds(id, text);
            int answer = eventIds.stream().anyMatch(refusedIds::contains) ? 503 : status.getOrDefault(path, 200);
            if (delayMillis > 0) {
                try {
                    Thread.sleep(delayMillis); // a slow receiver, not synchronisation
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (answer == 200) {
                deliveries.add(new Delivery(path, id, text, valid, eventIds));
            }
            if (answer == 307) {
                exchange.getResponseHeaders().add("Location", "http://127.0.0.1:" + port() + "/elsewhere");
            }
            exchange.sendResponseHeaders(answer, -1);
            exchange.close();
        });
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    public void secret(String path, String secret) {
        secrets.put(path, secret);
    }

    void answer(String path, int code) {
        status.put(path, code);
    }

    public List<Delivery> at(String path) {
        return deliveries.stream().filter(d -> d.path().equals(path)).toList();
    }

    /** The events a message carries: a batch message's {@code data.events[].data.id}, or the one its id names. */
    static List<String> eventIds(String id, String body) {
        JsonNode message;
        try {
            message = JSON.readTree(body);
        } catch (RuntimeException e) {
            return id == null ? List.of() : List.of(id);
        }
        if (!message.path("type").asString("").equals(WebhookSink.BATCH_TYPE)) {
            return id == null ? List.of() : List.of(id);
        }
        List<String> ids = new ArrayList<>();
        message.path("data").path("events").forEach(e -> ids.add(e.path("data").path("id").asString()));
        return ids;
    }

    static boolean verify(String secret, String id, String timestamp, String signatures, String body) {
        if (secret == null || id == null || timestamp == null || signatures == null
                || !secret.startsWith("whsec_")) {
            return false;
        }
        long ts = Long.parseLong(timestamp);
        if (Math.abs(Instant.now().getEpochSecond() - ts) > 300) {
            return false;
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring(6)), "HmacSHA256"));
            byte[] expected = Base64.getEncoder().encode(mac.doFinal((id + "." + ts + "." + body)
                    .getBytes(StandardCharsets.UTF_8)));
            for (String versioned : signatures.split(" ")) {
                String[] parts = versioned.split(",", 2);
                if (parts.length == 2 && parts[0].equals("v1")
                        && MessageDigest.isEqual(parts[1].getBytes(StandardCharsets.US_ASCII), expected)) {
                    return true;
                }
            }
            return false;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
