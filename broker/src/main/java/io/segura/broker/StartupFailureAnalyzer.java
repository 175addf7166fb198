// SPDX-License-Identifier: Apache-2.0
package io.segura.broker;

import io.segura.broker.config.ConfigException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns an invalid trust config into the short report an operator needs — every problem as
 * {@code FILE:LINE:COLUMN: FIELD: problem} — instead of a bean-creation stack trace.
 */
public final class StartupFailureAnalyzer extends AbstractFailureAnalyzer<ConfigException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, ConfigException cause) {
        return new FailureAnalysis("The trust config is invalid; the broker refuses to start:\n" + cause.getMessage(),
                "Fix every problem listed above in the file named by SEGURA_CONFIG, then start again.", cause);
    }
}
