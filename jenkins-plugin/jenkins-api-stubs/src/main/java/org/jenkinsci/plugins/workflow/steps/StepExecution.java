// SPDX-License-Identifier: Apache-2.0
// Compile-only declaration (JENKINS-BAMBOO.md, read from jenkinsci/workflow-step-api-plugin). Never shipped, never run.
package org.jenkinsci.plugins.workflow.steps;

import java.io.Serializable;

public abstract class StepExecution implements Serializable {
    protected StepExecution(StepContext context) {
    }

    public abstract boolean start() throws Exception;

    public void stop(Throwable cause) throws Exception {
        throw new UnsupportedOperationException("compile-only declaration");
    }

    public void onResume() {
        throw new UnsupportedOperationException("compile-only declaration");
    }

    public String getStatus() {
        throw new UnsupportedOperationException("compile-only declaration");
    }

    public StepContext getContext() {
        throw new UnsupportedOperationException("compile-only declaration");
    }
}
