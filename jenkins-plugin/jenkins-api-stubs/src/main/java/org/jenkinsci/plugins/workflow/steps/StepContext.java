// SPDX-License-Identifier: Apache-2.0
// Compile-only declaration (JENKINS-BAMBOO.md, read from jenkinsci/workflow-step-api-plugin). Never shipped, never run.
package org.jenkinsci.plugins.workflow.steps;

import java.io.IOException;
import java.io.Serializable;

/** The real class also implements Guava's {@code FutureCallback<Object>}, whose two methods are declared here. */
public abstract class StepContext implements Serializable {
    public abstract <T> T get(Class<T> key) throws IOException, InterruptedException;

    public abstract BodyInvoker newBodyInvoker() throws IllegalStateException;

    public boolean hasBody() {
        throw new UnsupportedOperationException("compile-only declaration");
    }

    public abstract void onSuccess(Object result);

    public abstract void onFailure(Throwable t);
}
