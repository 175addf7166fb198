// SPDX-License-Identifier: Apache-2.0
package io.segura.client.masking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The stream contract: hold back only possible match prefixes, never release them on flush, finish on close. */
class MaskingOutputStreamTest {

    private final Masker masker = Masker.builder().add("ci/token", "secret-token-value").build();

    @Test
    void flushWhenPossibleSecretPrefixPendingThenPrefixIsHeldBack() throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        MaskingOutputStream out = new MaskingOutputStream(sink, masker);

        out.write(bytes("deploying with secret-tok"));
        out.flush();
        assertThat(sink.toString(StandardCharsets.UTF_8)).isEqualTo("deploying with ");

        out.write(bytes("en-value done"));
        out.flush();
        assertThat(sink.toString(StandardCharsets.UTF_8)).isEqualTo("deploying with *** done");
    }

    @Test
    void closeWhenPrefixPendingThenPrefixIsReleasedAndUnderlyingStreamClosed() throws IOException {
        ClosingSink sink = new ClosingSink();
        MaskingOutputStream out = new MaskingOutputStream(sink, masker);

        out.write(bytes("tail secret-token-val"));
        out.close();
        out.close();

        assertThat(sink.toString(StandardCharsets.UTF_8)).isEqualTo("tail secret-token-val");
        assertThat(sink.closed).isEqualTo(1);
        assertThatThrownBy(() -> out.write(1)).isInstanceOf(IOException.class);
    }

    @Test
    void closeWhenSecretEndsTheStreamThenItIsMasked() throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (MaskingOutputStream out = new MaskingOutputStream(sink, masker)) {
            out.write(bytes("value=secret-token-value"));
        }
        assertThat(sink.toString(StandardCharsets.UTF_8)).isEqualTo("value=***");
    }

    @Test
    void writeWhenCarriageReturnProgressOutputThenHeldBytesStayBounded() throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        MaskingOutputStream out = new MaskingOutputStream(sink, masker);
        long written = 0;
        for (int i = 0; i < 49_995; i++) { // the last frame (49,994) ends in "secret-"
            // Frames end in "secret-" now and then: a real possible prefix that must be held, but only that.
            String frame = "\rDownloading [" + "=".repeat(i % 40) + ">" + " ".repeat(40 - i % 40) + "] " + i % 100
                    + (i % 7 == 0 ? "% secret-" : "% ");
            byte[] b = bytes(frame);
            out.write(b);
            written += b.length;
            assertThat(written - sink.size()).isLessThanOrEqualTo(i % 7 == 0 ? "secret-".length() : 0);
        }
        out.write(bytes("token-value\r100%"));
        out.close();

        String log = sink.toString(StandardCharsets.UTF_8);
        assertThat(log).doesNotContain("secret-token-value").endsWith("94% ***\r100%");
        assertThat(log).hasSize((int) written - "secret-".length() + "***\r100%".length());
    }

    @Test
    void writeWhenMaskerWithoutPatternsThenPassesThrough() throws IOException {
        Masker empty = Masker.builder().add("short", "abc").build();
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (MaskingOutputStream out = new MaskingOutputStream(sink, empty)) {
            out.write(bytes("abc abc"));
        }
        assertThat(sink.toString(StandardCharsets.UTF_8)).isEqualTo("abc abc");
        assertThat(empty.warnings()).hasSize(1);
    }

    @Test
    void writeWhenOffsetAndLengthThenOnlyThatSliceIsScanned() throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        byte[] b = bytes("XXsecret-token-valueYY");
        try (MaskingOutputStream out = new MaskingOutputStream(sink, masker)) {
            out.write(b, 2, b.length - 4);
        }
        assertThat(sink.toString(StandardCharsets.UTF_8)).isEqualTo("***");
        assertThatThrownBy(() -> new MaskingOutputStream(sink, masker).write(b, 20, 5))
                .isInstanceOf(IndexOutOfBoundsException.class);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static final class ClosingSink extends ByteArrayOutputStream {
        int closed;

        @Override
        public void close() throws IOException {
            closed++;
            super.close();
        }
    }

}
