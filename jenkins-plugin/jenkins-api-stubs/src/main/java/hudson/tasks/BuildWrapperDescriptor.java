// SPDX-License-Identifier: Apache-2.0
// Compile-only declaration (JENKINS-BAMBOO.md, read from jenkinsci/jenkins core). Never shipped, never run.
package hudson.tasks;

import hudson.model.AbstractProject;
import hudson.model.Descriptor;

public abstract class BuildWrapperDescriptor extends Descriptor<BuildWrapper> {
    protected BuildWrapperDescriptor(Class<? extends BuildWrapper> clazz) {
    }

    protected BuildWrapperDescriptor() {
    }

    public abstract boolean isApplicable(AbstractProject<?, ?> item);
}
