// SPDX-License-Identifier: Apache-2.0
package io.segura.broker;

import io.segura.broker.vault.MasterKeyException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a master-key problem (a malformed {@code SEGURA_MASTER_KEY*} variable, or versions sealed under a key the
 * broker was not given) into the short report an operator needs, instead of a bean-creation stack trace.
 */
public final class MasterKeyFailureAnalyzer extends AbstractFailureAnalyzer<MasterKeyException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, MasterKeyException cause) {
        return new FailureAnalysis("The master keys are unusable; the broker refuses to start:\n" + cause.getMessage(),
                "Fix SEGURA_MASTER_KEY (or SEGURA_MASTER_KEY_FILE) and SEGURA_MASTER_KEY_PREVIOUS (or"
                        + " SEGURA_MASTER_KEY_PREVIOUS_FILE) as described above, then start again. README: \"Rotating"
                        + " the master key\".", cause);
    }
}
