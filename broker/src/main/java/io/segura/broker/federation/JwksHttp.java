// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.federation;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Fetches discovery documents and JWKS for one issuer: asynchronously (the caller may be a Netty event loop), with
 * connect and request timeouts, a response-size cap, no redirects (a redirect could lead to a URL the config never
 * allowed) and only to {@code https} URLs or plain {@code http} on loopback (DESIGN §9).
 */
final class JwksHttp {

    private static final Set<String> LOOPBACK_HOSTS = Set.of("127.0.0.1", "localhost", "[::1]", "::1");

    private final HttpClient client;
    private final Executor executor;
    private final Duration timeout;
    private final int maxBodyBytes;

    /** @param executor runs the start of each request: even {@code sendAsync} may resolve DNS on the calling thread */
    JwksHttp(HttpClient client, Executor executor, Duration timeout, int maxBodyBytes) {
        this.client = Objects.requireNonNull(client, "client cannot be null");
        this.executor = Objects.requireNonNull(executor, "executor cannot be null");
        this.timeout = Objects.requireNonNull(timeout, "timeout cannot be null");
        this.maxBodyBytes = maxBodyBytes;
    }

    /** An HTTP client that trusts only the certificates in {@code caPem}, or the JDK defaults when it is null. */
    static HttpClient client(String caPem, Duration connectTimeout, Executor executor) {
        HttpClient.Builder b = HttpClient.newBuilder()
                .executor(executor)
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER);
        if (caPem != null) {
            b.sslContext(sslContext(caPem));
        }
        return b.build();
    }

    static SSLContext sslContext(String caPem) {
        try {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII)));
            if (certs.isEmpty()) {
                throw new IllegalArgumentException("ca-pem holds no certificate");
            }
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int i = 0;
            for (Certificate c : certs) {
                trust.setCertificateEntry("ca-" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("ca-pem is not a PEM certificate bundle: " + e.getMessage(), e);
        }
    }

    /** {@code https} anywhere, {@code http} only on loopback; no user info. */
    static boolean allowedUrl(URI uri) {
        if (uri == null || uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
            return false;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        return "https".equals(scheme)
                || "http".equals(scheme) && LOOPBACK_HOSTS.contains(uri.getHost().toLowerCase(Locale.ROOT));
    }

    /** GETs {@code uri}; completes with the body of a 200 answer, else exceptionally with a {@link FetchException}. */
    CompletableFuture<String> get(URI uri) {
        if (!allowedUrl(uri)) {
            return CompletableFuture.failedFuture(new FetchException(uri + " is neither https nor loopback http"));
        }
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Accept", "application/json")
                .GET()
                .build();
        return CompletableFuture.supplyAsync(() -> client.sendAsync(request, this::bodyHandler), executor)
                .thenCompose(f -> f)
                .handle((response, error) -> {
                    if (error != null) {
                        Throwable cause = error.getCause() != null ? error.getCause() : error;
                        throw new FetchException("GET " + uri + " failed: " + describe(cause));
                    }
                    if (response.statusCode() != 200) {
                        throw new FetchException("GET " + uri + " answered HTTP " + response.statusCode());
                    }
                    return new String(response.body(), StandardCharsets.UTF_8);
                });
    }

    private static String describe(Throwable t) {
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : " (" + t.getMessage() + ")");
    }

    private HttpResponse.BodySubscriber<byte[]> bodyHandler(HttpResponse.ResponseInfo info) {
        if (info.statusCode() != 200) {
            return HttpResponse.BodySubscribers.replacing(new byte[0]);
        }
        return new CappedBody(maxBodyBytes);
    }

    /** A failed fetch; the message names URL and reason, never a response body. */
    static final class FetchException extends RuntimeException {
        FetchException(String message) {
            super(message, null, false, false);
        }
    }

    /** Collects a response body but fails as soon as it grows beyond the cap (a hostile or broken JWKS endpoint). */
    private static final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        private final int cap;
        private Flow.Subscription subscription;

        CappedBody(int cap) {
            this.cap = cap;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            this.subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer b : items) {
                if (buffer.size() + b.remaining() > cap) {
                    subscription.cancel();
                    result.completeExceptionally(new IOException("response body larger than " + cap + " bytes"));
                    return;
                }
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                buffer.write(chunk, 0, chunk.length);
            }
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(buffer.toByteArray());
        }
    }
}
