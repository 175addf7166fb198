// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import io.segura.broker.Refusal;
import io.segura.broker.dev.DevIssuer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * {@code /dev/oidc}: discovery, JWKS and a token endpoint of the dev issuer; routed only in dev mode.
 * {@code POST /dev/oidc/token} takes form fields as string claims ({@code sub=dev:me&repository=acme/app}).
 */
final class DevIssuerHandler {

    private final DevIssuer issuer;

    DevIssuerHandler(DevIssuer issuer) {
        this.issuer = Objects.requireNonNull(issuer, "issuer cannot be null");
    }

    Mono<ServerResponse> discovery(ServerRequest request) {
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(issuer.discovery());
    }

    Mono<ServerResponse> jwks(ServerRequest request) {
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(issuer.jwks());
    }

    Mono<ServerResponse> token(ServerRequest request) {
        return Bodies.bytes(request, Bodies.MAX_BODY).map(Bodies::form).flatMap(form -> {
            Map<String, Object> claims = new LinkedHashMap<>();
            for (Map.Entry<String, List<String>> e : form.entrySet()) {
                claims.put(e.getKey(), e.getValue().size() == 1 ? e.getValue().get(0) : e.getValue());
            }
            String token;
            try {
                token = issuer.mint(claims);
            } catch (IllegalArgumentException e) {
                return Mono.error(Refusal.invalid("invalid-claim", e.getMessage()));
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("id_token", token);
            body.put("token_type", "urn:ietf:params:oauth:token-type:jwt");
            body.put("expires_in", issuer.lifetimeSeconds());
            return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).cacheControl(CacheControl.noStore())
                    .bodyValue(body);
        });
    }
}
