// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import io.segura.broker.dynamic.ssh.SshCertificateAuthority;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * The public face of the SSH certificate authorities (DESIGN §6a), without authentication because both are meant for
 * hosts: {@code GET /api/v2/ssh/{ca}/public-key} answers the CA's public key line for {@code TrustedUserCAKeys}
 * ({@code text/plain}); {@code GET /api/v2/ssh/{ca}/krl} answers the OpenSSH KRL of revoked serials for
 * {@code RevokedKeys} ({@code application/octet-stream}, not cached). {@code {ca}} is the engine name without
 * {@code ssh/}; an unknown one is a 404 {@code unknown-ssh-ca}.
 */
final class SshCaHandler {

    private final SshCertificateAuthority authority;

    SshCaHandler(SshCertificateAuthority authority) {
        this.authority = Objects.requireNonNull(authority, "authority cannot be null");
    }

    Mono<ServerResponse> publicKey(ServerRequest request) {
        return authority.publicKey(request.pathVariable("ca"))
                .flatMap(line -> ServerResponse.ok().contentType(new MediaType(MediaType.TEXT_PLAIN,
                                StandardCharsets.UTF_8))
                        .bodyValue(line + "\n"));
    }

    Mono<ServerResponse> krl(ServerRequest request) {
        return authority.krl(request.pathVariable("ca"))
                .flatMap(krl -> ServerResponse.ok().contentType(MediaType.APPLICATION_OCTET_STREAM)
                        .cacheControl(CacheControl.noCache())
                        .bodyValue(krl));
    }
}
