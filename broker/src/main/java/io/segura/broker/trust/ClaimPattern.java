// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.trust;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One bound-claim value or secret-path glob: an exact string, or a glob where {@code *} matches any run of
 * characters, {@code /} and the empty run included. Nothing else is special: {@code .}, {@code ?}, {@code [},
 * {@code \} and {@code $} match only themselves, and matching is case-sensitive. It matches without regular
 * expressions (linear-ish, no backtracking blow-up), because it runs on every exchange and lease.
 *
 * <p>A trailing {@code *} matches across separators: {@code refs/heads/main*} also matches
 * {@code refs/heads/main-evil}. Bind {@code refs/heads/main} exactly, or {@code refs/heads/release/*} with the
 * separator written out, when that is not meant.
 */
public final class ClaimPattern {

    private final String source;
    /** Literal pieces between stars; with {@code exact}, the single piece is the whole value. */
    private final List<String> pieces;
    private final boolean exact;
    private final boolean leadingStar;
    private final boolean trailingStar;

    private ClaimPattern(String source) {
        this.source = source;
        this.exact = source.indexOf('*') < 0;
        this.leadingStar = source.startsWith("*");
        this.trailingStar = source.endsWith("*");
        List<String> parts = new ArrayList<>();
        for (String part : source.split("\\*", -1)) {
            if (!part.isEmpty()) {
                parts.add(part);
            }
        }
        this.pieces = List.copyOf(parts);
    }

    public static ClaimPattern compile(String pattern) {
        Objects.requireNonNull(pattern, "pattern cannot be null");
        return new ClaimPattern(pattern);
    }

    public boolean matches(String value) {
        if (value == null) {
            return false;
        }
        if (exact) {
            return source.equals(value);
        }
        if (pieces.isEmpty()) {
            return true; // only stars
        }
        int start = 0;
        int end = value.length();
        int first = 0;
        int last = pieces.size() - 1;
        if (!leadingStar) {
            String prefix = pieces.get(0);
            if (!value.startsWith(prefix)) {
                return false;
            }
            start = prefix.length();
            first = 1;
        }
        if (!trailingStar) {
            if (last < first) {
                // The single literal piece was the prefix; with no trailing star the value must end right there.
                return start == end;
            }
            String suffix = pieces.get(last);
            if (end - start < suffix.length() || !value.startsWith(suffix, end - suffix.length())) {
                return false;
            }
            end -= suffix.length();
            last--;
        }
        // Middle pieces: the leftmost occurrence of each is always the best choice when * is the only wildcard.
        for (int i = first; i <= last; i++) {
            String piece = pieces.get(i);
            int at = value.indexOf(piece, start);
            if (at < 0 || at + piece.length() > end) {
                return false;
            }
            start = at + piece.length();
        }
        return true;
    }

    public boolean isExact() {
        return exact;
    }

    /** The pattern as configured (for admins; never shown to callers). */
    @Override
    public String toString() {
        return source;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClaimPattern other && other.source.equals(source);
    }

    @Override
    public int hashCode() {
        return source.hashCode();
    }
}
