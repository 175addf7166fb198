// SPDX-License-Identifier: Apache-2.0
// Compile-only declaration (JENKINS-BAMBOO.md, read from jenkinsci/workflow-step-api-plugin). Never shipped, never run.
package org.jenkinsci.plugins.workflow.steps;

public abstract class GeneralNonBlockingStepExecution extends StepExecution {
    protected GeneralNonBlockingStepExecution(StepContext context) {
        super(context);
    }

    @FunctionalInterface
    protected interface Block {
        void run() throws Exception;
    }

    protected final void run(Block block) {
        throw new UnsupportedOperationException("compile-only declaration");
    }

    @Override
    public void stop(Throwable cause) throws Exception {
        throw new UnsupportedOperationException("compile-only declaration");
    }

    @Override
    public void onResume() {
        throw new UnsupportedOperationException("compile-only declaration");
    }

    protected abstract class TailCall extends BodyExecutionCallback {
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
