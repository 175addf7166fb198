// SPDX-License-Identifier: Apache-2.0
package io.segura.client.masking;

import java.util.Arrays;
import java.util.List;

/**
 * The compiled, immutable Aho–Corasick automaton over UTF-8 bytes with leftmost-longest semantics, plus a prefilter
 * of pattern prefixes. Package-private: only {@link MaskingEngine} walks it.
 *
 * <p>Leftmost-longest follows the construction of the Rust {@code aho-corasick} crate: a trie whose failure link of a
 * pattern-terminal state is DEAD, so once a match is seen the automaton only keeps extending strings that start at or
 * before it, and reaches DEAD when no longer match can follow. The scanner remembers the last match state it passed;
 * on DEAD it reports that match and restarts right after it.
 *
 * <p>Layout, chosen for cache behaviour (1,000 secrets × ~15 forms is ~10<sup>5</sup>–10<sup>6</sup> states): states
 * are numbered breadth-first, so ids grow with depth and a state's trie children have consecutive ids. The shallow
 * states, where a scan over ordinary log text spends nearly all its time, get dense transition rows over byte
 * equivalence classes within a fixed memory budget; deeper states (almost always a single-child chain) keep only
 * their children and failure link.
 *
 * <p>Before any of that, {@link #candidate} rejects start positions that begin no pattern: a bit set of hashed 8-byte
 * prefixes of the patterns of 8 bytes or more and, only if there are shorter ones, a second of their 1–4-byte
 * prefixes. Eight bytes, not four, because log text is full of short runs that begin some pattern (a PEM's
 * {@code -----BEGIN} against Maven's {@code ------} separator lines) but rarely of eight-byte ones. When every
 * pattern is at least 8 + k − 1 bytes long (k ≤ 4), the bit set holds each pattern's 8-byte substrings at offsets
 * 0..k−1 and the scanner probes only every k-th position ({@link #stride}): a match starting at s contains one
 * probed window whole.
 */
final class Automaton {

    static final int DEAD = 0;
    static final int ROOT = 1;

    /** Memory for dense rows; 1 MiB keeps the hot rows in L2 and leaves the rest sparse. */
    private static final int DENSE_BUDGET_BYTES = 1 << 20;
    private static final int HASH_MULTIPLIER = 0x9E3779B1;
    private static final long HASH_MULTIPLIER_64 = 0x9E3779B97F4A7C15L;
    /** Bytes of the prefix key of long patterns (one little-endian {@code long} read). */
    static final int LONG_WINDOW = 8;

    final int stateCount;
    /** Dense rows for states {@code [0, denseCount)}: {@code dense[s * width + byteClass[b]]}. */
    final int[] dense;
    final int denseCount;
    final int width;
    final byte[] byteClass;
    /** Children of state s are the ids {@code [childStart[s], childStart[s + 1])}; their byte is {@code edge[c]}. */
    final int[] childStart;
    final byte[] edge;
    final int[] fail;
    final int[] depth;
    /** Length of the longest pattern reported in state s (leftmost-longest), 0 for none. */
    final int[] matchLength;
    /**
     * Ids below this are DEAD, ROOT and the states shallower than {@link #exitDepth}: there the scanner may go back
     * to skipping (a short pattern's match state can be among them).
     */
    final int shallowLimit;
    final int exitDepth;
    final int maxDepth;
    /** 8-byte prefixes of the patterns of 8 bytes or more; null when there are none. */
    final long[] longFilter;
    final int longShift;
    /** 1–4-byte prefixes of the patterns shorter than 8 bytes; null when there are none. */
    final long[] shortFilter;
    final int shortShift;
    final int shortMask;
    /** Distance between probed positions: 1, or up to 4 when all patterns are long enough. */
    final int stride;

    private Automaton(Builder b) {
        this.stateCount = b.count;
        this.dense = b.dense;
        this.denseCount = b.denseCount;
        this.width = b.width;
        this.byteClass = b.byteClass;
        this.childStart = b.childStart;
        this.edge = b.edge;
        this.fail = b.fail;
        this.depth = b.depth;
        this.matchLength = b.matchLength;
        this.shallowLimit = b.shallowLimit;
        this.exitDepth = b.exitDepth;
        this.maxDepth = b.maxDepth;
        this.longFilter = b.longFilter;
        this.longShift = b.longShift;
        this.shortFilter = b.shortFilter;
        this.shortShift = b.shortShift;
        this.shortMask = b.shortWindow == 4 ? -1 : (1 << (8 * b.shortWindow)) - 1;
        this.stride = b.stride;
    }

    /** Compiles non-empty byte patterns (already deduplicated). */
    static Automaton compile(List<byte[]> patterns) {
        if (patterns.isEmpty()) {
            throw new IllegalArgumentException("at least one pattern is required");
        }
        return new Automaton(new Builder(patterns));
    }

    /** The transition from state s on byte x (0–255). */
    int next(int s, int x) {
        while (s >= denseCount) {
            int end = childStart[s + 1];
            byte bx = (byte) x;
            for (int c = childStart[s]; c < end; c++) {
                if (edge[c] == bx) {
                    return c;
                }
            }
            s = fail[s];
        }
        return dense[s * width + (byteClass[x] & 0xff)];
    }

    /** Whether a pattern may start with the 8 bytes read little-endian into {@code key}. */
    boolean candidate(long key) {
        if (longFilter != null) {
            int h = hash(key, longShift);
            if ((longFilter[h >>> 6] & (1L << h)) != 0) {
                return true;
            }
        }
        if (shortFilter != null) {
            int h = hash((int) key & shortMask, shortShift);
            return (shortFilter[h >>> 6] & (1L << h)) != 0;
        }
        return false;
    }

    static int hash(int key, int shift) {
        return (key * HASH_MULTIPLIER) >>> shift;
    }

    static int hash(long key, int shift) {
        return (int) ((key * HASH_MULTIPLIER_64) >>> shift);
    }

    /** Builds the trie, numbers it breadth-first, links failures and lays out the tables. */
    private static final class Builder {
        // Trie under construction, ids in insertion order; children as linked lists (root: direct array).
        private int[] tFirst = new int[1024];
        private int[] tNext = new int[1024];
        private byte[] tEdge = new byte[1024];
        private int[] tTerminal = new int[1024];
        private int tCount = 1; // trie node 0 is the root
        private final int[] rootChildren = new int[256];

        int count;
        int[] dense;
        int denseCount;
        int width;
        byte[] byteClass;
        int[] childStart;
        byte[] edge;
        int[] fail;
        int[] depth;
        int[] matchLength;
        int shallowLimit;
        int exitDepth;
        int maxDepth;
        int shortWindow;
        long[] longFilter;
        int longShift;
        long[] shortFilter;
        int shortShift;
        int stride;

        Builder(List<byte[]> patterns) {
            Arrays.fill(rootChildren, -1);
            Arrays.fill(tFirst, -1);
            int shortest = Integer.MAX_VALUE;
            boolean[] used = new boolean[256];
            for (byte[] p : patterns) {
                if (p.length == 0) {
                    throw new IllegalArgumentException("empty pattern");
                }
                shortest = Math.min(shortest, p.length);
                maxDepth = Math.max(maxDepth, p.length);
                insert(p);
                for (byte x : p) {
                    used[x & 0xff] = true;
                }
            }
            shortWindow = Math.min(4, shortest);
            exitDepth = maxDepth >= LONG_WINDOW ? LONG_WINDOW : shortWindow;
            stride = Math.max(1, Math.min(4, shortest - LONG_WINDOW + 1));
            renumber();
            linkFailures();
            classes(used);
            denseRows();
            prefilter(patterns);
        }

        private void insert(byte[] p) {
            int node = 0;
            for (int i = 0; i < p.length; i++) {
                int child = child(node, p[i]);
                if (child < 0) {
                    child = newNode(p[i]);
                    if (node == 0) {
                        rootChildren[p[i] & 0xff] = child;
                    } else {
                        tNext[child] = tFirst[node];
                        tFirst[node] = child;
                    }
                }
                node = child;
            }
            tTerminal[node] = p.length;
        }

        private int child(int node, byte x) {
            if (node == 0) {
                return rootChildren[x & 0xff];
            }
            for (int c = tFirst[node]; c >= 0; c = tNext[c]) {
                if (tEdge[c] == x) {
                    return c;
                }
            }
            return -1;
        }

        private int newNode(byte x) {
            if (tCount == tFirst.length) {
                int n = tCount * 2;
                tFirst = Arrays.copyOf(tFirst, n);
                Arrays.fill(tFirst, tCount, n, -1);
                tNext = Arrays.copyOf(tNext, n);
                tEdge = Arrays.copyOf(tEdge, n);
                tTerminal = Arrays.copyOf(tTerminal, n);
            }
            tEdge[tCount] = x;
            tNext[tCount] = -1;
            return tCount++;
        }

        /** Breadth-first ids: DEAD = 0, ROOT = 1, then by depth; each node's children get consecutive ids. */
        private void renumber() {
            count = tCount + 1;
            childStart = new int[count + 1];
            edge = new byte[count];
            depth = new int[count];
            matchLength = new int[count];
            int[] parent = new int[count];
            int[] terminal = new int[count];
            int[] trieOf = new int[count];
            trieOf[ROOT] = 0;
            int nextId = ROOT + 1;
            childStart[DEAD] = nextId;
            for (int id = ROOT; id < count; id++) {
                childStart[id] = nextId;
                int node = trieOf[id];
                int[] kids = children(node);
                for (int k : kids) {
                    trieOf[nextId] = k;
                    edge[nextId] = tEdge[k];
                    parent[nextId] = id;
                    depth[nextId] = depth[id] + 1;
                    terminal[nextId] = tTerminal[k];
                    nextId++;
                }
            }
            childStart[count] = nextId;
            this.parentTmp = parent;
            this.terminalTmp = terminal;
            tFirst = null;
            tNext = null;
            tEdge = null;
            tTerminal = null;
        }

        private int[] parentTmp;
        private int[] terminalTmp;

        private int[] children(int node) {
            if (node == 0) {
                int n = 0;
                int[] kids = new int[256];
                for (int b = 0; b < 256; b++) {
                    if (rootChildren[b] >= 0) {
                        kids[n++] = rootChildren[b];
                    }
                }
                return Arrays.copyOf(kids, n);
            }
            int n = 0;
            for (int c = tFirst[node]; c >= 0; c = tNext[c]) {
                n++;
            }
            int[] kids = new int[n];
            for (int c = tFirst[node]; c >= 0; c = tNext[c]) {
                kids[--n] = c;
            }
            return kids;
        }

        private int childOf(int s, byte x, int[] rootIds) {
            if (s == ROOT) {
                return rootIds[x & 0xff];
            }
            int end = childStart[s + 1];
            for (int c = childStart[s]; c < end; c++) {
                if (edge[c] == x) {
                    return c;
                }
            }
            return -1;
        }

        /** Failure links with the leftmost rule: a pattern-terminal state fails to DEAD. */
        private void linkFailures() {
            fail = new int[count];
            int[] rootIds = new int[256];
            Arrays.fill(rootIds, -1);
            for (int c = childStart[ROOT]; c < childStart[ROOT + 1]; c++) {
                rootIds[edge[c] & 0xff] = c;
            }
            fail[DEAD] = DEAD;
            fail[ROOT] = ROOT;
            shallowLimit = count;
            for (int s = ROOT + 1; s < count; s++) {
                if (depth[s] >= exitDepth && shallowLimit == count) {
                    shallowLimit = s;
                }
                int term = terminalTmp[s];
                if (term > 0) {
                    fail[s] = DEAD;
                    matchLength[s] = term;
                    continue;
                }
                int p = parentTmp[s];
                int f;
                if (p == ROOT) {
                    f = ROOT;
                } else {
                    f = fail[p];
                    while (true) {
                        if (f == DEAD) {
                            break;
                        }
                        int c = childOf(f, edge[s], rootIds);
                        if (c >= 0) {
                            f = c;
                            break;
                        }
                        if (f == ROOT) {
                            break;
                        }
                        f = fail[f];
                    }
                }
                fail[s] = f;
                matchLength[s] = f == DEAD ? 0 : matchLength[f];
            }
            parentTmp = null;
            terminalTmp = null;
        }

        /** Bytes used by no pattern share class 0; every used byte gets its own class. */
        private void classes(boolean[] used) {
            byteClass = new byte[256];
            int n = 1;
            for (int b = 0; b < 256; b++) {
                if (used[b]) {
                    n++;
                }
            }
            // Class ids are stored in a byte; 256 used bytes would need 257 classes, so then use identity.
            if (n > 256) {
                width = 256;
                for (int b = 0; b < 256; b++) {
                    byteClass[b] = (byte) b;
                }
                representatives = new int[256];
                for (int b = 0; b < 256; b++) {
                    representatives[b] = b;
                }
                return;
            }
            width = n;
            representatives = new int[n];
            int unused = -1;
            int k = 1;
            for (int b = 0; b < 256; b++) {
                if (used[b]) {
                    representatives[k] = b;
                    byteClass[b] = (byte) k++;
                } else if (unused < 0) {
                    unused = b;
                }
            }
            representatives[0] = unused < 0 ? 0 : unused;
        }

        private int[] representatives;

        private void denseRows() {
            int rowBytes = width * 4;
            denseCount = Math.max(2, Math.min(count, DENSE_BUDGET_BYTES / rowBytes));
            dense = new int[denseCount * width];
            int[] rootIds = new int[256];
            Arrays.fill(rootIds, -1);
            for (int c = childStart[ROOT]; c < childStart[ROOT + 1]; c++) {
                rootIds[edge[c] & 0xff] = c;
            }
            // DEAD's row stays all DEAD (zeros).
            for (int s = ROOT; s < denseCount; s++) {
                for (int k = 0; k < width; k++) {
                    byte x = (byte) representatives[k];
                    int c = childOf(s, x, rootIds);
                    int target;
                    if (c >= 0) {
                        target = c;
                    } else if (s == ROOT) {
                        target = ROOT;
                    } else {
                        target = dense[fail[s] * width + k]; // fail[s] < s: its row is done
                    }
                    dense[s * width + k] = target;
                }
            }
        }

        private void prefilter(List<byte[]> patterns) {
            int longCount = 0;
            for (byte[] p : patterns) {
                if (p.length >= LONG_WINDOW) {
                    longCount++;
                }
            }
            int shortCount = patterns.size() - longCount;
            if (longCount > 0) {
                int bits = filterBits(longCount * stride);
                longFilter = new long[1 << (bits - 6)];
                longShift = 64 - bits;
            }
            if (shortCount > 0) {
                int bits = filterBits(shortCount);
                shortFilter = new long[1 << (bits - 6)];
                shortShift = 32 - bits;
            }
            for (byte[] p : patterns) {
                if (p.length >= LONG_WINDOW) {
                    for (int o = 0; o < stride; o++) {
                        int h = hash(key(p, o, LONG_WINDOW), longShift);
                        longFilter[h >>> 6] |= 1L << h;
                    }
                } else {
                    long key = key(p, 0, p.length);
                    int mask = shortWindow == 4 ? -1 : (1 << (8 * shortWindow)) - 1;
                    int h = hash((int) key & mask, shortShift);
                    shortFilter[h >>> 6] |= 1L << h;
                }
            }
        }

        private static long key(byte[] p, int from, int n) {
            long key = 0;
            for (int i = 0; i < n; i++) {
                key |= (p[from + i] & 0xffL) << (8 * i);
            }
            return key;
        }

        /** ~128 bits per prefix keeps false candidates under 1 %; 2^12..2^21 bits (512 B..256 KiB). */
        private static int filterBits(int prefixes) {
            int bits = 12;
            while (bits < 21 && (1L << bits) < 128L * prefixes) {
                bits++;
            }
            return bits;
        }
    }
}
