// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Every request is answered within {@code SEGURA_REQUEST_TIMEOUT}: one still running then (its database connection
 * stalled, a dependency that never answers) is cancelled — a transaction not yet committed rolls back — and answered
 * 503 with {@code Retry-After}, before the shared client's own 30 s give up, so a CI job learns it may retry instead
 * of hanging. The two admin operations that walk a whole table page by page (audit verify, revoking every lease of a
 * role or subject) may take longer on a large database; each of their statements is still bounded by PostgreSQL's
 * lock timeout.
 */
@Order(-99)
final class RequestDeadlineFilter implements WebFilter {

    private static final Logger log = LoggerFactory.getLogger(RequestDeadlineFilter.class);

    private final Duration deadline;

    RequestDeadlineFilter(Duration deadline) {
        this.deadline = Objects.requireNonNull(deadline, "deadline cannot be null");
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (isWholeTableWalk(exchange)) {
            return chain.filter(exchange);
        }
        return chain.filter(exchange).timeout(deadline, Mono.defer(() -> {
            log.warn("request {} {} {} not answered within {} ms: cancelled, answering 503",
                    RequestIdFilter.requestId(exchange), exchange.getRequest().getMethod(),
                    exchange.getRequest().getPath().value(), deadline.toMillis());
            return Mono.error(new RequestTimeoutException(deadline));
        }));
    }

    private static boolean isWholeTableWalk(ServerWebExchange exchange) {
        HttpMethod method = exchange.getRequest().getMethod();
        String path = exchange.getRequest().getPath().value();
        return (HttpMethod.GET.equals(method) && path.equals("/api/v2/admin/audit/verify"))
                || (HttpMethod.DELETE.equals(method) && path.equals("/api/v2/admin/leases"));
    }

    /** The request ran out of its deadline. */
    static final class RequestTimeoutException extends RuntimeException {

        private final Duration deadline;

        RequestTimeoutException(Duration deadline) {
            super("request not answered within " + deadline.toMillis() + " ms", null, false, false);
            this.deadline = deadline;
        }

        Duration deadline() {
            return deadline;
        }
    }
}
