// SPDX-License-Identifier: Apache-2.0
// Compile-only declaration (JENKINS-BAMBOO.md, read from jenkinsci/workflow-step-api-plugin). Never shipped, never run.
package org.jenkinsci.plugins.workflow.steps;

import java.io.Serializable;

public abstract class BodyExecutionCallback implements Serializable {
    public void onStart(StepContext context) {
        throw new UnsupportedOperationException("compile-only declaration");
    }

    public abstract void onSuccess(StepContext context, Object result);

    public abstract void onFailure(StepContext context, Throwable t);

    public abstract static class TailCall extends BodyExecutionCallback {
        protected abstract void finished(StepContext context) throws Exception;

        @Override
        public final void onSuccess(StepContext context, Object result) {
            throw new UnsupportedOperationException("compile-only declaration");
        }

        @Override
        public final void onFailure(StepContext context, Throwable t) {
            throw new UnsupportedOperationException("compile-only declaration");
        }
    }
}
