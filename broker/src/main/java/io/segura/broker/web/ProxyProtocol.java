// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Objects;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import reactor.netty.NettyPipeline;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.ProxyProtocolSupportType;

/**
 * The PROXY protocol, v1 (text) and v2 (binary), behind a layer-4 balancer ({@code SEGURA_PROXY_PROTOCOL=true}): a
 * connection from a trusted proxy ({@code SEGURA_TRUSTED_PROXIES}) may start with a PROXY header, whose source address
 * then is the request's peer (Reactor Netty reports it as the remote address; {@link ClientAddressFilter} takes it
 * from there). The header is detected per connection, so health checks and clients that send none are served as
 * before. A connection from any other peer gets no decoder: a PROXY header it sends is not HTTP and the connection
 * is refused, so no one but a trusted proxy can name a client this way.
 */
final class ProxyProtocol implements NettyServerCustomizer {

    private final TrustedProxies proxies;

    ProxyProtocol(TrustedProxies proxies) {
        this.proxies = Objects.requireNonNull(proxies, "proxies cannot be null");
        if (proxies.blocks().isEmpty()) {
            throw new IllegalArgumentException("SEGURA_PROXY_PROTOCOL=true needs SEGURA_TRUSTED_PROXIES: the"
                    + " addresses of the balancers allowed to send a PROXY header");
        }
    }

    @Override
    public HttpServer apply(HttpServer server) {
        // runs after Reactor Netty's own pipeline set-up, which added the detector to every connection
        return server.proxyProtocol(ProxyProtocolSupportType.AUTO).doOnChannelInit(this::onlyFromTrustedPeers);
    }

    void onlyFromTrustedPeers(reactor.netty.ConnectionObserver observer, Channel channel, SocketAddress remote) {
        SocketAddress peer = channel.remoteAddress();
        if (peer instanceof InetSocketAddress inet && inet.getAddress() != null && proxies.trusts(inet.getAddress())) {
            return;
        }
        ChannelPipeline pipeline = channel.pipeline();
        if (pipeline.get(NettyPipeline.ProxyProtocolDecoder) != null) {
            pipeline.remove(NettyPipeline.ProxyProtocolDecoder);
        }
        if (pipeline.get(NettyPipeline.ProxyProtocolReader) != null) {
            pipeline.remove(NettyPipeline.ProxyProtocolReader);
        }
    }
}
