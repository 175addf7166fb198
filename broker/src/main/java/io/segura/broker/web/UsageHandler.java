// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import io.segura.broker.Refusal;
import io.segura.broker.config.Durations;
import io.segura.broker.federation.Quote;
import io.segura.broker.usage.UsageContext;
import io.segura.broker.usage.UsageQuery;
import io.segura.broker.usage.UsageViews;
import io.segura.broker.usage.UsageWindow;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * The usage views (DESIGN §5 "Usage") under {@code /api/v2/admin}: a secret's usage, stale secrets and pinned old
 * versions. Parameters are checked strictly (an unknown or repeated one is refused, so that a typo does not silently
 * answer for the default window); every answer names paths, versions, run contexts and times, never a value.
 */
final class UsageHandler {

    /** The longest window a view counts over (ten years: any audit retention). */
    static final Duration MAX_WINDOW = Duration.ofDays(3650);
    static final Duration DEFAULT_USAGE_WINDOW = Duration.ofDays(7);
    static final Duration DEFAULT_OLD_VERSIONS_WINDOW = Duration.ofDays(30);
    static final Duration DEFAULT_UNUSED_FOR = Duration.ofDays(30);

    private static final Set<String> WINDOW_PARAMS = Set.of("window", "since", "limit", "cursor");
    private static final Set<String> STALE_PARAMS = Set.of("unused-for", "prefix", "limit", "cursor");

    private final UsageQuery usage;
    private final Clock clock;

    UsageHandler(UsageQuery usage, Clock clock) {
        this.usage = Objects.requireNonNull(usage, "usage cannot be null");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    }

    /** {@code GET /api/v2/admin/secrets/{path}/usage?window=7d|since=…&limit=&cursor=}. */
    Mono<ServerResponse> secretUsage(ServerRequest request, String path) {
        return Mono.defer(() -> {
            params(request, WINDOW_PARAMS);
            UsageWindow window = window(request, DEFAULT_USAGE_WINDOW);
            int limit = limit(request);
            return usage.secretUsage(path, window, limit, request.queryParam("cursor").orElse(null))
                    .flatMap(u -> {
                        Map<String, Object> body = new LinkedHashMap<>();
                        body.put("path", u.path());
                        body.put("current_version", u.currentVersion());
                        putWindow(body, u.window());
                        if (u.versions() != null) {
                            List<Map<String, Object>> versions = new ArrayList<>();
                            for (UsageViews.VersionUsage v : u.versions()) {
                                Map<String, Object> m = new LinkedHashMap<>();
                                m.put("version", v.version());
                                m.put("uses", v.uses());
                                m.put("first_used", v.firstUsed().toString());
                                m.put("last_used", v.lastUsed().toString());
                                versions.add(m);
                            }
                            body.put("versions", versions);
                        }
                        List<Map<String, Object>> contexts = new ArrayList<>();
                        for (UsageViews.ContextUsage c : u.contexts()) {
                            Map<String, Object> m = new LinkedHashMap<>();
                            m.put("version", c.version());
                            putContext(m, c.contextId(), c.context());
                            m.put("uses", c.uses());
                            m.put("first_used", c.firstUsed().toString());
                            m.put("last_used", c.lastUsed().toString());
                            contexts.add(m);
                        }
                        body.put("contexts", contexts);
                        return page(request, body, u.next(), limit);
                    });
        });
    }

    /** {@code GET /api/v2/admin/usage/stale?unused-for=30d&prefix=&limit=&cursor=}. */
    Mono<ServerResponse> stale(ServerRequest request) {
        return Mono.defer(() -> {
            params(request, STALE_PARAMS);
            Duration unusedFor = request.queryParam("unused-for").map(v -> duration("unused-for", v))
                    .orElse(DEFAULT_UNUSED_FOR);
            int limit = limit(request);
            String prefix = request.queryParam("prefix").orElse(null);
            return usage.stale(clock.instant().minus(unusedFor), prefix, limit,
                    request.queryParam("cursor").orElse(null)).flatMap(p -> {
                        Map<String, Object> body = new LinkedHashMap<>();
                        body.put("unused_since", p.cutoff().toString());
                        List<Map<String, Object>> secrets = new ArrayList<>();
                        for (UsageViews.StaleSecret s : p.secrets()) {
                            Map<String, Object> m = new LinkedHashMap<>();
                            m.put("path", s.path());
                            m.put("current_version", s.currentVersion());
                            m.put("created_at", s.createdAt().toString());
                            m.put("updated_at", s.updatedAt().toString());
                            m.put("last_used", s.lastUsed() == null ? null : s.lastUsed().toString());
                            m.put("never_leased", s.lastUsed() == null);
                            secrets.add(m);
                        }
                        body.put("secrets", secrets);
                        return page(request, body, p.next(), limit);
                    });
        });
    }

    /** {@code GET /api/v2/admin/usage/old-versions?window=30d|since=…&limit=&cursor=}. */
    Mono<ServerResponse> oldVersions(ServerRequest request) {
        return Mono.defer(() -> {
            params(request, WINDOW_PARAMS);
            UsageWindow window = window(request, DEFAULT_OLD_VERSIONS_WINDOW);
            int limit = limit(request);
            return usage.oldVersions(window, limit, request.queryParam("cursor").orElse(null)).flatMap(p -> {
                Map<String, Object> body = new LinkedHashMap<>();
                putWindow(body, p.window());
                List<Map<String, Object>> pinned = new ArrayList<>();
                for (UsageViews.PinnedUsage u : p.pinned()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("path", u.path());
                    m.put("version", u.version());
                    m.put("latest_version", u.latestVersion());
                    m.put("latest_when_leased", u.latestWhenLeased());
                    putContext(m, u.contextId(), u.context());
                    m.put("uses", u.uses());
                    m.put("first_used", u.firstUsed().toString());
                    m.put("last_used", u.lastUsed().toString());
                    pinned.add(m);
                }
                body.put("pinned", pinned);
                return page(request, body, p.next(), limit);
            });
        });
    }

    private static void putWindow(Map<String, Object> body, UsageWindow w) {
        body.put("since", w.since().toString());
        body.put("until", w.until().toString());
    }

    private static void putContext(Map<String, Object> m, String id, UsageContext c) {
        m.put("context_id", id);
        m.put("role", c.role());
        m.put("subject", c.subject());
        m.put("repository", c.repository());
        m.put("ref", c.ref());
        m.put("workflow", c.workflow());
        m.put("environment", c.environment());
    }

    /** The body with {@code next} (the cursor, or null) and, when there is a next page, a {@code Link: rel="next"}. */
    private static Mono<ServerResponse> page(ServerRequest request, Map<String, Object> body, String next, int limit) {
        body.put("next", next);
        ServerResponse.BodyBuilder ok = ServerResponse.ok().contentType(MediaType.APPLICATION_JSON);
        if (next != null) {
            ok.header(HttpHeaders.LINK, "<" + request.path() + "?cursor=" + URLEncoder.encode(next,
                    StandardCharsets.UTF_8) + "&limit=" + limit + ">; rel=\"next\"");
        }
        return ok.bodyValue(body);
    }

    /** {@code window=} (a duration back from now) or {@code since=} (an instant), not both; else the default. */
    private UsageWindow window(ServerRequest request, Duration dflt) {
        String window = request.queryParam("window").orElse(null);
        String since = request.queryParam("since").orElse(null);
        Instant now = clock.instant();
        if (window != null && since != null) {
            throw Refusal.invalid("invalid-window", "give window= or since=, not both");
        }
        if (since != null) {
            Instant from;
            try {
                from = Instant.parse(since);
            } catch (DateTimeParseException e) {
                throw Refusal.invalid("invalid-since", "since must be an ISO-8601 instant like 2026-11-29T00:00:00Z");
            }
            if (!from.isBefore(now)) {
                throw Refusal.invalid("invalid-since", "since must be in the past");
            }
            return new UsageWindow(from, now);
        }
        return new UsageWindow(now.minus(window == null ? dflt : duration("window", window)), now);
    }

    private static Duration duration(String name, String value) {
        Duration d;
        try {
            d = Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw Refusal.invalid("invalid-" + name, name + " must be a duration like 1h, 1d, 7d or 30d");
        }
        if (d.isZero() || d.compareTo(MAX_WINDOW) > 0) {
            throw Refusal.invalid("invalid-" + name, name + " must be longer than 0s and at most "
                    + MAX_WINDOW.toDays() + "d");
        }
        return d;
    }

    private static int limit(ServerRequest request) {
        String v = request.queryParam("limit").orElse(null);
        if (v == null) {
            return UsageQuery.DEFAULT_LIMIT;
        }
        try {
            int n = Integer.parseInt(v);
            if (n >= 1 && n <= UsageQuery.MAX_LIMIT) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw Refusal.invalid("invalid-limit", "limit must be an integer from 1 to " + UsageQuery.MAX_LIMIT);
    }

    /** Only {@code known} parameters, each at most once. */
    private static void params(ServerRequest request, Set<String> known) {
        request.queryParams().forEach((name, values) -> {
            if (!known.contains(name)) {
                throw Refusal.invalid("unknown-parameter", "unknown parameter " + Quote.value(name)
                        + "; expected one of " + new TreeSet<>(known));
            }
            if (values.size() > 1) {
                throw Refusal.invalid("repeated-parameter", "parameter " + name + " is given more than once");
            }
        });
    }
}
