// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import java.net.InetSocketAddress;
import org.springframework.web.reactive.function.server.ServerRequest;

/** Facts about the caller that handlers record (client IP for audit and rate limits, request id). */
final class Requests {

    static final String REQUEST_ID_ATTRIBUTE = "segura.requestId";

    private Requests() {
    }

    /** The TCP peer; forwarded headers are not trusted (run the broker behind a proxy that terminates at L4). */
    static String clientIp(ServerRequest request) {
        return request.remoteAddress()
                .map(InetSocketAddress::getAddress)
                .map(a -> a.getHostAddress())
                .orElse("unknown");
    }
}
