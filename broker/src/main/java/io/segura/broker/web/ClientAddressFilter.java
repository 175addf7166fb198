// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import org.springframework.core.annotation.Order;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Works out once per request the client address every handler records (audit {@code client_ip}, per-IP rate limits,
 * denial bursts): the TCP peer, or the client a trusted proxy names in {@code X-Forwarded-For}
 * ({@link TrustedProxies}). Handlers read it through {@link Requests#clientIp}.
 */
@Order(-99)
final class ClientAddressFilter implements WebFilter {

    static final String ATTRIBUTE = "segura.clientIp";

    private final TrustedProxies proxies;

    ClientAddressFilter(TrustedProxies proxies) {
        this.proxies = Objects.requireNonNull(proxies, "proxies cannot be null");
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        InetSocketAddress remote = exchange.getRequest().getRemoteAddress();
        InetAddress peer = remote == null ? null : remote.getAddress();
        if (peer != null) {
            List<String> forwarded = exchange.getRequest().getHeaders().getOrEmpty(TrustedProxies.HEADER);
            exchange.getAttributes().put(ATTRIBUTE, proxies.client(peer, forwarded).getHostAddress());
        }
        return chain.filter(exchange);
    }
}
