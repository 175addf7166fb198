// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins.core;

import io.segura.client.masking.Masker;
import io.segura.client.masking.MaskingOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A log stream whose masker arrives after the stream was opened. Jenkins decorates a freestyle build's log when
 * the build starts, before a build wrapper's {@code setUp} has leased anything (credentials-binding's
 * {@code SecretBuildWrapper} looks its pattern up per line for the same reason): until {@code masker} supplies a
 * masker, bytes pass through — no secret has been handed out yet — and from the first write after it does, every
 * byte goes through the shared streaming masker.
 */
public final class LateMaskingOutputStream extends FilterOutputStream {

    private final Supplier<Masker> masker;
    private final Runnable onClose;
    private MaskingOutputStream masking;
    private boolean closed;

    /**
     * @param masker  the block's masker once it exists, else null; asked before each write until it answers
     * @param onClose runs once after the log is closed (the adapter forgets the build's masker)
     */
    public LateMaskingOutputStream(OutputStream out, Supplier<Masker> masker, Runnable onClose) {
        super(Objects.requireNonNull(out, "out cannot be null"));
        this.masker = Objects.requireNonNull(masker, "masker cannot be null");
        this.onClose = Objects.requireNonNull(onClose, "onClose cannot be null");
    }

    private OutputStream target() {
        if (masking == null) {
            Masker m = masker.get();
            if (m != null) {
                masking = new MaskingOutputStream(out, m);
            }
        }
        return masking != null ? masking : out;
    }

    @Override
    public synchronized void write(int b) throws IOException {
        target().write(b);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        target().write(b, off, len);
    }

    @Override
    public synchronized void flush() throws IOException {
        target().flush();
    }

    /** Releases what the masker held back (masked) and closes the log. Idempotent. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (masking != null) {
                masking.close();
            } else {
                out.close();
            }
        } finally {
            onClose.run();
        }
    }
}
