// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import io.segura.broker.Refusal;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.server.ServerRequest;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads request bodies with a hard byte limit (DESIGN §14: body 64 KiB) before anything parses them, so an oversized
 * body is refused with 413 without being buffered.
 */
final class Bodies {

    /** The body limit of every endpoint but secret writes. */
    static final int MAX_BODY = 64 * 1024;
    /** Secret writes carry a value of up to 64 KiB, which JSON escaping can grow; the value limit applies after. */
    static final int MAX_SECRET_WRITE_BODY = 6 * 64 * 1024 + 1024;

    private Bodies() {
    }

    static Mono<byte[]> bytes(ServerRequest request, int limit) {
        return DataBufferUtils.join(request.body(BodyExtractors.toDataBuffers()), limit)
                .map(buffer -> {
                    byte[] bytes = new byte[buffer.readableByteCount()];
                    buffer.read(bytes);
                    DataBufferUtils.release(buffer);
                    return bytes;
                })
                .defaultIfEmpty(new byte[0])
                .onErrorMap(DataBufferLimitException.class, e -> Refusal.tooLarge(
                        "body-too-large", "request body exceeds " + limit / 1024 + " KiB"));
    }

    static Mono<JsonNode> json(ServerRequest request, JsonMapper json, int limit) {
        return bytes(request, limit).map(b -> {
            if (b.length == 0) {
                throw Refusal.invalid("invalid-json", "request body must be a JSON object");
            }
            try {
                JsonNode node = json.readTree(b);
                if (node == null || !node.isObject()) {
                    throw Refusal.invalid("invalid-json", "request body must be a JSON object");
                }
                return node;
            } catch (JacksonException e) {
                throw Refusal.invalid("invalid-json", "request body is not valid JSON (line "
                        + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
            }
        });
    }

    /**
     * Parses {@code application/x-www-form-urlencoded}, keeping repeated names so the OAuth endpoints can refuse
     * them (RFC 6749 §3.2: parameters MUST NOT be included more than once).
     */
    static Map<String, List<String>> form(byte[] body) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        String s = new String(body, StandardCharsets.UTF_8);
        if (s.isEmpty()) {
            return params;
        }
        for (String pair : s.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            params.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return params;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new FormException("malformed percent-encoding in form body");
        }
    }

    /** A form body that is not valid {@code x-www-form-urlencoded}. */
    static final class FormException extends RuntimeException {
        FormException(String message) {
            super(message, null, false, false);
        }
    }

}
