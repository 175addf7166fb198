// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import java.util.List;
import java.util.Objects;
import org.springframework.http.codec.HttpMessageReader;
import org.springframework.http.codec.HttpMessageWriter;
import org.springframework.http.codec.ServerCodecConfigurer;

/**
 * WebFlux's codec configurer, with its reader and writer lists built once instead of on every call.
 *
 * <p>WebFlux creates every request's exchange with a form-data reader looked up in {@link #getReaders()}, which
 * Spring's configurer rebuilds on each call (new lists, every default codec asked for its media types): about 7 % of
 * the HTTP threads' CPU under a token-exchange load, for a form that only {@link TokenEndpoint} reads, by itself
 * (docs/PERFORMANCE.md, "Session 4"). The lists are rebuilt after any call that could change them.
 */
final class CodecListCache implements ServerCodecConfigurer {

    private final ServerCodecConfigurer delegate;
    private volatile List<HttpMessageReader<?>> readers;
    private volatile List<HttpMessageWriter<?>> writers;

    CodecListCache(ServerCodecConfigurer delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate cannot be null");
    }

    @Override
    public List<HttpMessageReader<?>> getReaders() {
        List<HttpMessageReader<?>> r = readers;
        if (r == null) {
            r = List.copyOf(delegate.getReaders());
            readers = r;
        }
        return r;
    }

    @Override
    public List<HttpMessageWriter<?>> getWriters() {
        List<HttpMessageWriter<?>> w = writers;
        if (w == null) {
            w = List.copyOf(delegate.getWriters());
            writers = w;
        }
        return w;
    }

    // Whoever asks for the mutable configuration may change it: the next lists are built afresh.

    @Override
    public ServerDefaultCodecs defaultCodecs() {
        invalidate();
        return delegate.defaultCodecs();
    }

    @Override
    public CustomCodecs customCodecs() {
        invalidate();
        return delegate.customCodecs();
    }

    @Override
    public void registerDefaults(boolean registerDefaults) {
        invalidate();
        delegate.registerDefaults(registerDefaults);
    }

    @Override
    public ServerCodecConfigurer clone() {
        return new CodecListCache(delegate.clone());
    }

    private void invalidate() {
        readers = null;
        writers = null;
    }
}
