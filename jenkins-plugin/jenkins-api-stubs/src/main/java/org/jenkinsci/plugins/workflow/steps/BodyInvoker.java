// SPDX-License-Identifier: Apache-2.0
// Compile-only declaration (JENKINS-BAMBOO.md, read from jenkinsci/workflow-step-api-plugin). Never shipped, never run.
package org.jenkinsci.plugins.workflow.steps;

import hudson.console.ConsoleLogFilter;

public abstract class BodyInvoker {
    public abstract BodyInvoker withContext(Object override);

    public BodyInvoker withContexts(Object... overrides) {
        throw new UnsupportedOperationException("compile-only declaration");
    }

    public abstract BodyInvoker withDisplayName(String name);

    public abstract BodyInvoker withCallback(BodyExecutionCallback callback);

    public abstract BodyExecution start();

    public static ConsoleLogFilter mergeConsoleLogFilters(ConsoleLogFilter original, ConsoleLogFilter subsequent) {
        throw new UnsupportedOperationException("compile-only declaration");
    }
}
