// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins;

import hudson.util.Secret;
import io.segura.client.masking.Masker;
import io.segura.jenkins.core.LogMasking;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import org.jenkinsci.plugins.workflow.log.TaskListenerDecorator;

/**
 * Masks the block's log with the shared streaming masker (every value, each line of a multi-line value, their
 * encoded forms, across any split of writes). Serialised with the build's state and sent to agents, where it may
 * run: it keeps the values as {@link Secret}s and rebuilds the masker where it is used.
 */
final class SeguraLogDecorator extends TaskListenerDecorator {

    private static final long serialVersionUID = 1L;

    private final ArrayList<Secret> values = new ArrayList<>();
    private transient Masker masker;

    SeguraLogDecorator(List<String> values) {
        values.forEach(v -> this.values.add(Secret.fromString(v)));
    }

    @Override
    public OutputStream decorate(OutputStream logger) {
        return LogMasking.mask(logger, masker());
    }

    private synchronized Masker masker() {
        if (masker == null) {
            List<String> plain = new ArrayList<>(values.size());
            values.forEach(v -> plain.add(v.getPlainText()));
            masker = LogMasking.masker(plain);
        }
        return masker;
    }
}
