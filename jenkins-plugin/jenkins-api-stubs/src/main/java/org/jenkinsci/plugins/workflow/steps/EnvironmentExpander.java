// SPDX-License-Identifier: Apache-2.0
// Compile-only declaration (JENKINS-BAMBOO.md, read from jenkinsci/workflow-step-api-plugin). Never shipped, never run.
package org.jenkinsci.plugins.workflow.steps;

import hudson.EnvVars;
import java.io.IOException;
import java.io.Serializable;
import java.util.Map;
import java.util.Set;

public abstract class EnvironmentExpander implements Serializable {
    public abstract void expand(EnvVars env) throws IOException, InterruptedException;

    public Set<String> getSensitiveVariables() {
        throw new UnsupportedOperationException("compile-only declaration");
    }

    public static EnvironmentExpander constant(Map<String, String> env) {
        throw new UnsupportedOperationException("compile-only declaration");
    }

    public static EnvironmentExpander merge(EnvironmentExpander original, EnvironmentExpander subsequent) {
        throw new UnsupportedOperationException("compile-only declaration");
    }
}
