// SPDX-License-Identifier: Apache-2.0
package io.segura.client.masking;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The streaming scan of one output: feeds chunks through the {@link Automaton}, writes the final bytes to the sink
 * in bulk segments and holds back only the bytes that can still become part of a match. Not thread-safe; one per
 * stream.
 *
 * <p>Two modes. <em>Skip</em>: test each start position's first 8 bytes against the prefilter, with no dependency
 * between positions, until a candidate shows up. <em>Automaton</em>: walk the automaton from the candidate; return
 * to skip mode once the state no longer covers the candidate and is shallower than {@link Automaton#exitDepth}
 * (no match can start before the state's own start, and skip mode re-examines everything after it).
 *
 * <p>Positions inside {@link #feed} are relative to the chunk: negative ones are the held-back bytes of earlier
 * chunks ({@link #pending}, ending at position 0).
 */
final class MaskingEngine {

    static final byte[] MASK = {'*', '*', '*'};
    private static final int NONE = Integer.MIN_VALUE;
    private static final VarHandle LONG_LE =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final int WINDOW = Automaton.LONG_WINDOW;

    private final Automaton automaton;
    private final OutputStream sink;

    private byte[] pending = new byte[64];
    private int pendingLength;
    private boolean inAutomaton;
    private int state = Automaton.ROOT;
    private int entry;
    private int matchStart = NONE;
    private int matchEnd;
    // Per-feed, relative positions: next byte to write to the sink and the chunk being scanned.
    private int emitted;
    private byte[] chunk;
    private int chunkOffset;

    MaskingEngine(Automaton automaton, OutputStream sink) {
        this.automaton = automaton;
        this.sink = sink;
    }

    /**
     * Scans {@code len} bytes; with {@code last} everything is decided and written, otherwise the bytes that may
     * begin a match stay pending (at most the longest pattern).
     */
    void feed(byte[] b, int off, int len, boolean last) throws IOException {
        chunk = b;
        chunkOffset = off;
        emitted = -pendingLength;
        final Automaton a = automaton;
        final int shallowLimit = a.shallowLimit;
        final int[] depth = a.depth;
        final int[] matchLength = a.matchLength;
        final int end = len;
        int p = 0;
        int s = state;
        outer:
        while (true) {
            if (!inAutomaton) {
                int stride = a.stride;
                int lastWindow = end - WINDOW;
                int c = findCandidate(b, off, p, lastWindow, stride);
                if (c >= 0) {
                    // A probe sees a window at offset 0..stride-1 of a pattern: it may start that far back.
                    p = Math.max(p, c - stride + 1);
                } else {
                    // Probes cover starts up to the last probed position; the automaton decides the rest.
                    if (lastWindow >= p) {
                        p += (lastWindow - p) / stride * stride + 1;
                    }
                    if (p >= end) {
                        p = end;
                        break;
                    }
                }
                inAutomaton = true;
                s = Automaton.ROOT;
                entry = p;
            }
            while (p < end) {
                int x = p >= 0 ? b[off + p] & 0xff : pending[pendingLength + p] & 0xff;
                s = a.next(s, x);
                p++;
                if (s < shallowLimit) {
                    if (s == Automaton.DEAD) {
                        p = reportMatch();
                        s = Automaton.ROOT;
                        entry = p;
                        inAutomaton = p < 0; // skip mode only inside the chunk
                        continue outer;
                    }
                    if (matchLength[s] != 0) {
                        matchStart = p - matchLength[s];
                        matchEnd = p;
                        continue;
                    }
                    // No match can start before the state's string: skip again from there.
                    int start = p - depth[s];
                    if (matchStart == NONE && start > entry && start >= 0) {
                        p = start;
                        inAutomaton = false;
                        continue outer;
                    }
                } else if (matchLength[s] != 0) {
                    matchStart = p - matchLength[s];
                    matchEnd = p;
                }
            }
            if (last && matchStart != NONE) {
                p = reportMatch();
                s = Automaton.ROOT;
                entry = p;
                inAutomaton = p < 0;
                continue;
            }
            break;
        }
        state = s;
        if (last) {
            emitTo(end);
            reset();
            return;
        }
        int holdFrom = inAutomaton ? end - depth[s] : end;
        if (matchStart != NONE) {
            holdFrom = Math.min(holdFrom, matchStart);
        }
        emitTo(holdFrom);
        keepPending(holdFrom, end);
        entry -= end;
        if (matchStart != NONE) {
            matchStart -= end;
            matchEnd -= end;
        }
        chunk = null;
    }

    /** Writes the pending match as the mask and returns where scanning resumes (right after it). */
    private int reportMatch() throws IOException {
        if (matchStart == NONE) {
            // DEAD is only reachable through a match state; anything else is a bug in the automaton.
            throw new IllegalStateException("automaton reached DEAD without a pending match");
        }
        emitTo(matchStart);
        sink.write(MASK);
        int resume = matchEnd;
        emitted = resume;
        matchStart = NONE;
        return resume;
    }

    private void emitTo(int to) throws IOException {
        if (to <= emitted) {
            return;
        }
        if (emitted < 0) {
            int n = Math.min(to, 0) - emitted;
            sink.write(pending, pendingLength + emitted, n);
            emitted += n;
        }
        if (to > emitted) {
            sink.write(chunk, chunkOffset + emitted, to - emitted);
            emitted = to;
        }
    }

    private void keepPending(int from, int end) {
        int n = end - from;
        if (n > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(n, pending.length * 2));
        }
        if (from < 0) {
            int fromPending = Math.min(-from, n);
            System.arraycopy(pending, pendingLength + from, pending, 0, fromPending);
            System.arraycopy(chunk, chunkOffset, pending, fromPending, n - fromPending);
        } else {
            System.arraycopy(chunk, chunkOffset + from, pending, 0, n);
        }
        pendingLength = n;
    }

    private void reset() {
        pendingLength = 0;
        inAutomaton = false;
        state = Automaton.ROOT;
        matchStart = NONE;
        chunk = null;
    }

    /**
     * The first probed position ({@code from}, {@code from + stride}, … up to {@code last}) whose 8-byte window
     * may lie in a pattern, or -1. No iteration depends on another, so the CPU overlaps them.
     */
    private int findCandidate(byte[] b, int off, int from, int last, int stride) {
        final Automaton a = automaton;
        if (a.shortFilter != null) {
            for (int i = from; i <= last; i++) {
                if (a.candidate((long) LONG_LE.get(b, off + i))) {
                    return i;
                }
            }
            return -1;
        }
        final long[] filter = a.longFilter;
        final int shift = a.longShift;
        for (int i = from; i <= last; i += stride) {
            int h = Automaton.hash((long) LONG_LE.get(b, off + i), shift);
            if ((filter[h >>> 6] & (1L << h)) != 0) {
                return i;
            }
        }
        return -1;
    }
}
