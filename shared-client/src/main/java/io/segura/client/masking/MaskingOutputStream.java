// SPDX-License-Identifier: Apache-2.0
package io.segura.client.masking;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;

/**
 * An output stream that masks secrets on their way to the underlying stream (a job log, a child process' output):
 * every occurrence of a {@link Masker}'s patterns becomes {@code ***}, even when it arrives split across any number
 * of {@code write} calls.
 *
 * <p>It holds back only the bytes that could still be the start of a match — at most the longest pattern, whatever
 * the line structure, so output that never ends a line (progress bars redrawn with {@code \r}) is not buffered
 * without bound. Everything else is passed on as soon as it is written, in bulk.
 *
 * <p>{@link #flush()} passes on what is decided and flushes the underlying stream, but deliberately keeps the held
 * bytes: releasing a possible secret prefix would print the first half of a secret whose second half is about to
 * be written. {@link #close()} decides the rest (masking what matches), writes it and closes the underlying stream.
 *
 * <p>Not thread-safe, like most streams: synchronize externally (e.g. through a {@code PrintStream}) when several
 * threads write.
 */
public final class MaskingOutputStream extends FilterOutputStream {

    private final MaskingEngine engine;
    private final byte[] single = new byte[1];
    private boolean closed;

    /** Masks with {@code masker} (a masker without patterns passes everything through). */
    public MaskingOutputStream(OutputStream out, Masker masker) {
        super(Objects.requireNonNull(out, "out cannot be null"));
        Automaton automaton = Objects.requireNonNull(masker, "masker cannot be null").automaton();
        this.engine = automaton == null ? null : new MaskingEngine(automaton, out);
    }

    @Override
    public void write(int b) throws IOException {
        single[0] = (byte) b;
        write(single, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        ensureOpen();
        if (len == 0) {
            return;
        }
        if (engine == null) {
            out.write(b, off, len);
        } else {
            engine.feed(b, off, len, false);
        }
    }

    /** Flushes the underlying stream; bytes that may still begin a secret stay held back (see the class doc). */
    @Override
    public void flush() throws IOException {
        ensureOpen();
        out.flush();
    }

    /** Masks and writes the held-back bytes, then closes the underlying stream. Idempotent. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try (OutputStream o = out) {
            if (engine != null) {
                engine.feed(new byte[0], 0, 0, true);
            }
            o.flush();
        }
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("stream closed");
        }
    }
}
