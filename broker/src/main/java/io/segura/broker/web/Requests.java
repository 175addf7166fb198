// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import java.net.InetSocketAddress;
import org.springframework.web.reactive.function.server.ServerRequest;

/** Facts about the caller that handlers record (client IP for audit and rate limits, request id). */
public final class Requests {

    static final String REQUEST_ID_ATTRIBUTE = "segura.requestId";

    private Requests() {
    }

    /**
     * The client's address: the TCP peer, or whom a trusted proxy names in {@code X-Forwarded-For}
     * ({@link ClientAddressFilter}, {@code SEGURA_TRUSTED_PROXIES}; by default no proxy is trusted).
     */
    public static String clientIp(ServerRequest request) {
        Object resolved = request.exchange().getAttribute(ClientAddressFilter.ATTRIBUTE);
        if (resolved != null) {
            return resolved.toString();
        }
        return request.remoteAddress()
                .map(InetSocketAddress::getAddress)
                .map(a -> a.getHostAddress())
                .orElse("unknown");
    }

    /** The request's id (for a log line about it), or {@code "unknown"}. */
    public static String requestId(ServerRequest request) {
        Object id = request.exchange().getAttribute(REQUEST_ID_ATTRIBUTE);
        return id == null ? "unknown" : id.toString();
    }
}
