// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import io.segura.broker.Refusal;
import io.segura.broker.admin.MasterKeyRotation;
import java.util.Objects;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /api/v2/admin/rekey} {@code {"expected_key_id": "…"}} starts (or answers, or restarts) the master-key
 * rotation: 202 with the status; 409 {@code rekey-conflict} when this broker's current key is not the expected one or
 * another rotation targets another key. {@code GET /api/v2/admin/rekey} shows its progress. Admin bearer only.
 */
final class RekeyHandler {

    private static final Pattern KEY_ID = Pattern.compile("[0-9a-f]{16}");

    private final MasterKeyRotation rotation;
    private final JsonMapper json;

    RekeyHandler(MasterKeyRotation rotation, JsonMapper json) {
        this.rotation = Objects.requireNonNull(rotation, "rotation cannot be null");
        this.json = Objects.requireNonNull(json, "json cannot be null");
    }

    Mono<ServerResponse> start(ServerRequest request) {
        return Bodies.json(request, json, Bodies.MAX_BODY).flatMap(body -> {
            for (String name : body.propertyNames()) {
                if (!name.equals("expected_key_id")) {
                    throw Refusal.invalid("unknown-field", "unknown field \"" + name
                            + "\"; expected only expected_key_id");
                }
            }
            JsonNode expected = body.get("expected_key_id");
            if (expected == null || !expected.isString() || !KEY_ID.matcher(expected.asString()).matches()) {
                throw Refusal.invalid("invalid-key-id", "expected_key_id is required: the 16 lowercase hex"
                        + " characters id of the master key to rotate to (segura-cli admin rekey --key-file prints"
                        + " it; GET /api/v2/admin/rekey shows this broker's current key id as broker.current_key_id)");
            }
            return rotation.start(expected.asString(), Requests.clientIp(request));
        }).flatMap(view -> ServerResponse.status(HttpStatus.ACCEPTED).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(view));
    }

    Mono<ServerResponse> status(ServerRequest request) {
        return rotation.status()
                .flatMap(view -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(view));
    }
}
