// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.core.annotation.Order;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Gives every request an id — the caller's {@code X-Request-Id} when it is a sane token, else a new UUID — echoed
 * in the response header and used as the problem {@code instance}, so a user's error report finds the log line.
 */
@Order(-100)
final class RequestIdFilter implements WebFilter {

    static final String HEADER = "X-Request-Id";
    private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String given = exchange.getRequest().getHeaders().getFirst(HEADER);
        String id = given != null && SANE.matcher(given).matches() ? given : UUID.randomUUID().toString();
        exchange.getAttributes().put(Requests.REQUEST_ID_ATTRIBUTE, id);
        exchange.getResponse().getHeaders().set(HEADER, id);
        return chain.filter(exchange);
    }

    static String requestId(ServerWebExchange exchange) {
        Object id = exchange.getAttribute(Requests.REQUEST_ID_ATTRIBUTE);
        return id == null ? "unknown" : id.toString();
    }
}
