// SPDX-License-Identifier: Apache-2.0
package io.segura.testkit.oidc;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * A faithful OIDC token issuer over real HTTP on 127.0.0.1 (DESIGN §13): it serves
 * {@code <issuer>/.well-known/openid-configuration} and a JWKS, signs tokens with its current RSA-2048 key (RS256) or
 * its EC P-256 key (ES256), rotates keys, fails on demand (503 or connection refused) and counts requests, so broker
 * tests can exercise discovery, caching, rotation and outages without mocks.
 *
 * <pre>{@code
 * try (IssuerSimulator sim = IssuerSimulator.builder().path("/oidc").start()) {
 *     String token = sim.mint(Map.of("sub", "job", "aud", "https://segura.test"));
 * }
 * }</pre>
 *
 * Thread-safe: minting and key changes may run concurrently with HTTP requests.
 */
public final class IssuerSimulator implements AutoCloseable {

    /** How the simulator fails while unavailable. */
    public enum Outage {
        /** Discovery and JWKS answer {@code 503 Service Unavailable}. */
        HTTP_503,
        /** The listening socket is closed: connections are refused. */
        CONNECTION_REFUSED
    }

    private static final String DISCOVERY_SUFFIX = "/.well-known/openid-configuration";

    private final String path;
    private final String jwksPath;
    private final Clock clock;
    private final Duration tokenLifetime;
    private final AtomicInteger keySeq = new AtomicInteger();
    private final AtomicInteger discoveryRequests = new AtomicInteger();
    private final AtomicInteger jwksRequests = new AtomicInteger();
    private final List<JWK> published = new CopyOnWriteArrayList<>();
    private final ExecutorService executor;
    private final ECKey ecKey;
    private final int port;
    private volatile RSAKey currentKey;
    private volatile HttpServer server;
    private volatile boolean available = true;
    private volatile Outage outage = Outage.HTTP_503;
    private volatile Duration responseDelay = Duration.ZERO;
    private volatile String discoveryIssuerOverride;
    private volatile String discoveryJwksUriOverride;
    private final SelfSignedTls tls;

    private IssuerSimulator(Builder b) {
        this.path = b.path;
        this.jwksPath = b.jwksPath != null ? b.jwksPath : b.path + "/.well-known/jwks.json";
        this.clock = b.clock;
        this.tokenLifetime = b.tokenLifetime;
        this.currentKey = SimulatorKeys.rsa(2048, nextKid("rsa"));
        this.ecKey = SimulatorKeys.ecP256(nextKid("ec"));
        published.add(currentKey.toPublicJWK());
        published.add(ecKey.toPublicJWK());
        this.tls = b.https ? SelfSignedTls.generate() : null;
        this.executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "issuer-simulator");
            t.setDaemon(true);
            return t;
        });
        this.server = bind(0);
        this.port = server.getAddress().getPort();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A simulator whose issuer is the server root ({@code http://127.0.0.1:PORT}, GitLab-like). */
    public static IssuerSimulator start() {
        return builder().start();
    }

    /** {@code http://127.0.0.1:PORT} + path, e.g. {@code /oidc} (Jenkins-like); no trailing slash. */
    public String issuer() {
        return origin() + path;
    }

    private String origin() {
        return (tls != null ? "https" : "http") + "://127.0.0.1:" + port;
    }

    /** The PEM of the self-signed server certificate when started with {@link Builder#https()}, else null. */
    public String caPem() {
        return tls == null ? null : tls.certificatePem();
    }

    public URI discoveryUri() {
        return URI.create(issuer() + DISCOVERY_SUFFIX);
    }

    public URI jwksUri() {
        return URI.create(origin() + jwksPath);
    }

    public int port() {
        return port;
    }

    public Clock clock() {
        return clock;
    }

    public Duration tokenLifetime() {
        return tokenLifetime;
    }

    /** The current RSA signing key, private part included (tests derive attack material from it). */
    public RSAKey currentKey() {
        return currentKey;
    }

    public String currentKid() {
        return currentKey.getKeyID();
    }

    /** The EC P-256 key used for ES256, private part included. */
    public ECKey ecKey() {
        return ecKey;
    }

    /** The JWKS document currently served (public keys only), e.g. for an issuer configured with inline {@code jwks}. */
    public String jwksJson() {
        List<Map<String, Object>> keys = new ArrayList<>();
        for (JWK k : published) {
            keys.add(k.toPublicJWK().toJSONObject());
        }
        return JSONObjectUtils.toJSONString(Map.of("keys", keys));
    }

    /** Signs {@code claims} with RS256 and the current key, adding iss/iat/nbf/exp/jti unless present. */
    public String mint(Map<String, ?> claims) {
        return token().claims(claims).sign();
    }

    /**
     * Mints {@code count} tokens in parallel (each with its own default jti unless {@code claims} sets one), for load
     * drivers that pre-mint thousands of tokens.
     */
    public List<String> mintMany(int count, IntFunction<Map<String, ?>> claims) {
        return IntStream.range(0, count).parallel().mapToObj(i -> mint(claims.apply(i))).toList();
    }

    /** A builder for one token with full control over header, algorithm, key and claims. */
    public TokenBuilder token() {
        return new TokenBuilder(this);
    }

    /**
     * Generates a new RSA-2048 key with a new kid and signs with it from now on.
     *
     * @param keepOld whether the previous key stays in the JWKS (a graceful rotation) or is removed at once
     * @return the new kid
     */
    public String rotateKey(boolean keepOld) {
        RSAKey old = currentKey;
        RSAKey next = SimulatorKeys.rsa(2048, nextKid("rsa"));
        published.add(next.toPublicJWK());
        currentKey = next;
        if (!keepOld) {
            unpublish(old.getKeyID());
        }
        return next.getKeyID();
    }

    /** {@link #rotateKey(boolean) rotateKey(true)}. */
    public String rotateKey() {
        return rotateKey(true);
    }

    /** Adds a key (its public part) to the served JWKS, e.g. a weak RSA-1024 key or a key without kid. */
    public void publish(JWK key) {
        published.add(key.toPublicJWK());
    }

    public void unpublish(String kid) {
        published.removeIf(k -> Objects.equals(k.getKeyID(), kid));
    }

    /** Turns the outage on or off; while off, discovery and JWKS fail in the current {@link Outage} mode. */
    public void setAvailable(boolean value) {
        setAvailable(value, outage);
    }

    public synchronized void setAvailable(boolean value, Outage mode) {
        Objects.requireNonNull(mode, "mode cannot be null");
        boolean wasRefusing = !available && outage == Outage.CONNECTION_REFUSED;
        boolean refuse = !value && mode == Outage.CONNECTION_REFUSED;
        this.outage = mode;
        this.available = value;
        if (refuse && !wasRefusing) {
            server.stop(0);
        } else if (!refuse && wasRefusing) {
            server = bind(port);
        }
    }

    /** Delays every discovery and JWKS answer, so concurrent fetches really overlap. */
    public void setResponseDelay(Duration delay) {
        this.responseDelay = Objects.requireNonNull(delay, "delay cannot be null");
    }

    /** Serves this {@code issuer} value in discovery instead of the real one (a mix-up attack), or null to reset. */
    public void setDiscoveryIssuer(String issuerOrNull) {
        this.discoveryIssuerOverride = issuerOrNull;
    }

    /** Serves this {@code jwks_uri} in discovery instead of the real one, or null to reset. */
    public void setDiscoveryJwksUri(String uriOrNull) {
        this.discoveryJwksUriOverride = uriOrNull;
    }

    public int discoveryRequests() {
        return discoveryRequests.get();
    }

    public int jwksRequests() {
        return jwksRequests.get();
    }

    public void resetCounters() {
        discoveryRequests.set(0);
        jwksRequests.set(0);
    }

    @Override
    public synchronized void close() {
        if (available || outage != Outage.CONNECTION_REFUSED) {
            server.stop(0); // while refusing connections it is stopped already
        }
        executor.shutdownNow();
    }

    private String nextKid(String kind) {
        return "sim-" + kind + "-" + keySeq.incrementAndGet();
    }

    private HttpServer bind(int onPort) {
        try {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort);
            HttpServer s;
            if (tls != null) {
                HttpsServer https = HttpsServer.create(address, 64);
                https.setHttpsConfigurator(new HttpsConfigurator(tls.sslContext()));
                s = https;
            } else {
                s = HttpServer.create(address, 64);
            }
            s.createContext("/", this::handle);
            s.setExecutor(executor);
            s.start();
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind the issuer simulator on 127.0.0.1:" + onPort, e);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String requestPath = exchange.getRequestURI().getPath();
            boolean discovery = requestPath.equals(path + DISCOVERY_SUFFIX);
            boolean jwks = requestPath.equals(jwksPath);
            if (!discovery && !jwks) {
                respond(exchange, 404, "{\"error\":\"not_found\"}");
                return;
            }
            (discovery ? discoveryRequests : jwksRequests).incrementAndGet();
            pause();
            if (!"GET".equals(exchange.getRequestMethod())) {
                respond(exchange, 405, "{\"error\":\"method_not_allowed\"}");
            } else if (!available) {
                respond(exchange, 503, "{\"error\":\"temporarily_unavailable\"}");
            } else {
                respond(exchange, 200, discovery ? discoveryJson() : jwksJson());
            }
        }
    }

    private void pause() {
        Duration delay = responseDelay;
        if (!delay.isZero()) {
            try {
                Thread.sleep(delay.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private String discoveryJson() {
        Map<String, Object> doc = new LinkedHashMap<>();
        String override = discoveryIssuerOverride;
        doc.put("issuer", override != null ? override : issuer());
        String jwksOverride = discoveryJwksUriOverride;
        doc.put("jwks_uri", jwksOverride != null ? jwksOverride : jwksUri().toString());
        doc.put("id_token_signing_alg_values_supported", List.of("RS256", "ES256"));
        doc.put("response_types_supported", List.of("id_token"));
        doc.put("subject_types_supported", List.of("public", "pairwise"));
        doc.put("scopes_supported", List.of("openid"));
        doc.put("claims_supported", List.of("sub", "aud", "exp", "iat", "iss", "jti", "nbf"));
        return JSONObjectUtils.toJSONString(doc);
    }

    private static void respond(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("Cache-Control", "max-age=60");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** Options of a simulator; {@link #start()} binds it. */
    public static final class Builder {
        private String path = "";
        private String jwksPath;
        private Clock clock = Clock.systemUTC();
        private Duration tokenLifetime = Duration.ofMinutes(5);
        private boolean https;

        private Builder() {
        }

        /**
         * Serves over TLS with a fresh self-signed certificate for 127.0.0.1 (made by the JDK's keytool), whose PEM
         * {@link IssuerSimulator#caPem()} returns for an issuer's {@code ca-pem}.
         */
        public Builder https() {
            this.https = true;
            return this;
        }

        /** Issuer path below the server root, e.g. {@code /oidc}; empty (the default) for a root issuer. */
        public Builder path(String value) {
            if (!value.isEmpty() && (!value.startsWith("/") || value.endsWith("/"))) {
                throw new IllegalArgumentException("path must start with '/' and not end with '/': " + value);
            }
            this.path = value;
            return this;
        }

        /** Server path of the JWKS, e.g. {@code /oauth/discovery/keys}; default {@code <path>/.well-known/jwks.json}. */
        public Builder jwksPath(String value) {
            this.jwksPath = value;
            return this;
        }

        /** The clock for default iat/nbf/exp of minted tokens. */
        public Builder clock(Clock value) {
            this.clock = Objects.requireNonNull(value, "clock cannot be null");
            return this;
        }

        /** Default exp − iat of minted tokens (5 minutes, like GitHub). */
        public Builder tokenLifetime(Duration value) {
            this.tokenLifetime = Objects.requireNonNull(value, "tokenLifetime cannot be null");
            return this;
        }

        public IssuerSimulator start() {
            return new IssuerSimulator(this);
        }
    }
}
