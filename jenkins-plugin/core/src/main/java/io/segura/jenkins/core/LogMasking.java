// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins.core;

import io.segura.client.masking.Masker;
import io.segura.client.masking.MaskingOutputStream;
import java.io.OutputStream;
import java.util.Collection;
import java.util.Objects;

/**
 * The build log's masking (DESIGN §11) for a set of leased values: the shared streaming masker, which masks every
 * value, each line of a multi-line value, and their JSON-, URL-, shell- and base64-encoded forms, however the log
 * is split into writes. Jenkins' log decorators are serialised and rebuilt on agents, so they keep the values (as
 * Jenkins {@code Secret}s) and rebuild the masker here.
 */
public final class LogMasking {

    private LogMasking() {
    }

    /** One masker for {@code values} (values shorter than 4 characters are not masked; see {@link Masker}). */
    public static Masker masker(Collection<String> values) {
        Objects.requireNonNull(values, "values cannot be null");
        Masker.Builder b = Masker.builder();
        int i = 0;
        for (String v : values) {
            b.add("value " + ++i, v);
        }
        return b.build();
    }

    /**
     * Wraps a log stream: writes pass through with every secret form replaced by {@code ***}; only bytes that may
     * still begin a secret are held back, and {@code close()} releases them (masked).
     */
    public static OutputStream mask(OutputStream log, Masker masker) {
        return new MaskingOutputStream(log, masker);
    }
}
