// SPDX-License-Identifier: Apache-2.0
// Compile-only declaration (JENKINS-BAMBOO.md, read from jenkinsci/jenkins core). Never shipped, never run.
package hudson.tasks;

import hudson.ExtensionPoint;
import hudson.model.Describable;

public abstract class BuildWrapper implements Describable<BuildWrapper>, ExtensionPoint {
}
