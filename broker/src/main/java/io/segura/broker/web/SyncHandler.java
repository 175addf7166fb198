// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import io.segura.broker.Refusal;
import io.segura.broker.sync.SyncService;
import java.util.Objects;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * The secret sync's admin API (docs/SYNC.md), admin bearer only: {@code GET /api/v2/admin/sync[?target=]} shows each
 * target and mapping (in sync, drifted, failed, pending, unmapped; last error or drift; pending jobs);
 * {@code POST /api/v2/admin/sync/run[?target=]} queues a forced sync (202) that rewrites every mapping.
 */
final class SyncHandler {

    private final SyncService sync;

    SyncHandler(SyncService sync) {
        this.sync = Objects.requireNonNull(sync, "sync cannot be null");
    }

    Mono<ServerResponse> status(ServerRequest request) {
        return sync.status(target(request)).flatMap(view -> ServerResponse.ok()
                .contentType(MediaType.APPLICATION_JSON).bodyValue(view));
    }

    Mono<ServerResponse> run(ServerRequest request) {
        return sync.run(target(request)).flatMap(view -> ServerResponse.status(HttpStatus.ACCEPTED)
                .contentType(MediaType.APPLICATION_JSON).bodyValue(view));
    }

    private static String target(ServerRequest request) {
        String target = request.queryParam("target").orElse(null);
        if (target != null && (target.isEmpty() || target.length() > 63)) {
            throw Refusal.invalid("invalid-target", "target must be the name of a sync target (1 to 63 characters)");
        }
        return target;
    }
}
