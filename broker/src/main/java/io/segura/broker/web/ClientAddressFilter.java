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
 * denial bursts): the peer, or the client a trusted proxy names in {@code X-Forwarded-For} or, when configured, in
 * RFC 7239 {@code Forwarded} ({@link TrustedProxies}, {@link ForwardedHeader}). The peer is the TCP peer, or the
 * source address of a PROXY protocol header a trusted proxy sent ({@link ProxyProtocol}: Reactor Netty reports it as
 * the request's remote address). Handlers read it through {@link Requests#clientIp}.
 */
@Order(-99)
final class ClientAddressFilter implements WebFilter {

    static final String ATTRIBUTE = "segura.clientIp";

    private final TrustedProxies proxies;
    private final ClientAddressHeader header;

    ClientAddressFilter(TrustedProxies proxies, ClientAddressHeader header) {
        this.proxies = Objects.requireNonNull(proxies, "proxies cannot be null");
        this.header = Objects.requireNonNull(header, "header cannot be null");
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        InetSocketAddress remote = exchange.getRequest().getRemoteAddress();
        InetAddress peer = remote == null ? null : remote.getAddress();
        if (peer != null) {
            List<String> lines = exchange.getRequest().getHeaders().getOrEmpty(header.headerName());
            List<String> hops = header == ClientAddressHeader.FORWARDED ? ForwardedHeader.hops(lines) : lines;
            exchange.getAttributes().put(ATTRIBUTE, proxies.client(peer, hops).getHostAddress());
        }
        return chain.filter(exchange);
    }
}
