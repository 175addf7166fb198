// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.federation;

import com.nimbusds.jose.util.JSONObjectUtils;
import io.segura.broker.config.IssuerSpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * The signing-key cache of every configured issuer (DESIGN §3, §14, §15: a per-replica cache). Keys come from the
 * issuer's inline {@code jwks}, its {@code jwks-uri}, or OIDC discovery at {@code issuer/.well-known/openid-configuration}
 * (whose {@code issuer} must equal the configured one); for an {@code issuer-pattern} issuer discovery runs lazily per
 * matched {@code iss}. Never from a token's {@code jku}, {@code x5u}, {@code jwk} or {@code x5c} header.
 *
 * <p>Cached keys live {@link Settings#ttl()} and are then refreshed in the background while still served. An unknown
 * {@code kid} triggers one refresh that all concurrent callers share (single flight), and at most one fetch per
 * {@link Settings#minRefreshInterval()} per issuer, so a flood of tokens with made-up kids cannot hammer the issuer.
 * While an issuer is down its cached keys keep working; with no usable cached key the caller gets
 * {@link IssuerUnavailableException} (503), never a rejection (401).
 *
 * <p>Fetches run on the JDK HTTP client's own threads and never block the caller.
 */
public final class IssuerKeys {

    private static final Logger log = LoggerFactory.getLogger(IssuerKeys.class);
    private static final String DISCOVERY_SUFFIX = "/.well-known/openid-configuration";

    /**
     * @param ttl                  how long fetched keys are served before a background refresh
     * @param minRefreshInterval   least time between two fetches of one issuer (unknown kid, TTL, failures alike)
     * @param httpTimeout          connect and request timeout of each fetch
     * @param maxBodyBytes         cap on a discovery or JWKS response body
     * @param maxIssuersPerPattern distinct {@code iss} values one {@code issuer-pattern} issuer keeps keys for
     */
    public record Settings(Duration ttl, Duration minRefreshInterval, Duration httpTimeout, int maxBodyBytes,
                           int maxIssuersPerPattern) {

        public static final Settings DEFAULTS =
                new Settings(Duration.ofMinutes(15), Duration.ofSeconds(30), Duration.ofSeconds(5), 512 * 1024, 256);

        public Settings {
            Objects.requireNonNull(ttl, "ttl cannot be null");
            Objects.requireNonNull(minRefreshInterval, "minRefreshInterval cannot be null");
            Objects.requireNonNull(httpTimeout, "httpTimeout cannot be null");
            if (maxBodyBytes < 1024 || maxIssuersPerPattern < 1) {
                throw new IllegalArgumentException("maxBodyBytes must be >= 1024 and maxIssuersPerPattern >= 1");
            }
        }
    }

    private final Clock clock;
    private final Settings settings;
    private final Map<String, Source> exact = new HashMap<>();
    private final Map<String, Map<String, Source>> byPattern = new HashMap<>();
    private final Map<String, JwksHttp> httpByIssuer = new HashMap<>();

    public IssuerKeys(List<IssuerSpec> issuers, Clock clock) {
        this(issuers, clock, Settings.DEFAULTS);
    }

    public IssuerKeys(List<IssuerSpec> issuers, Clock clock, Settings settings) {
        Objects.requireNonNull(issuers, "issuers cannot be null");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
        this.settings = Objects.requireNonNull(settings, "settings cannot be null");
        // Daemon threads that die when idle: the cache needs no shutdown hook, and fetches never run on the caller.
        Executor executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "segura-jwks-fetch");
            t.setDaemon(true);
            return t;
        });
        HttpClient shared = null;
        for (IssuerSpec spec : issuers) {
            HttpClient client;
            if (spec.caPem() != null) {
                client = JwksHttp.client(spec.caPem(), settings.httpTimeout(), executor);
            } else {
                shared = shared != null ? shared : JwksHttp.client(null, settings.httpTimeout(), executor);
                client = shared;
            }
            httpByIssuer.put(spec.name(),
                    new JwksHttp(client, executor, settings.httpTimeout(), settings.maxBodyBytes()));
            URI jwksUri = spec.jwksUri() == null ? null : URI.create(spec.jwksUri());
            if (jwksUri != null && !JwksHttp.allowedUrl(jwksUri)) {
                throw new IllegalArgumentException("issuer " + spec.name() + ": jwks-uri must be https (or loopback http)");
            }
            KeySet inline = spec.jwks() == null ? null : parseInline(spec);
            if (spec.issuer() != null || jwksUri != null || inline != null) {
                if (spec.issuer() != null && inline == null && jwksUri == null
                        && !JwksHttp.allowedUrl(URI.create(spec.issuer()))) {
                    throw new IllegalArgumentException("issuer " + spec.name() + ": issuer must be https (or loopback http)");
                }
                exact.put(spec.name(), new Source(spec, spec.issuer(), jwksUri, inline));
            } else {
                byPattern.put(spec.name(), new ConcurrentHashMap<>());
            }
        }
    }

    private KeySet parseInline(IssuerSpec spec) {
        try {
            return KeySet.parse(spec.jwks(), clock.instant());
        } catch (ParseException e) {
            throw new IllegalArgumentException("issuer " + spec.name() + ": jwks is not a JWKS document", e);
        }
    }

    /**
     * The key source for a token of {@code spec} whose (already matched) {@code iss} is {@code iss}.
     *
     * @throws IssuerUnavailableException when a pattern issuer already tracks too many distinct {@code iss} values
     */
    Source source(IssuerSpec spec, String iss) {
        Source s = exact.get(spec.name());
        if (s != null) {
            return s;
        }
        Map<String, Source> perIss = byPattern.get(spec.name());
        if (perIss == null) {
            throw new IllegalArgumentException("issuer " + spec.name() + " is not known to this key cache");
        }
        s = perIss.get(iss);
        if (s != null) {
            return s;
        }
        if (perIss.size() >= settings.maxIssuersPerPattern()) {
            // Forget issuers whose keys never loaded before refusing: they are the made-up ones.
            perIss.values().removeIf(Source::neverLoaded);
            if (perIss.size() >= settings.maxIssuersPerPattern()) {
                throw new IssuerUnavailableException(spec.name(), settings.minRefreshInterval(),
                        "too many distinct issuers of this kind are in use; retry later");
            }
        }
        return perIss.computeIfAbsent(iss, i -> new Source(spec, i, null, null));
    }

    /** Fetches the keys of every exact-{@code iss} issuer now (e.g. at start-up); failures are logged, not raised. */
    public Mono<Void> preload() {
        return Mono.when(exact.values().stream()
                .map(s -> s.refresh().onErrorResume(e -> Mono.empty()))
                .toList());
    }

    /** The keys of one issuer (one matched {@code iss} for pattern issuers) and their refresh state. */
    final class Source {
        private final IssuerSpec spec;
        private final String iss;
        private final URI jwksUri;
        private final KeySet inline;
        private final JwksHttp http;
        private final AtomicReference<KeySet> keys = new AtomicReference<>();
        // Guarded by this: the refresh decision is the slow path only.
        private Instant lastAttempt;
        private boolean lastFailed;
        private CompletableFuture<KeySet> inFlight;

        Source(IssuerSpec spec, String iss, URI jwksUri, KeySet inline) {
            this.spec = spec;
            this.iss = iss;
            this.jwksUri = jwksUri;
            this.inline = inline;
            this.http = httpByIssuer.get(spec.name());
        }

        /** The cached keys or null; starts a background refresh when they are older than the TTL. */
        KeySet current(Instant now) {
            if (inline != null) {
                return inline;
            }
            KeySet ks = keys.get();
            if (ks != null && now.isAfter(ks.fetchedAt().plus(settings.ttl()))) {
                backgroundRefresh(now);
            }
            return ks;
        }

        private synchronized void backgroundRefresh(Instant now) {
            if (inFlight == null && !rateLimited(now)) {
                start(now);
            }
        }

        /**
         * Refresh for a kid the cached keys do not have: joins a fetch in flight, else starts one unless the last
         * fetch was less than the minimum interval ago — then answers with the cached keys (so the kid is refused),
         * or with {@link IssuerUnavailableException} when there are none or the last fetch failed.
         */
        synchronized Mono<KeySet> refresh() {
            if (inline != null) {
                return Mono.just(inline);
            }
            if (inFlight != null) {
                return Mono.fromFuture(inFlight, true);
            }
            Instant now = clock.instant();
            if (rateLimited(now)) {
                KeySet ks = keys.get();
                if (ks != null && !lastFailed) {
                    return Mono.just(ks);
                }
                return Mono.error(unavailable(Duration.between(now, lastAttempt.plus(settings.minRefreshInterval()))));
            }
            return Mono.fromFuture(start(now), true);
        }

        synchronized boolean neverLoaded() {
            return keys.get() == null && inFlight == null;
        }

        private boolean rateLimited(Instant now) {
            return lastAttempt != null && now.isBefore(lastAttempt.plus(settings.minRefreshInterval()));
        }

        private CompletableFuture<KeySet> start(Instant now) {
            lastAttempt = now;
            CompletableFuture<KeySet> mine = new CompletableFuture<>();
            inFlight = mine;
            fetch().whenComplete((ks, error) -> {
                synchronized (this) {
                    if (error == null) {
                        keys.set(ks);
                        lastFailed = false;
                    } else {
                        lastFailed = true;
                    }
                    inFlight = null;
                }
                if (error == null) {
                    log.debug("refreshed {} signing keys of issuer {} ({})", ks.size(), spec.name(), iss);
                    mine.complete(ks);
                } else {
                    Throwable cause = error instanceof CompletionException && error.getCause() != null
                            ? error.getCause() : error;
                    log.warn("signing keys of issuer {} ({}) could not be fetched: {}", spec.name(), iss,
                            cause.getMessage());
                    mine.completeExceptionally(unavailable(settings.minRefreshInterval()));
                }
            });
            return mine;
        }

        private CompletableFuture<KeySet> fetch() {
            CompletableFuture<String> body = jwksUri != null
                    ? http.get(jwksUri)
                    : http.get(URI.create(stripSlash(iss) + DISCOVERY_SUFFIX)).thenCompose(doc -> http.get(jwksUri(doc)));
            return body.thenApply(json -> {
                try {
                    return KeySet.parse(json, clock.instant());
                } catch (ParseException e) {
                    throw new JwksHttp.FetchException("the JWKS of " + iss + " is not a JWKS document");
                }
            });
        }

        /** OIDC Discovery §4.3: the document's issuer must be exactly the issuer it was fetched for. */
        private URI jwksUri(String discoveryJson) {
            Map<String, Object> doc;
            try {
                doc = JSONObjectUtils.parse(discoveryJson);
            } catch (ParseException e) {
                throw new JwksHttp.FetchException("the discovery document of " + iss + " is not JSON");
            }
            if (!iss.equals(doc.get("issuer"))) {
                throw new JwksHttp.FetchException("the discovery document of " + iss + " names another issuer");
            }
            if (!(doc.get("jwks_uri") instanceof String uri)) {
                throw new JwksHttp.FetchException("the discovery document of " + iss + " has no jwks_uri");
            }
            try {
                return URI.create(uri);
            } catch (IllegalArgumentException e) {
                throw new JwksHttp.FetchException("the discovery document of " + iss + " has an invalid jwks_uri");
            }
        }

        private IssuerUnavailableException unavailable(Duration retryAfter) {
            Duration atLeastOne = retryAfter.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : retryAfter;
            return new IssuerUnavailableException(spec.name(), atLeastOne,
                    "the signing keys of issuer " + Quote.value(iss) + " cannot be fetched right now; retry later");
        }
    }

    /** OIDC Discovery §4: a terminating "/" of the issuer is removed before appending the well-known path. */
    private static String stripSlash(String issuer) {
        return issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
    }
}
