// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import io.segura.broker.Refusal;
import io.segura.broker.anomaly.AnomalyBlocks;
import io.segura.broker.anomaly.Block;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * The anomaly blocks over the admin API: {@code GET /api/v2/admin/blocks} lists the blocks in force
 * ({@code ?all=true}: also lifted and run-out ones), {@code DELETE /api/v2/admin/blocks/{id}} lifts one early (audited
 * {@code anomaly.block_lifted}).
 */
final class BlockHandler {

    private final AnomalyBlocks blocks;

    BlockHandler(AnomalyBlocks blocks) {
        this.blocks = Objects.requireNonNull(blocks, "blocks cannot be null");
    }

    Mono<ServerResponse> list(ServerRequest request) {
        boolean all = request.queryParam("all").map(v -> switch (v) {
            case "true" -> true;
            case "false" -> false;
            default -> throw Refusal.invalid("invalid-all", "all must be true or false");
        }).orElse(false);
        return blocks.list(all, 1000).map(BlockHandler::view).collectList()
                .flatMap(items -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(Map.of("blocks", items)));
    }

    Mono<ServerResponse> lift(ServerRequest request) {
        return blocks.lift(request.pathVariable("id"), Requests.clientIp(request))
                .flatMap(b -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(Map.of("lifted", view(b))));
    }

    static Map<String, Object> view(Block b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", b.id());
        m.put("role", b.role());
        m.put("subject", b.subject());
        m.put("rule", b.rule());
        m.put("risk", b.risk());
        m.put("anomaly_id", b.anomalyId());
        m.put("created_at", b.createdAt().toString());
        m.put("until", b.until().toString());
        m.put("lifted_at", b.liftedAt() == null ? null : b.liftedAt().toString());
        return m;
    }
}
