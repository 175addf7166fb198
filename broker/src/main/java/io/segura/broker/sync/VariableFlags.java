// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.sync;

import io.segura.broker.config.SyncSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The flags of a synced variable that can be read back and so checked for drift. GitLab: masked, hidden, protected,
 * raw, file; Azure DevOps: {@code secret} ({@code isSecret}) only.
 */
record VariableFlags(boolean masked, boolean hidden, boolean isProtected, boolean raw, boolean file, boolean secret) {

    static VariableFlags gitlab(SyncSpec.Mapping m) {
        return new VariableFlags(m.masked(), m.hidden(), m.isProtected(), m.raw(), m.file(), false);
    }

    static VariableFlags azure(SyncSpec.Mapping m) {
        return new VariableFlags(false, false, false, false, false, m.secret());
    }

    /** Reads {@link #text()} back. */
    static VariableFlags parse(String text) {
        java.util.Set<String> on = text == null || text.isEmpty() ? java.util.Set.of()
                : java.util.Set.of(text.split(","));
        return new VariableFlags(on.contains("masked"), on.contains("hidden"), on.contains("protected"),
                on.contains("raw"), on.contains("file"), on.contains("secret"));
    }

    /** A stable text form for the state table, e.g. {@code masked,hidden,protected}. */
    String text() {
        List<String> on = new ArrayList<>();
        if (masked) {
            on.add("masked");
        }
        if (hidden) {
            on.add("hidden");
        }
        if (isProtected) {
            on.add("protected");
        }
        if (raw) {
            on.add("raw");
        }
        if (file) {
            on.add("file");
        }
        if (secret) {
            on.add("secret");
        }
        return String.join(",", on);
    }

    /** What changed from {@code expected} to {@code this}, e.g. {@code protected true→false}; empty when equal. */
    List<String> differencesFrom(VariableFlags expected) {
        List<String> out = new ArrayList<>();
        diff(out, "masked", expected.masked, masked);
        diff(out, "hidden", expected.hidden, hidden);
        diff(out, "protected", expected.isProtected, isProtected);
        diff(out, "raw", expected.raw, raw);
        diff(out, "file", expected.file, file);
        diff(out, "isSecret", expected.secret, secret);
        return out;
    }

    private static void diff(List<String> out, String name, boolean expected, boolean actual) {
        if (expected != actual) {
            out.add(name + " " + expected + "→" + actual);
        }
    }

    @Override
    public String toString() {
        return text().isEmpty() ? "plain" : text();
    }
}
