// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.core.codec.ByteArrayDecoder;
import org.springframework.core.codec.ByteArrayEncoder;
import org.springframework.http.codec.DecoderHttpMessageReader;
import org.springframework.http.codec.EncoderHttpMessageWriter;
import org.springframework.http.codec.ServerCodecConfigurer;

class CodecListCacheTest {

    @Test
    void readersAndWritersWhenAskedAgainThenTheSameListsAndTheyEqualSpringsOwn() {
        ServerCodecConfigurer spring = ServerCodecConfigurer.create();
        CodecListCache cache = new CodecListCache(spring);

        // Spring's configurer wraps its codecs in new reader and writer objects on every call: compare what they read
        assertThat(cache.getReaders()).isSameAs(cache.getReaders());
        assertThat(cache.getWriters()).isSameAs(cache.getWriters());
        assertThat(cache.getReaders()).extracting(r -> r.getReadableMediaTypes().toString())
                .containsExactlyElementsOf(spring.getReaders().stream()
                        .map(r -> r.getReadableMediaTypes().toString()).toList());
        assertThat(cache.getWriters()).extracting(w -> w.getWritableMediaTypes().toString())
                .containsExactlyElementsOf(spring.getWriters().stream()
                        .map(w -> w.getWritableMediaTypes().toString()).toList());
    }

    @Test
    void readersWhenCustomCodecRegisteredAfterFirstUseThenTheNextListsHoldIt() {
        CodecListCache cache = new CodecListCache(ServerCodecConfigurer.create());
        int readers = cache.getReaders().size();
        int writers = cache.getWriters().size();

        cache.customCodecs().register(new ByteArrayDecoder());
        cache.customCodecs().register(new ByteArrayEncoder());

        assertThat(cache.getReaders()).hasSize(readers + 1).first().isInstanceOf(DecoderHttpMessageReader.class);
        assertThat(cache.getWriters()).hasSize(writers + 1).first().isInstanceOf(EncoderHttpMessageWriter.class);
    }

    @Test
    void readersWhenDefaultsSwitchedOffThenTheNextListsHaveNone() {
        CodecListCache cache = new CodecListCache(ServerCodecConfigurer.create());
        assertThat(cache.getReaders()).isNotEmpty();

        cache.registerDefaults(false);

        assertThat(cache.getReaders()).isEmpty();
    }

    @Test
    void cloneWhenTakenThenAnIndependentCache() {
        CodecListCache cache = new CodecListCache(ServerCodecConfigurer.create());
        ServerCodecConfigurer copy = cache.clone();

        copy.registerDefaults(false);

        assertThat(copy).isInstanceOf(CodecListCache.class);
        assertThat(copy.getReaders()).isEmpty();
        assertThat(cache.getReaders()).isNotEmpty();
    }
}
