// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.client.masking.Masker;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The freestyle log: plain until the wrapper has leased, masked from then on, the held-back tail released. */
class LateMaskingOutputStreamTest {

    @Test
    void writeWhenMaskerArrivesMidStreamThenLaterSecretsMaskedAndEarlierTextUntouched() throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        AtomicReference<Masker> slot = new AtomicReference<>();
        try (LateMaskingOutputStream log = new LateMaskingOutputStream(sink, slot::get, () -> { })) {
            log.write("Started by user admin\n".getBytes(StandardCharsets.UTF_8));
            slot.set(LogMasking.masker(List.of("pa55-w0rd-for-freestyle")));
            for (byte b : "+ echo pa55-w0rd-for-freestyle\npa55-w0rd-for-freestyle\nFinished: SUCC"
                    .getBytes(StandardCharsets.UTF_8)) {
                log.write(b);
            }
        }
        assertThat(sink.toString(StandardCharsets.UTF_8))
                .isEqualTo("Started by user admin\n+ echo ***\n***\nFinished: SUCC");
    }

    @Test
    void closeWhenNoMaskerEverThenPassesThroughAndClosesOnce() throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        java.util.concurrent.atomic.AtomicInteger closes = new java.util.concurrent.atomic.AtomicInteger();
        LateMaskingOutputStream log = new LateMaskingOutputStream(sink, () -> null, closes::incrementAndGet);
        log.write("no secrets in this build".getBytes(StandardCharsets.UTF_8));
        log.close();
        log.close();
        assertThat(sink.toString(StandardCharsets.UTF_8)).isEqualTo("no secrets in this build");
        assertThat(closes).hasValue(1);
    }
}
